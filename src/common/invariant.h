// RINGKV_INVARIANT: an assertion for our own mistakes, on in every build type (TigerBeetle's
// TIGER_STYLE keeps assertions on in production). `assert` vanishes under NDEBUG, and a broken
// invariant that is silently acted on (a causal history persisted wrong, a quorum met by the same
// replica twice) loses or resurrects data: crashing is safer. Use it for what must never happen
// whatever the world does; errors the world can cause (I/O, peers, clients) are Status values.
//
// The failed condition, file and line go to stderr before the process aborts (common/ is outside
// the pure core, so it may print; the core only evaluates the condition).
// Thread-safety: safe from any thread.
#pragma once

namespace ringkv::detail {

[[noreturn]] void invariant_failed(const char* condition, const char* file, int line);

}  // namespace ringkv::detail

#define RINGKV_INVARIANT(condition)                                        \
  do {                                                                     \
    if (!(condition)) [[unlikely]] {                                       \
      ::ringkv::detail::invariant_failed(#condition, __FILE__, __LINE__);  \
    }                                                                      \
  } while (0)
