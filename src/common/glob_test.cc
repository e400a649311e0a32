#include "common/glob.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace ringkv {
namespace {

using namespace std::string_literals;

TEST(Glob, StarQuestionMarkAndLiterals) {
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("user:*", "user:1"));
  EXPECT_TRUE(glob_match("user:*", "user:"));
  EXPECT_FALSE(glob_match("user:*", "users:1"));
  EXPECT_TRUE(glob_match("h?llo", "hello"));
  EXPECT_TRUE(glob_match("h?llo", "hallo"));
  EXPECT_FALSE(glob_match("h?llo", "hllo"));
  EXPECT_TRUE(glob_match("h*llo", "hllo"));
  EXPECT_TRUE(glob_match("h*llo", "heeeello"));
  EXPECT_TRUE(glob_match("*a*b*c*", "xxaxxbxxcxx"));
  EXPECT_FALSE(glob_match("*a*b*c*", "xxcxxbxxaxx"));
  EXPECT_TRUE(glob_match("a**b", "ab"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
  EXPECT_FALSE(glob_match("abcd", "abc"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("?", ""));
}

TEST(Glob, SetsRangesAndNegation) {
  // The examples of the Redis KEYS documentation.
  EXPECT_TRUE(glob_match("h[ae]llo", "hello"));
  EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[ae]llo", "hillo"));
  EXPECT_TRUE(glob_match("h[^e]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob_match("h[a-b]llo", "hallo"));
  EXPECT_TRUE(glob_match("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(glob_match("h[a-b]llo", "hcllo"));
  // Bounds in either order.
  EXPECT_TRUE(glob_match("[z-a]", "m"));
  // A set matches exactly one byte.
  EXPECT_FALSE(glob_match("[abc]", ""));
  EXPECT_FALSE(glob_match("[abc]", "ab"));
  // Several items, a range among them.
  EXPECT_TRUE(glob_match("[x0-9y]", "5"));
  EXPECT_TRUE(glob_match("[x0-9y]", "y"));
  EXPECT_FALSE(glob_match("[x0-9y]", "z"));
  EXPECT_TRUE(glob_match("[^0-9]*", "key9"));
  EXPECT_FALSE(glob_match("[^0-9]*", "9key"));
}

TEST(Glob, EscapesMatchTheByteItself) {
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "axb"));
  EXPECT_TRUE(glob_match("\\?", "?"));
  EXPECT_FALSE(glob_match("\\?", "x"));
  EXPECT_TRUE(glob_match("\\[x]", "[x]"));
  EXPECT_TRUE(glob_match("[\\]]", "]"));
  EXPECT_TRUE(glob_match("[\\^a]", "^"));
  EXPECT_TRUE(glob_match("[\\-]", "-"));
  // A '\' at the very end is a literal '\'.
  EXPECT_TRUE(glob_match("a\\", "a\\"));
  EXPECT_FALSE(glob_match("a\\", "a"));
  EXPECT_TRUE(glob_match("\\\\", "\\"));
}

TEST(Glob, MalformedSetsParseAsRedisParsesThem) {
  // "[]" closes an empty set: it matches nothing, and what follows is literal.
  EXPECT_FALSE(glob_match("[]", "]"));
  EXPECT_FALSE(glob_match("[]a]", "a]"));
  EXPECT_FALSE(glob_match("[]a]", "]"));
  // "[^]" is the negation of the empty set: any one byte.
  EXPECT_TRUE(glob_match("[^]", "x"));
  // A set not closed runs to the end of the pattern.
  EXPECT_TRUE(glob_match("[abc", "b"));
  EXPECT_FALSE(glob_match("[abc", "bc"));
  EXPECT_FALSE(glob_match("x[", "x"));
  // "[a-]" is a range from ']' to 'a' whose set is never closed: ']' is its upper bound.
  EXPECT_TRUE(glob_match("[a-]", "]"));
  EXPECT_TRUE(glob_match("[a-]", "_"));
  EXPECT_FALSE(glob_match("[a-]", "b"));
  EXPECT_FALSE(glob_match("[a-]x", "]x"));  // 'x' belongs to the unclosed set.
  EXPECT_TRUE(glob_match("[a-]x", "x"));
  // "[-a]": '-' is literal when no range follows.
  EXPECT_TRUE(glob_match("[-a]", "-"));
  EXPECT_TRUE(glob_match("[-a]", "a"));
  EXPECT_FALSE(glob_match("[-a]", "b"));
}

TEST(Glob, BytesAreUnsignedAndNeverSpecialExceptTheSyntax) {
  EXPECT_TRUE(glob_match("\xff*", "\xff\x00\x01"s));
  EXPECT_TRUE(glob_match("[\x80-\xff]", "\x90"));
  EXPECT_FALSE(glob_match("[\x80-\xff]", "a"));
  EXPECT_TRUE(glob_match("a?c"s, "a\0c"s));
  EXPECT_TRUE(glob_match("a\0*"s, "a\0bc"s));
  EXPECT_FALSE(glob_match("a\0*"s, "abc"s));
}

TEST(Glob, NocaseFoldsLettersButNotEscapesInsideSets) {
  EXPECT_TRUE(glob_match("MaxMemory*", "maxmemory-policy", /*nocase=*/true));
  EXPECT_FALSE(glob_match("MaxMemory*", "maxmemory-policy"));
  EXPECT_TRUE(glob_match("[A-C]", "b", true));
  EXPECT_TRUE(glob_match("[^A-C]", "d", true));
  EXPECT_FALSE(glob_match("[^A-C]", "b", true));
  EXPECT_TRUE(glob_match("\\A", "a", true));     // Outside a set an escape is folded too.
  EXPECT_FALSE(glob_match("[\\A]", "a", true));  // Inside a set it compares exactly.
}

TEST(Glob, MatchesEverythingOnlyForStars) {
  EXPECT_TRUE(GlobPattern("*").matches_everything());
  EXPECT_TRUE(GlobPattern("***").matches_everything());
  EXPECT_FALSE(GlobPattern("").matches_everything());
  EXPECT_FALSE(GlobPattern("*a").matches_everything());
  EXPECT_FALSE(GlobPattern("\\*").matches_everything());
}

TEST(Glob, PathologicalPatternsStayFast) {
  // Redis before 7.0.9 took exponential time on patterns like this one (CVE-2022-36021).
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  const std::string text(20000, 'a');
  EXPECT_FALSE(glob_match(pattern, text));
}

// A plain recursive matcher over the same tokens' meaning (no star memory), to check the greedy
// algorithm against on random patterns and texts from a small alphabet.
bool reference_match(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') {
    for (std::size_t skip = 0; skip <= t.size(); ++skip) {
      if (reference_match(p.substr(1), t.substr(skip))) return true;
    }
    return false;
  }
  if (t.empty()) return false;
  if (p[0] == '?') return reference_match(p.substr(1), t.substr(1));
  if (p[0] == '\\' && p.size() >= 2) {
    return p[1] == t[0] && reference_match(p.substr(2), t.substr(1));
  }
  return p[0] == t[0] && reference_match(p.substr(1), t.substr(1));
}

TEST(Glob, AgreesWithABacktrackingMatcherWithoutSets) {
  std::uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 33);
  };
  const std::string pattern_alphabet = "ab*?\\";
  const std::string text_alphabet = "ab*?\\";
  int matches = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string pattern, text;
    for (std::uint32_t i = next() % 8; i > 0; --i) pattern += pattern_alphabet[next() % 5];
    for (std::uint32_t i = next() % 8; i > 0; --i) text += text_alphabet[next() % 5];
    const bool expected = reference_match(pattern, text);
    matches += expected;
    ASSERT_EQ(glob_match(pattern, text), expected)
        << "pattern '" << pattern << "' text '" << text << "'";
  }
  EXPECT_GT(matches, 1000);
}

}  // namespace
}  // namespace ringkv
