#include "connected_people.hpp"

#include <vector>

#include "config/reload_rules.hpp"

namespace holdgate::proxy {

std::size_t ConnectedPeople::end_unadmitted(const config::Config& config, const std::string& message) {
  // Chosen first, ended after: ending one may remove entries (its session finishing at once).
  std::vector<std::function<void(const std::string&)>> doomed;
  for (const auto& [id, connection] : connections_) {
    if (!config::still_admits(config, connection.person, connection.key_blob)) {
      doomed.push_back(connection.end);
    }
  }
  for (auto& end : doomed) {
    if (end) end(message);
  }
  return doomed.size();
}

}  // namespace holdgate::proxy
