// `holdgate storage copy --from sqlite:PATH --to postgresql://...` (issue 14, part 5): moves a
// bastion's state from its SQLite file to PostgreSQL, rows as they are (request versions and
// reviews, grants, locks, the audit trail with its ids and hashes, so `audit verify` passes on
// the copy), into an empty database only. Prints the counts and checks the destination holds
// exactly them.
#pragma once

#include <ostream>
#include <string>

namespace holdgate::stores {

// Exit status: 0 copied and counted, 1 refused or failed (one sentence on `err`), 3 the counts
// read back differ from those read.
int run_storage_copy(const std::string& from, const std::string& to, std::ostream& out,
                     std::ostream& err);

}  // namespace holdgate::stores
