// `session play ID` and `session export ID` (issue 13, section 2): which recording the ID names,
// whether the caller may see it (session_access.hpp), and the audit event that says they did.
// No I/O of its own: the proxy streams the file the result names.
#pragma once

#include <string_view>

#include "approvals/commands.hpp"
#include "approvals/service.hpp"

namespace holdgate::approvals {

// exit 0 with `replay` set, or exit 1 and one sentence: no such session, not the caller's to
// see, not recorded, or its recording deleted by retention; play of a recording without a
// terminal (.stream), or export --stream (stdout, stderr, stdin) of one with a terminal. Audited as session.played /
// session.exported (actor the caller, subject the session id) when allowed.
CommandResult run_session_replay(RequestService& service, const Caller& caller,
                                 SessionReplay::Kind kind, std::string_view id, double speed,
                                 std::string_view stream = {});

// What `session export` / `play` print on stderr (one line, ending "\n") when the file, read to
// its end, does not hash to what session.ended says: the export has been streamed by then
// (checking first would read a large file twice), so this and exit 1 are the verdict.
std::string tampered_sentence(const SessionReplay& replay, std::string_view actual_sha256);

}  // namespace holdgate::approvals
