// `audit:` the audit trail's signed checkpoints. Same reader conventions as the other sections.
#include "config/sections.hpp"

namespace holdgate::config::detail {

AuditSettings read_audit(const Entry& e) {
  AuditSettings audit;
  Fields fields(e, {"checkpoint_every", "checkpoint_interval"});
  if (auto f = fields.get("checkpoint_every")) {
    audit.checkpoint_every = read_int(*f, 0).value_or(audit.checkpoint_every);
  }
  if (auto f = fields.get("checkpoint_interval")) {
    audit.checkpoint_interval = read_duration(*f, true).value_or(audit.checkpoint_interval);
  }
  return audit;
}

}  // namespace holdgate::config::detail
