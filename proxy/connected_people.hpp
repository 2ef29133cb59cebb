// Who is connected now, and by which key (issue 15, section 3): a reload that removes a person
// from the config, or a key of theirs, ends their connections (live, held, approvals) with one
// line. Owned by the Server, like LiveSessions; everything runs on the one event-loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "config/config.hpp"

namespace holdgate::proxy {

class ConnectedPeople {
 public:
  struct Connection {
    std::string person;
    std::string key_blob;  // the base64 blob of the key they proved (AuthorizedKey::blob)
    std::function<void(const std::string& message)> end;  // ends it, `message` its last line
  };

  // A connection's place in the registry, given up when it is destroyed (the session ends).
  class Entry {
   public:
    Entry() = default;
    Entry(ConnectedPeople* people, std::uint64_t id) : people_(people), id_(id) {}
    Entry(Entry&& other) noexcept : people_(std::exchange(other.people_, nullptr)), id_(other.id_) {}
    Entry& operator=(Entry&& other) noexcept {
      if (this != &other) {
        reset();
        people_ = std::exchange(other.people_, nullptr);
        id_ = other.id_;
      }
      return *this;
    }
    ~Entry() { reset(); }

   private:
    void reset() {
      if (people_ != nullptr) people_->connections_.erase(id_);
      people_ = nullptr;
    }
    ConnectedPeople* people_ = nullptr;
    std::uint64_t id_ = 0;
  };

  Entry add(Connection connection) {
    auto id = next_id_++;
    connections_.emplace(id, std::move(connection));
    return Entry(this, id);
  }

  // Ends every connection `config` no longer admits (config::still_admits); returns how many.
  std::size_t end_unadmitted(const config::Config& config, const std::string& message);

  std::size_t size() const { return connections_.size(); }

 private:
  std::map<std::uint64_t, Connection> connections_;
  std::uint64_t next_id_ = 1;
};

}  // namespace holdgate::proxy
