#include "audit/audit_command.hpp"

#include <filesystem>
#include <set>

#include "approvals/render.hpp"
#include "audit/checkpoint.hpp"
#include "audit/export.hpp"
#include "audit/recordings.hpp"
#include "audit/signing_key.hpp"
#include "storage/audit_chain.hpp"
#include "storage/audit_verify.hpp"
#include "storage/store.hpp"
#include "stores/open_configured.hpp"

namespace holdgate::audit {

namespace {

// The configured store, without creating a database where there is none: verifying an empty new
// file would report "ok" for a trail that is simply not there.
std::unique_ptr<storage::Store> open_store(const config::Config& config, std::ostream& err) {
  auto store = stores::open_configured_store(config, stores::Create::no);
  if (auto* e = std::get_if<storage::StoreError>(&store)) {
    err << "holdgate: " << e->message << '\n';
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<storage::Store>>(store));
}

std::string describe(long id, const std::string& kind, storage::TimePoint at) {
  std::string text = "event " + std::to_string(id);
  if (!kind.empty()) text += " (" + kind + ", " + approvals::rfc3339(at) + ")";
  return text;
}

// The anchor a checkpoint line vouches for, once its signature checks out with the key in
// state_dir; else the reason, one sentence.
std::variant<storage::ChainAnchor, std::string> checked_anchor(const config::Config& config,
                                                               const std::string& line) {
  auto parsed = parse_checkpoint_line(line);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  const Checkpoint& checkpoint = std::get<Checkpoint>(parsed);
  auto key = SigningKey::load(signing_key_path(config.state_dir));
  if (auto* error = std::get_if<std::string>(&key)) return *error;
  const SigningKey& signing = std::get<SigningKey>(key);
  const std::string public_key = storage::to_hex(signing.public_key());
  if (!checkpoint.key.empty() && checkpoint.key != public_key) {
    return "the checkpoint was signed by key " + checkpoint.key + ", not by this holdgate's " +
           public_key;
  }
  std::string signature;
  for (std::size_t i = 0; i + 1 < checkpoint.signature.size(); i += 2) {
    signature.push_back(static_cast<char>(std::stoi(checkpoint.signature.substr(i, 2), nullptr, 16)));
  }
  if (!signing.verify(checkpoint_message(checkpoint.id, checkpoint.hash), signature)) {
    return std::string("the checkpoint's signature does not verify: the line was changed or "
                       "not signed by this holdgate");
  }
  return storage::ChainAnchor{checkpoint.id, checkpoint.hash};
}

int verify(const config::Config& config, const AuditOptions& options, std::ostream& out,
           std::ostream& err) {
  std::optional<storage::ChainAnchor> anchor;
  if (options.checkpoint) {
    auto checked = checked_anchor(config, *options.checkpoint);
    if (auto* error = std::get_if<std::string>(&checked)) {
      err << "holdgate: audit verify: " << *error << '\n';
      return 1;
    }
    anchor = std::get<storage::ChainAnchor>(checked);
  }
  auto store = open_store(config, err);
  if (!store) return 1;
  const auto events = store->audit_since(storage::TimePoint{});
  const auto report = storage::verify_chain(events, anchor);
  if (report.failure) {
    const auto& f = *report.failure;
    err << "holdgate: audit verify: " << describe(f.id, f.kind, f.at) << " does not verify: "
        << f.problem << '\n';
    return 1;
  }
  std::set<std::string> deleted;
  for (const auto& event : events) {
    if (auto name = deleted_by_retention(event)) deleted.insert(*name);
  }
  std::size_t recordings = 0;
  for (const auto& event : events) {
    auto ref = recording_of(event);
    if (!ref || deleted.contains(ref->path)) continue;
    if (auto problem = check_recording(config.recording.dir, *ref)) {
      err << "holdgate: audit verify: " << describe(event.id, event.kind, event.at)
          << " does not verify: " << *problem << '\n';
      return 1;
    }
    ++recordings;
  }
  out << "ok: " << report.events << (report.events == 1 ? " event, " : " events, ") << recordings
      << (recordings == 1 ? " recording" : " recordings");
  if (anchor) out << ", checkpoint at event " << anchor->id;
  out << '\n';
  return 0;
}

int export_trail(const config::Config& config, const AuditOptions& options, std::ostream& out,
                 std::ostream& err) {
  if (options.format != "json") {
    err << "holdgate: audit export: unknown format '" << options.format << "' (expected json)\n";
    return 2;
  }
  storage::TimePoint since{};
  if (options.since) {
    auto parsed = parse_since(*options.since, storage::Clock::now());
    if (auto* error = std::get_if<std::string>(&parsed)) {
      err << "holdgate: audit export: " << *error << '\n';
      return 2;
    }
    since = std::get<storage::TimePoint>(parsed);
  }
  auto store = open_store(config, err);
  if (!store) return 1;
  for (const auto& event : store->audit_since(since)) out << audit_event_json(event) << '\n';
  out.flush();
  return 0;
}

}  // namespace

int run_audit(const config::Config& config, const AuditOptions& options, std::ostream& out,
              std::ostream& err) {
  try {
    if (options.action == "verify") return verify(config, options, out, err);
    if (options.action == "export") return export_trail(config, options, out, err);
  } catch (const std::exception& e) {
    err << "holdgate: audit " << options.action << ": " << e.what() << '\n';
    return 1;
  }
  err << "holdgate: audit needs verify or export, not '" << options.action << "'\n";
  return 2;
}

}  // namespace holdgate::audit
