// libFuzzer target for glob patterns (common/glob.h), which come from clients (SCAN MATCH, KEYS,
// CONFIG GET). The input is split at its first NUL into a pattern and a text. Properties: nothing
// crashes, reads out of bounds or takes long, whatever the pattern; a pattern that matches a
// text still matches it with a '*' in front (and, without sets or escapes, behind); the text
// with every byte escaped is a pattern that matches exactly the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/glob.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ringkv::glob_match;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view pattern = input.substr(0, split);
  const std::string_view text =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  for (bool nocase : {false, true}) {
    if (glob_match(pattern, text, nocase)) {
      check(glob_match("*" + std::string(pattern), text, nocase));
      // Appended, a star would be escaped by a trailing '\' or join an unclosed set.
      if (pattern.find_first_of("[\\") == std::string_view::npos) {
        check(glob_match(std::string(pattern) + "*", text, nocase));
      }
    }
  }
  std::string escaped;
  for (char c : text) {
    escaped.push_back('\\');
    escaped.push_back(c);
  }
  check(glob_match(escaped, text));
  check(text.empty() || !glob_match(escaped, text.substr(1)));
  return 0;
}
