// AFL++ edge coverage from gcc's own -fsanitize-coverage=trace-pc, for where AFL++'s gcc plugin
// does not load (Debian 12's afl++ 4.04c refuses the gcc-12 point release it now ships with).
// gcc calls this at every basic block; it records the edge from the previous block in AFL++'s
// map exactly as AFL's instrumentation does. AFL++'s runtime (afl-compiler-rt.o, linked beside
// it) supplies the map, the fork server, persistent mode and shared-memory inputs.
// Built without trace-pc itself.
//
// With HOLDGATE_FUZZ_PCS=FILE (a replay, not under afl-fuzz) it also writes every distinct block
// reached, as offsets into the executable, for coverage.sh to map to source lines: gcc 12's
// gcov counts no lines inside coroutine bodies, and authenticate_user is one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {

extern std::uint8_t* __afl_area_ptr;  // afl-compiler-rt.o; 64 KiB unless AFL++ says otherwise

extern char __executable_start;  // the linker's: where a PIE was loaded

namespace {
thread_local std::uintptr_t previous_block = 0;

// The distinct blocks, when recording: open addressing, never resized (a replay reaches far
// fewer than this).
constexpr std::size_t table_size = std::size_t{1} << 20;
std::uintptr_t blocks_seen[table_size];
int recording = -1;  // unknown until the first block

void write_blocks() {
  std::FILE* out = std::fopen(std::getenv("HOLDGATE_FUZZ_PCS"), "w");
  if (out == nullptr) return;
  auto base = reinterpret_cast<std::uintptr_t>(&__executable_start);
  for (auto pc : blocks_seen) {
    if (pc != 0) std::fprintf(out, "0x%lx\n", static_cast<unsigned long>(pc - 1 - base));
  }
  std::fclose(out);
}

void remember(std::uintptr_t pc) {
  std::size_t i = static_cast<std::size_t>((pc * 0x9e3779b97f4a7c15ULL) >> 44) & (table_size - 1);
  for (std::size_t probes = 0; probes < table_size; ++probes, i = (i + 1) & (table_size - 1)) {
    if (blocks_seen[i] == pc) return;
    if (blocks_seen[i] == 0) {
      blocks_seen[i] = pc;
      return;
    }
  }
}
}  // namespace

__attribute__((no_sanitize("address", "undefined"))) void __sanitizer_cov_trace_pc() {
  auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  if (recording != 0) {
    if (recording < 0) {
      recording = std::getenv("HOLDGATE_FUZZ_PCS") != nullptr ? 1 : 0;
      if (recording == 1) std::atexit(write_blocks);
    }
    if (recording == 1) remember(pc);
  }
  std::uintptr_t block = (pc ^ (pc >> 16)) & 0xffff;
  __afl_area_ptr[block ^ previous_block]++;
  previous_block = block >> 1;
}

}  // extern "C"
