#include "config/names.hpp"
#include "config/sections.hpp"

namespace holdgate::config::detail {

std::vector<Target> read_targets(const Entry& e, RecordingSettings& recording) {
  std::vector<Target> targets;
  NameSet names(NameKind::target);
  for (const auto& item : read_list(e)) {
    Fields fields(item, {"name", "address", "labels", "recording"});
    Target target;
    target.name = names.read(fields).value_or("");
    if (auto f = fields.require("address")) {
      if (auto address = read_address(*f, 22)) target.address = *address;
    }
    if (auto f = fields.get("labels")) target.labels = read_labels(*f);
    if (auto f = fields.get("recording")) {
      if (auto mode = read_recording_mode(*f)) recording.target_modes[target.name] = *mode;
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace holdgate::config::detail
