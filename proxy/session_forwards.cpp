// Session's part in forwarding (issue 18): how its forwards are logged and audited, as the
// session's own events are (the session's id, source and person on every line).
#include "session.hpp"

namespace holdgate::proxy {

Forwards::Reporter Session::forward_reporter(const std::string& subject) {
  Forwards::Reporter reporter;
  reporter.log = [this, subject](std::string_view event, const std::vector<Forwards::LogField>& fields) {
    std::vector<EventLog::Field> all{{"subject", subject}};
    all.insert(all.end(), fields.begin(), fields.end());
    log(event, all);
  };
  reporter.audit = [this, subject](const std::string& kind, const std::string& details) {
    context_.storage->record({std::chrono::system_clock::now(), kind, person_, source_, subject, details});
  };
  return reporter;
}

}  // namespace holdgate::proxy
