#include "web/web_commands.hpp"

#include <sstream>
#include <vector>

#include "web/login_links.hpp"

namespace holdgate::web {
namespace {

std::vector<std::string> words_of(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace

bool is_web_command(std::string_view command_line) {
  auto words = words_of(command_line);
  return !words.empty() && words[0] == "web";
}

std::string web_usage(std::string_view invocation) {
  std::string i(invocation);
  return "usage: " + i + " web login         print a one-time link that signs you in to the web page\n"
         "       " + i + " web logout --all  end all your web sessions\n";
}

WebCommandResult run_web_command(std::string_view command_line, storage::Store& store,
                                 const config::Config& config, const std::string& person,
                                 const std::string& source, storage::TimePoint now,
                                 std::string_view invocation) {
  auto words = words_of(command_line);
  auto usage = [&](std::string sentence) {
    return WebCommandResult{"", "holdgate: " + sentence + "\n\n" + web_usage(invocation), 2};
  };
  if (words.size() == 2 && words[1] == "login") {
    if (!config.web.listen) return {"", "holdgate: the web page is not enabled on this bastion\n", 1};
    IssuedLogin issued = issue_login(person, now);
    store.create_web_login(issued.stored, now);
    store.append_audit({now, "web.link", person, source, "", "one-time login link issued"});
    return {"Open this link within 2 minutes to sign in to the web page (it works once):\n" +
                login_link(config.web.url, issued.token) + "\n",
            "", 0};
  }
  if (words.size() == 3 && words[1] == "logout" && words[2] == "--all") {
    int ended = store.end_web_sessions(person);
    store.append_audit({now, "web.logout", person, source, "", std::to_string(ended) + " web sessions ended"});
    return {"Ended " + std::to_string(ended) + " web session" + (ended == 1 ? "" : "s") + ".\n", "", 0};
  }
  if (words.size() >= 2 && words[1] == "logout") return usage("web logout needs --all (every web session of yours ends)");
  if (words.size() == 1) return usage("web needs a command: login or logout --all");
  return usage("unknown web command '" + words[1] + "'");
}

}  // namespace holdgate::web
