// The persistent-mode macros afl-g++-fast defines (AFL++ 4.04c), for the trace-pc build, which is
// compiled by plain g++ (afl_trace_pc.cpp). The functions they call are in afl-compiler-rt.o.
#pragma once

#include <unistd.h>

#define __AFL_FUZZ_INIT()                                      \
  int __afl_sharedmem_fuzzing = 1;                             \
  extern unsigned int* __afl_fuzz_len;                         \
  extern unsigned char* __afl_fuzz_ptr;                        \
  unsigned char __afl_fuzz_alt[1048576];                       \
  unsigned char* __afl_fuzz_alt_ptr = __afl_fuzz_alt

#define __AFL_FUZZ_TESTCASE_BUF (__afl_fuzz_ptr ? __afl_fuzz_ptr : __afl_fuzz_alt_ptr)
#define __AFL_FUZZ_TESTCASE_LEN                                                          \
  (__afl_fuzz_ptr ? *__afl_fuzz_len                                                      \
                  : (*__afl_fuzz_len = read(0, __afl_fuzz_alt_ptr, 1048576)) == 0xffffffff \
                        ? 0                                                              \
                        : *__afl_fuzz_len)

// The signature strings tell afl-fuzz which mode the binary wants.
#define __AFL_LOOP(_A)                                                                  \
  ({                                                                                    \
    static volatile const char* _B __attribute__((used, unused));                       \
    _B = "##SIG_AFL_PERSISTENT##";                                                      \
    __attribute__((visibility("default"))) int _L(unsigned int) __asm__("__afl_persistent_loop"); \
    _L(_A);                                                                             \
  })

#define __AFL_INIT()                                                                    \
  do {                                                                                  \
    static volatile const char* _A __attribute__((used, unused));                       \
    _A = "##SIG_AFL_DEFER_FORKSRV##";                                                   \
    __attribute__((visibility("default"))) void _I(void) __asm__("__afl_manual_init");  \
    _I();                                                                               \
  } while (0)
