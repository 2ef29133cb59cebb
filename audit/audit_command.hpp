// `holdgate audit verify|export`: the operator's side of the tamper-evident audit trail, run
// against the database in state_dir (beside a running holdgate or on a copy of state_dir).
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "config/config.hpp"

namespace holdgate::audit {

struct AuditOptions {
  std::string action;                     // "verify" or "export"
  std::optional<std::string> checkpoint;  // verify --checkpoint LINE
  std::optional<std::string> since;       // export --since 24h|ISO (default: everything)
  std::string format = "json";            // export --format (json only)
};

// verify: "ok: N events, M recordings" on `out` and 0, or the first event that does not verify
// on `err` and 1. export: one JSON object per event on `out`. Bad usage: one sentence, 2.
int run_audit(const config::Config& config, const AuditOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace holdgate::audit
