#include "audit/recordings.hpp"

#include <fstream>

#include "approvals/json_reader.hpp"
#include "storage/audit_chain.hpp"

namespace holdgate::audit {

std::optional<RecordingRef> recording_of(const storage::AuditEvent& event) {
  if (event.kind != "session.ended") return std::nullopt;
  auto parsed = approvals::parse_json(event.details);
  const auto* value = std::get_if<approvals::JsonValue>(&parsed);
  if (!value) return std::nullopt;
  const auto* path = value->find("recording");
  const auto* sha256 = value->find("sha256");
  if (!path || !sha256 || !path->as_string() || !sha256->as_string()) return std::nullopt;
  RecordingRef ref{*path->as_string(), *sha256->as_string()};
  for (char& c : ref.sha256) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return ref;
}

std::optional<std::string> deleted_by_retention(const storage::AuditEvent& event) {
  // The exact outcome Server::apply_retention records; "cannot delete: ..." leaves the file.
  if (event.kind != "recording.deleted" || event.details != "deleted by retention") {
    return std::nullopt;
  }
  return event.subject;
}

std::optional<std::string> check_recording(const std::filesystem::path& dir,
                                           const RecordingRef& ref) {
  const std::filesystem::path relative(ref.path);
  bool climbs = relative.empty() || relative.is_absolute();
  for (const auto& part : relative) climbs = climbs || part == "..";
  if (climbs) return "its recording path '" + ref.path + "' is not inside the recordings directory";

  const auto file = dir / relative;
  std::ifstream in(file, std::ios::binary);
  if (!in) return "its recording " + file.string() + " is missing or unreadable";
  storage::Sha256 sha;
  std::string buffer(1 << 16, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sha.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return "its recording " + file.string() + " could not be read to the end";
  const std::string actual = storage::to_hex(sha.finish());
  if (actual != ref.sha256) {
    return "recording hash mismatch: " + file.string() + " has SHA-256 " + actual +
           ", the event says " + ref.sha256 + " (the recording was changed)";
  }
  return std::nullopt;
}

}  // namespace holdgate::audit
