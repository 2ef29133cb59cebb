// AFL++ edge coverage from gcc's own -fsanitize-coverage=trace-pc, for where AFL++'s gcc plugin
// does not load (Debian 12's afl++ 4.04c refuses the gcc-12 point release it now ships with).
// gcc calls this at every basic block; it records the edge from the previous block in AFL++'s
// map exactly as AFL's instrumentation does. AFL++'s runtime (afl-compiler-rt.o, linked beside
// it) supplies the map, the fork server, persistent mode and shared-memory inputs.
// Built without trace-pc itself.
#include <cstdint>

extern "C" {

extern std::uint8_t* __afl_area_ptr;  // afl-compiler-rt.o; 64 KiB unless AFL++ says otherwise

namespace {
thread_local std::uintptr_t previous_block = 0;
}

__attribute__((no_sanitize("address", "undefined"))) void __sanitizer_cov_trace_pc() {
  auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  std::uintptr_t block = (pc ^ (pc >> 16)) & 0xffff;
  __afl_area_ptr[block ^ previous_block]++;
  previous_block = block >> 1;
}

}  // extern "C"
