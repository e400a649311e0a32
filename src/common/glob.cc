#include "common/glob.h"

#include <utility>

namespace ringkv {
namespace {

unsigned char fold(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

}  // namespace

GlobPattern::GlobPattern(std::string_view pattern, bool nocase) : nocase_(nocase) {
  const std::size_t n = pattern.size();
  auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(pattern[i]); };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = byte_at(i);
    Token token;
    if (c == '*') {
      ++i;
      if (!tokens_.empty() && tokens_.back().kind == Kind::kStar) continue;
      token.kind = Kind::kStar;
    } else if (c == '?') {
      ++i;
      token.kind = Kind::kAnyByte;
    } else if (c == '[') {
      // The set's syntax follows Redis's loop exactly, in the same order of checks.
      ++i;
      const bool negate = i < n && pattern[i] == '^';
      if (negate) ++i;
      token.kind = Kind::kSet;
      while (true) {
        if (i < n && pattern[i] == '\\' && n - i >= 2) {
          token.set.set(byte_at(i + 1));  // An escaped byte compares exactly, even with nocase.
          i += 2;
        } else if (i < n && pattern[i] == ']') {
          ++i;
          break;
        } else if (i >= n) {
          break;  // Not closed: the set runs to the end of the pattern.
        } else if (n - i >= 3 && pattern[i + 1] == '-') {
          unsigned char start = byte_at(i);
          unsigned char end = byte_at(i + 2);
          if (start > end) std::swap(start, end);
          // Redis folds the bounds after ordering them, and the byte before comparing.
          if (nocase_) {
            start = fold(start);
            end = fold(end);
          }
          for (int b = 0; b < 256; ++b) {
            const unsigned char probe =
                nocase_ ? fold(static_cast<unsigned char>(b)) : static_cast<unsigned char>(b);
            if (probe >= start && probe <= end) token.set.set(b);
          }
          i += 3;
        } else {
          for (int b = 0; b < 256; ++b) {
            const bool same =
                nocase_ ? fold(static_cast<unsigned char>(b)) == fold(byte_at(i)) : b == byte_at(i);
            if (same) token.set.set(b);
          }
          ++i;
        }
      }
      if (negate) token.set.flip();
    } else {
      if (c == '\\' && n - i >= 2) ++i;  // \x is x; a final '\' is itself.
      token.kind = Kind::kByte;
      token.byte = byte_at(i);
      ++i;
    }
    tokens_.push_back(token);
  }
}

bool GlobPattern::token_matches(const Token& token, unsigned char c) const {
  switch (token.kind) {
    case Kind::kAnyByte:
      return true;
    case Kind::kByte:
      return nocase_ ? fold(token.byte) == fold(c) : token.byte == c;
    case Kind::kSet:
      return token.set.test(c);
    case Kind::kStar:
      return false;
  }
  return false;
}

bool GlobPattern::matches(std::string_view text) const {
  // Greedy matching that remembers the last star only (see glob.h).
  const std::size_t count = tokens_.size();
  std::size_t k = 0;
  std::size_t t = 0;
  std::size_t star = count;  // None yet.
  std::size_t star_text = 0;
  while (t < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[t]);
    if (k < count && tokens_[k].kind == Kind::kStar) {
      star = k++;
      star_text = t;
    } else if (k < count && token_matches(tokens_[k], c)) {
      ++k;
      ++t;
    } else if (star != count) {
      k = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (k < count && tokens_[k].kind == Kind::kStar) ++k;
  return k == count;
}

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  return GlobPattern(pattern, nocase).matches(text);
}

}  // namespace ringkv
