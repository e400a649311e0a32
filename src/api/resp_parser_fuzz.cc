// libFuzzer target for RespParser (built with clang by scripts/fuzz.sh; links ringkv_resp only).
// Feeds the input in two chunks split at a point the input chooses, so the fuzzer also explores
// requests cut across reads, and checks properties every client relies on: a parsed request is
// never empty and respects the argument and size limits, and errors are sticky protocol errors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/resp_parser.h"

namespace {

// Small limits so the fuzzer reaches every limit check with short inputs.
ringkv::api::RespParserLimits fuzz_limits() {
  ringkv::api::RespParserLimits limits;
  limits.args_max = 8;
  limits.bulk_bytes_max = 64;
  limits.command_bytes_max = 256;
  limits.inline_bytes_max = 128;
  return limits;
}

void check(bool condition) {
  if (!condition) std::abort();
}

// Drains every complete request; false once the parser reported an error.
bool drain(ringkv::api::RespParser& parser, const ringkv::api::RespParserLimits& limits) {
  while (true) {
    auto next = parser.next();
    if (!next.is_ok()) {
      check(next.status().message().rfind("Protocol error: ", 0) == 0);
      check(!parser.next().is_ok());  // Errors are sticky.
      return false;
    }
    if (!next->has_value()) return true;
    const auto& args = **next;
    check(!args.empty());
    check(args.size() <= limits.args_max);
    std::size_t bytes = 0;
    for (const auto& arg : args) bytes += arg.size();
    check(bytes <= std::max(limits.command_bytes_max, limits.inline_bytes_max));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto limits = fuzz_limits();
  const std::size_t split = data[0] % size;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = std::min(split, input.size());
  ringkv::api::RespParser parser(limits);
  parser.feed(input.substr(0, cut));
  if (!drain(parser, limits)) return 0;
  parser.feed(input.substr(cut));
  drain(parser, limits);
  return 0;
}
