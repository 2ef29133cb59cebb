// Internal: one reader per part of the file. Each returns what it could read and reports the
// rest; the caller discards the Config if anything was reported.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace holdgate::config::detail {

// A role name used in the file. Roles may be defined after their first use, so these are checked
// once the whole file has been read.
struct RoleRef {
  Context ctx;  // the list the name appears in
  YAML::Mark mark;
  std::string name;
};

// A list of role names, each recorded for the later check.
std::vector<std::string> read_role_names(const Entry& list, std::vector<RoleRef>& refs);

// listen, state_dir, host_keys, upstream (with defaults under state_dir).
void read_server(const Fields& top, Config& config);
Limits read_limits(const Entry& e);
ProxyProtocol read_proxy_protocol(const Entry& e);  // `proxy_protocol: {from: [networks]}`
// Targets' and roles' `recording:` (and roles' `record_required:`) go into `recording`.
std::vector<Target> read_targets(const Entry& e, RecordingSettings& recording);
std::vector<User> read_users(const Entry& e, std::vector<RoleRef>& refs);
std::vector<Role> read_roles(const Entry& e, std::vector<RoleRef>& refs, RecordingSettings& recording);
Notify read_notify(const Entry& e);             // read_integrations.cpp
ApprovalSettings read_approvals(const Entry& e);
StorageConfig read_storage(const Entry& e);                       // read_storage.cpp
RecordingSettings read_recording(const Entry& e);                 // read_recording.cpp
std::optional<RecordingMode> read_recording_mode(const Entry& e);  // pty, all or none
AuditSettings read_audit(const Entry& e);       // read_audit.cpp
MetricsSettings read_metrics(const Entry& e);   // read_metrics.cpp
WebSettings read_web(const Entry& e);           // read_web.cpp
KeysCommand read_keys_command(const Entry& e);  // read_keys_command.cpp
StorageConfig read_storage(const Entry& e);     // read_storage.cpp

}  // namespace holdgate::config::detail
