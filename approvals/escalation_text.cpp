#include "escalation_text.hpp"

#include "approvals/hook_review.hpp"
#include "approvals/render.hpp"
#include "approvals/shell_words.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::approvals::escalation_text {
namespace {

using policy::sanitize;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += separator;
    text += sanitize(item);
  }
  return text;
}

std::string describe(const RoleThreshold& role) {
  std::string text = sanitize(role.role) + " (" + std::to_string(role.approve) +
                     (role.approve == 1 ? " approval" : " approvals") + " needed";
  if (!role.suggested_reviewers.empty()) text += "; reviewers: " + join(role.suggested_reviewers);
  return text + ")";
}

}  // namespace

std::string denied_banner(std::string_view login, std::string_view target,
                          const std::vector<RoleThreshold>& roles, std::string_view invocation) {
  std::string where = sanitize(login) + "@" + sanitize(target);
  std::string text = "holdgate: access denied to " + sanitize(login) + " on " + sanitize(target) + "\n";
  text += "You do not currently have access to " + where + ", attempting to request access.\n";
  if (roles.size() == 1) {
    text += "Role to request: " + describe(roles.front()) + "\n";
  } else {
    text += "Roles that would grant it:\n";
    for (const auto& role : roles) text += "  " + describe(role) + "\n";
  }
  // Asks for this login on this target only, like the inline request would. shell_quote keeps
  // an unusual login one word for the channel's own word splitting.
  text += "Without a terminal, request it with:\n  " + std::string(invocation) +
          " \"request create --login " + sanitize(shell_quote(login)) + " --target " +
          sanitize(shell_quote(target)) + " --reason 'why you need it'\"\n";
  return text;
}

std::string not_requestable(std::string_view login, std::string_view target) {
  return "holdgate: access denied to " + sanitize(login) + " on " + sanitize(target) +
         " (no role you can request grants it)";
}

std::string role_prompt(const std::vector<RoleThreshold>& roles) {
  std::vector<std::string> names;
  for (const auto& role : roles) names.push_back(role.role);
  return "Role to request (" + join(names) + ") [" + sanitize(roles.front().role) + "]: ";
}

std::string reason_prompt() { return "Enter request reason: "; }

std::string created(const AccessRequest& request) { return "Creating request... " + request.id; }

std::string reattached(const AccessRequest& request) {
  return "Reattached to your pending request " + request.id + " (made " +
         table_time(request.created) + ")";
}

std::string waiting(const Progress& progress) {
  std::string text = "Waiting for approval " + std::to_string(progress.approvals) + "/" +
                     std::to_string(progress.approvals_needed);
  if (!progress.can_still_review.empty()) {
    text += " (can still approve: " + join(progress.can_still_review) + ")";
  }
  return text + " - Ctrl-C to leave (the request stays pending)";
}

std::string review(const storage::Review& review) {
  bool approved = review.decision == storage::Decision::approve;
  std::string text = std::string(approved ? "  + " : "  x ") + sanitize(review.reviewer) +
                     (approved ? " approved" : " denied");
  if (!review.reason.empty()) text += ": \"" + sanitize(review.reason) + "\"";
  return text;
}

std::string resolved(const AccessRequest& request, std::string_view target) {
  switch (request.state) {
    case RequestState::approved:
      return "Access granted until " + table_time(*request.grant_expires) + ". Connecting to " +
             sanitize(target) + "...";
    case RequestState::denied:
      if (auto by_hook = hook_denial(request); !by_hook.empty()) {
        return "holdgate: request " + request.id + " was " + sanitize(by_hook);
      }
      return "holdgate: request " + request.id + " was denied" +
             (request.resolution_reason.empty() ? std::string()
                                                : ": \"" + sanitize(request.resolution_reason) + "\"");
    case RequestState::expired:
      return "holdgate: request " + request.id + " expired without a decision";
    case RequestState::cancelled:
      return "holdgate: request " + request.id + " was cancelled";
    case RequestState::revoked:
    case RequestState::dropped:
      return "holdgate: request " + request.id + " was " + sanitize(request.resolution_reason);
    case RequestState::pending:
      break;
  }
  return {};
}

std::string break_glass_banner(std::string_view login, std::string_view target,
                               const RoleThreshold& role, std::string_view invocation) {
  std::string text = "holdgate: access denied to " + sanitize(login) + " on " + sanitize(target) + "\n";
  text += "The only way in is BREAK-GLASS through role " + sanitize(role.role) +
          ": access at once, without reviewers, for " + format_duration(role.break_glass_duration) +
          ". It is audited and announced, and the role's reviewers must ratify it within " +
          format_duration(role.ratify_within) + ", or you are locked.\n";
  text += "Without a terminal:\n  " + std::string(invocation) + " \"request create --login " +
          sanitize(shell_quote(login)) + " --target " + sanitize(shell_quote(target)) +
          " --break-glass --confirm " + sanitize(shell_quote(target)) +
          " --reason 'why you need it'\"\n";
  return text;
}

std::string break_glass_reason_prompt() { return "BREAK-GLASS reason (required): "; }

std::string break_glass_confirm_prompt(std::string_view target) {
  return "Type the target name to confirm BREAK-GLASS access to " + sanitize(target) + ": ";
}

std::string break_glass_granted(const AccessRequest& request, std::string_view target) {
  std::string text = "BREAK-GLASS access granted until " + table_time(*request.grant_expires) +
                     " (request " + request.id + ")";
  if (request.ratify_by) {
    text += "; it must be ratified by " + table_time(*request.ratify_by) + " or you are locked";
  }
  return text + ". Connecting to " + sanitize(target) + "...";
}

}  // namespace holdgate::approvals::escalation_text
