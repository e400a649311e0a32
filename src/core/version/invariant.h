// RINGKV_INVARIANT: an assertion for our own mistakes in the version code, on in every build type
// (STYLE.md habit 4, after TigerBeetle's TIGER_STYLE). `assert` would vanish under NDEBUG, and a
// broken causal invariant that is silently persisted loses or resurrects data; crashing is safer.
// The pure core may not print (no <cstdio>), so the failed condition, file and line are passed to a
// [[noreturn]] function where a debugger or core dump shows them.
#pragma once

#include <cstdlib>

namespace ringkv::core::detail {

[[noreturn]] inline void invariant_failed(const char* /*condition*/, const char* /*file*/,
                                          int /*line*/) {
  std::abort();
}

}  // namespace ringkv::core::detail

#define RINGKV_INVARIANT(condition)                                             \
  do {                                                                          \
    if (!(condition)) {                                                         \
      ::ringkv::core::detail::invariant_failed(#condition, __FILE__, __LINE__); \
    }                                                                           \
  } while (0)
