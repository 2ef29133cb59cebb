// One descriptor kept in reserve for the moment the process runs out of them (EMFILE/ENFILE).
// Out of descriptors, accept() fails and the connection stays in the kernel's backlog: the
// client waits there, without a word, until its own timeout, and the listener fails again on
// every wake-up. Spending the reserve lets the listener take that connection and close it at
// once, so the client hears "connection closed" now (as libev and nginx do it).
#pragma once

namespace holdgate::proxy {

class FdReserve {
 public:
  FdReserve();
  ~FdReserve();
  FdReserve(const FdReserve&) = delete;
  FdReserve& operator=(const FdReserve&) = delete;

  // Gives the reserve up, accepts one waiting connection on `listener` (never blocking) and
  // closes it, then takes the reserve back. False when nothing was shed: the reserve could not
  // be had (another part of the process took the last descriptor) or no connection was waiting.
  bool shed_one(int listener);

 private:
  void take();
  int fd_ = -1;
};

}  // namespace holdgate::proxy
