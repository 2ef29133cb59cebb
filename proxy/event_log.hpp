// One line per event on stderr: time, event name, then key=value fields. Every value is
// sanitised, so a user name full of escape sequences cannot forge or hide a log line.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace holdgate::proxy {

class EventLog {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  explicit EventLog(std::ostream& out) : out_(out) {}

  void write(std::string_view event, const std::vector<Field>& fields);

 private:
  std::ostream& out_;
};

}  // namespace holdgate::proxy
