#include "common/invariant.h"

#include <cstdio>
#include <cstdlib>

namespace ringkv::detail {

void invariant_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "ringkv: invariant failed at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace ringkv::detail
