#include "forwards.hpp"

#include <algorithm>

#include "policy/forwarding_rules.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {
namespace {

std::string text_or_empty(const char* text) { return text != nullptr ? text : ""; }

std::string seconds_text(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

Forwards::Forwards(config::Forwarding permitted, int max_forwards, ssh_session user,
                   ssh_session upstream, Reporter reporter)
    : permitted_(std::move(permitted)),
      max_forwards_(max_forwards),
      user_(user),
      upstream_(upstream),
      reporter_(std::move(reporter)) {}

Forwards::~Forwards() { cut_all("connection ended"); }

bool Forwards::take_user_message(MessageHandle& message) {
  int type = ssh_message_type(message.get());
  int subtype = ssh_message_subtype(message.get());
  if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_DIRECT_TCPIP) return open_local(message);
  if (type == SSH_REQUEST_GLOBAL && subtype == SSH_GLOBAL_REQUEST_TCPIP_FORWARD) {
    return request_listen(message, false);
  }
  if (type == SSH_REQUEST_GLOBAL && subtype == SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD) {
    return request_listen(message, true);
  }
  return false;
}

bool Forwards::take_target_message(MessageHandle& message) {
  if (ssh_message_type(message.get()) != SSH_REQUEST_CHANNEL_OPEN) return false;
  int subtype = ssh_message_subtype(message.get());
  if (subtype == SSH_CHANNEL_FORWARDED_TCPIP) return open_remote(message);
  if (subtype == SSH_CHANNEL_AUTH_AGENT) return open_agent(message);
  return false;
}

void Forwards::refuse(MessageHandle& message, std::string_view kind, const std::string& destination,
                      const std::string& reason) {
  ssh_message_reply_default(message.get());  // channel open: SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
  message.reset();
  reporter_.log("refused", {{"what", "forward"}, {"kind", kind}, {"destination", destination},
                            {"reason", reason}});
  reporter_.audit("forward.denied", std::string(kind) + " " + destination + ": " + reason);
}

bool Forwards::open_local(MessageHandle& message) {
  ssh_message m = message.get();
  std::string host = text_or_empty(ssh_message_channel_request_open_destination(m));
  int port = ssh_message_channel_request_open_destination_port(m);
  std::string destination = policy::describe_destination(host, port);
  if (cut_) {
    refuse(message, "local", destination, "access ended");
  } else if (!policy::local_destination_allowed(permitted_, host, port)) {
    refuse(message, "local", destination,
           permitted_.local.empty() ? "not permitted" : "destination not permitted");
  } else if (at_limit()) {
    refuse(message, "local", destination,
           "max_forwards (" + std::to_string(max_forwards_) + ") reached");
  } else {
    std::string origin = text_or_empty(ssh_message_channel_request_open_originator(m));
    int origin_port = ssh_message_channel_request_open_originator_port(m);
    // The target connects as if its own ssh client had asked (ssh -L run there): the user's
    // originator stays as they sent it, for the target's logs.
    auto opener = [host, port, origin, origin_port](ssh_channel far) {
      return ssh_channel_open_forward(far, host.c_str(), port, origin.c_str(), origin_port);
    };
    channels_.push_back(std::make_unique<ForwardChannel>(ForwardChannel::Kind::local, destination,
                                                         std::move(message), upstream_, opener));
  }
  return true;
}

bool Forwards::request_listen(MessageHandle& message, bool cancel) {
  ssh_message m = message.get();
  Listen listen{text_or_empty(ssh_message_global_request_address(m)),
                ssh_message_global_request_port(m)};
  std::string where = policy::describe_destination(listen.address, listen.port);
  const char* what = cancel ? "remote-cancel" : "remote";
  if (cut_) {
    refuse(message, what, where, "access ended");
  } else if (!permitted_.remote) {
    refuse(message, what, where, "not permitted");
  } else if (!cancel && listen.port == 0) {
    // libssh reads a dynamically bound port back from whatever packet came last: not relayed.
    refuse(message, what, where, "a port chosen by the target (0) is not relayed");
  } else if (pending_listens_.size() + (cancel ? 0 : listens_.size()) >=
             static_cast<std::size_t>(max_forwards_)) {
    refuse(message, what, where, "max_forwards (" + std::to_string(max_forwards_) + ") reached");
  } else {
    pending_listens_.push_back({std::move(message), std::move(listen), cancel});
  }
  return true;
}

// One global request to the target at a time (libssh keeps one pending per session); each
// reply goes back to the user when the target's comes.
bool Forwards::step_listens() {
  bool progress = false;
  while (!pending_listens_.empty()) {
    auto& head = pending_listens_.front();
    const char* address = head.listen.address.c_str();
    int rc = head.cancel ? ssh_channel_cancel_forward(upstream_, address, head.listen.port)
                         : ssh_channel_listen_forward(upstream_, address, head.listen.port, nullptr);
    if (rc == SSH_AGAIN) break;
    std::string where = policy::describe_destination(head.listen.address, head.listen.port);
    const char* what = head.cancel ? "cancel" : "listen";
    if (rc == SSH_OK) {
      ssh_message_global_request_reply_success(head.request.get(), 0);
      auto same = [&](const Listen& l) { return l.address == head.listen.address && l.port == head.listen.port; };
      if (head.cancel) {
        std::erase_if(listens_, same);
      } else if (std::none_of(listens_.begin(), listens_.end(), same)) {
        listens_.push_back(head.listen);
      }
      reporter_.log("forward-listen", {{"what", what}, {"address", where}, {"result", "ok"}});
      reporter_.audit(head.cancel ? "forward.unlistened" : "forward.listened", "remote " + where);
    } else {
      ssh_message_reply_default(head.request.get());  // REQUEST_FAILURE: the client reports it
      reporter_.log("forward-listen", {{"what", what}, {"address", where}, {"result", "refused by target"}});
    }
    pending_listens_.pop_front();
    progress = true;
  }
  return progress;
}

bool Forwards::open_remote(MessageHandle& message) {
  // The target's reply to a tcpip-forward may have been read in the same pass as the first
  // connection to it: take the reply first, or that connection finds no listener.
  step_listens();
  ssh_message m = message.get();
  std::string address = text_or_empty(ssh_message_channel_request_open_destination(m));
  int port = ssh_message_channel_request_open_destination_port(m);
  std::string origin = text_or_empty(ssh_message_channel_request_open_originator(m));
  int origin_port = ssh_message_channel_request_open_originator_port(m);
  std::string where = policy::describe_destination(address, port);
  bool listening = std::any_of(listens_.begin(), listens_.end(),
                               [&](const Listen& l) { return l.port == port; });
  if (cut_ || !permitted_.remote || !listening) {
    // Never asked for by this user (or no longer allowed): the target's own business.
    refuse(message, "remote", where, listening ? "not permitted" : "no such listener");
  } else if (at_limit()) {
    refuse(message, "remote", where, "max_forwards (" + std::to_string(max_forwards_) + ") reached");
  } else {
    auto opener = [address, port, origin, origin_port](ssh_channel far) {
      return ssh_channel_open_reverse_forward(far, address.c_str(), port, origin.c_str(), origin_port);
    };
    channels_.push_back(std::make_unique<ForwardChannel>(ForwardChannel::Kind::remote, where,
                                                         std::move(message), user_, opener));
  }
  return true;
}

bool Forwards::agent_requested() {
  if (!cut_ && permitted_.agent) {
    if (!agent_forwarded_) reporter_.log("agent-forwarding", {{"result", "ok"}});
    agent_forwarded_ = true;
    return true;
  }
  reporter_.log("refused", {{"what", "forward"}, {"kind", "agent"},
                            {"reason", cut_ ? "access ended" : "not permitted"}});
  reporter_.audit("forward.denied", "agent ssh-agent: not permitted");
  return false;
}

bool Forwards::open_agent(MessageHandle& message) {
  if (cut_ || !agent_forwarded_) {
    refuse(message, "agent", "ssh-agent", "agent forwarding was not requested or not permitted");
  } else if (at_limit()) {
    refuse(message, "agent", "ssh-agent", "max_forwards (" + std::to_string(max_forwards_) + ") reached");
  } else {
    auto opener = [](ssh_channel far) { return ssh_channel_open_auth_agent(far); };
    channels_.push_back(std::make_unique<ForwardChannel>(ForwardChannel::Kind::agent, "ssh-agent",
                                                         std::move(message), user_, opener));
  }
  return true;
}

bool Forwards::step(ChannelBridge::Arrivals arrivals, std::chrono::steady_clock::time_point now) {
  bool progress = step_listens();
  for (auto& channel : channels_) {
    bool was_open = channel->opened();
    progress |= channel->step(arrivals, now);
    if (!was_open && channel->opened()) report_opened(*channel);
  }
  std::erase_if(channels_, [&](const auto& c) {
    if (!c->finished()) return false;
    report_closed(*c);
    return true;
  });
  return progress;
}

void Forwards::cut_all(const std::string& why) {
  cut_ = true;
  for (auto& channel : channels_) {
    channel->cut("failed: " + why);
    report_closed(*channel);
  }
  channels_.clear();
  for (auto& pending : pending_listens_) ssh_message_reply_default(pending.request.get());
  pending_listens_.clear();
}

void Forwards::report_opened(const ForwardChannel& channel) {
  reporter_.log("forward-opened", {{"kind", channel.kind_name()}, {"destination", channel.destination()}});
  reporter_.audit("forward.opened", std::string(channel.kind_name()) + " " + channel.destination());
}

void Forwards::report_closed(const ForwardChannel& channel) {
  if (!channel.opened()) {
    if (channel.outcome() == "refused") {
      reporter_.log("refused", {{"what", "forward"}, {"kind", channel.kind_name()},
                                {"destination", channel.destination()},
                                {"reason", "the other side would not open it"}});
    }
    return;
  }
  std::string up = std::to_string(channel.bytes_from_user());
  std::string down = std::to_string(channel.bytes_to_user());
  std::string duration = seconds_text(channel.age());
  reporter_.log("forward-closed", {{"kind", channel.kind_name()}, {"destination", channel.destination()},
                                   {"from_user", up}, {"to_user", down}, {"duration", duration},
                                   {"outcome", channel.outcome()}});
  reporter_.audit("forward.closed", std::string(channel.kind_name()) + " " + channel.destination() +
                                        ": " + up + " bytes from the user, " + down +
                                        " bytes to the user, " + duration + ", " + channel.outcome());
}

}  // namespace holdgate::proxy
