// Glob patterns with Redis semantics (Redis's util.c stringmatchlen, used by KEYS, SCAN MATCH,
// CONFIG GET and PSUBSCRIBE), for every front end and the core's key scans:
//   *        any sequence of bytes, the empty one included
//   ?        exactly one byte
//   [abc]    one byte of the set; [^abc] one byte not in it; [a-z] a range (bounds in either
//            order); inside brackets \x is the byte x; a set not closed by ']' runs to the end of
//            the pattern, and a ']' right after '[' (or '[^') closes an empty set, as in Redis
//   \x       the byte x itself (a '\' at the very end of the pattern is a literal '\')
//   anything else matches itself.
// Differences from Redis, none of them reachable from a key scan: ranges compare bytes as
// unsigned values (Redis compares C chars, signed on x86 and unsigned on ARM, so its ranges over
// bytes >= 0x80 differ by platform); "*" also matches the empty text (Redis's matcher does not,
// but KEYS * and SCAN treat "*" as match-all anyway, and ringkv keys are never empty); Redis
// gives up (no match) beyond 1000 nested stars, this matcher does not need to.
//
// The matcher does not backtrack recursively: every token other than '*' consumes exactly one
// byte, so the classic greedy algorithm that remembers only the last star (resuming one byte
// further on a mismatch) finds a match whenever one exists. Its cost is at most
// O(pattern length * text length), never exponential, whatever the pattern.
// Thread-safety: pure functions.
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ringkv {

// True when `pattern` matches the whole of `text`. `nocase`: ASCII letters compare without case
// (CONFIG GET's matching); keys compare exactly.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

// A pattern parsed once, for matching many texts (a scan matches every key it visits).
class GlobPattern {
 public:
  explicit GlobPattern(std::string_view pattern, bool nocase = false);

  bool matches(std::string_view text) const;
  // True when every text matches (the pattern is one or more stars), so a scan can skip matching
  // altogether, as Redis does for "*".
  bool matches_everything() const { return tokens_.size() == 1 && tokens_[0].kind == Kind::kStar; }

 private:
  enum class Kind : std::uint8_t { kStar, kAnyByte, kByte, kSet };
  struct Token {
    Kind kind = Kind::kByte;
    unsigned char byte = 0;  // kByte.
    std::bitset<256> set;    // kSet: the bytes it accepts (negation and case already applied).
  };
  bool token_matches(const Token& token, unsigned char c) const;

  std::vector<Token> tokens_;  // Consecutive stars collapsed into one.
  bool nocase_ = false;
};

}  // namespace ringkv
