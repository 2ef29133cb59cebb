// A start-up being counted: a connection still in key exchange or authentication. Released
// once the key is proven, or when the connection ends, whichever comes first. A listener's
// connection counts in the server's admissions by source; a ProxyJump inner one counts against
// its outer connection.
#pragma once

#include <functional>
#include <utility>

namespace holdgate::proxy {

class StartupSlot {
 public:
  StartupSlot() = default;
  explicit StartupSlot(std::function<void()> release) : release_(std::move(release)) {}
  StartupSlot(StartupSlot&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
  StartupSlot& operator=(StartupSlot&& other) noexcept {
    if (this != &other) {
      release();
      release_ = std::exchange(other.release_, nullptr);
    }
    return *this;
  }
  ~StartupSlot() { release(); }

  void release() {
    if (auto release = std::exchange(release_, nullptr)) release();
  }

 private:
  std::function<void()> release_;
};

}  // namespace holdgate::proxy
