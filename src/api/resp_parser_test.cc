#include "api/resp_parser.h"

#include <gtest/gtest.h>

#include "api/resp_encoder.h"

namespace ringkv::api {
namespace {

// Feeds `chunks` in order and collects every request; stops at the first error, returned as
// the last element's message (prefixed "error: ") so tests can compare whole transcripts.
std::vector<RespArgs> parse_all(const std::vector<std::string>& chunks,
                                const RespParserLimits& limits = RespParserLimits()) {
  RespParser parser(limits);
  std::vector<RespArgs> out;
  for (const auto& chunk : chunks) {
    parser.feed(chunk);
    while (true) {
      auto next = parser.next();
      if (!next.is_ok()) {
        out.push_back({"error: " + next.status().message()});
        return out;
      }
      if (!next->has_value()) break;
      out.push_back(std::move(**next));
    }
  }
  return out;
}

std::string parse_error(const std::string& input,
                        const RespParserLimits& limits = RespParserLimits()) {
  const auto parsed = parse_all({input}, limits);
  if (parsed.empty() || parsed.back().size() != 1 || parsed.back()[0].rfind("error: ", 0) != 0) {
    return "(no error)";
  }
  return parsed.back()[0].substr(7);
}

TEST(RespParser, ParsesAnArrayOfBulkStrings) {
  const auto parsed = parse_all({"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"});
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0], (RespArgs{"SET", "k", "hello"}));
}

TEST(RespParser, BulkStringsAreBinarySafe) {
  const std::string value("a\r\nb\0c$*", 8);
  const auto parsed = parse_all({encode_resp_command({"SET", "k", value})});
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0][2], value);
}

TEST(RespParser, ParsesInlineCommandsWithRedisQuoting) {
  const auto parsed =
      parse_all({"PING\r\n", "set k \"a b\\r\\n\\x41\"\n", "  echo 'it\\'s'  \t\r\n"});
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0], (RespArgs{"PING"}));
  EXPECT_EQ(parsed[1], (RespArgs{"set", "k", "a b\r\nA"}));
  EXPECT_EQ(parsed[2], (RespArgs{"echo", "it's"}));
}

TEST(RespParser, BlankLinesAndEmptyArraysAreNoCommand) {
  const auto parsed = parse_all({"\r\n\n  \r\n*0\r\n*-1\r\nPING\r\n"});
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0], (RespArgs{"PING"}));
}

TEST(RespParser, ManyBlankLinesDoNotRecurse) {
  const auto parsed = parse_all({std::string(200000, '\n') + "PING\r\n"});
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0], (RespArgs{"PING"}));
}

// A pipeline mixing both request forms and binary payloads, cut at every byte boundary (and fed
// byte by byte), always yields the same requests: reads may split requests anywhere.
TEST(RespParser, PipelinedRequestsSplitAtEveryByteBoundary) {
  const std::vector<RespArgs> expected = {
      {"SET", "key:1", std::string("v\r\n\0x", 5)},
      {"GET", "key:1"},
      {"PING"},
      {"MGET", "a", "", "c"},
      {"ECHO", "quoted value"},
      {"DEL", std::string(300, 'k')},
  };
  std::string stream;
  stream += encode_resp_command(expected[0]);
  stream += encode_resp_command(expected[1]);
  stream += "PING\r\n";
  stream += encode_resp_command(expected[3]);
  stream += "ECHO \"quoted value\"\r\n";
  stream += encode_resp_command(expected[5]);

  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    EXPECT_EQ(parse_all({stream.substr(0, cut), stream.substr(cut)}), expected) << "cut " << cut;
  }
  std::vector<std::string> bytes;
  for (const char c : stream) bytes.emplace_back(1, c);
  EXPECT_EQ(parse_all(bytes), expected);
}

TEST(RespParser, LargeBulkPayloadIsNotBufferedTwice) {
  RespParser parser;
  parser.feed("*2\r\n$4\r\nECHO\r\n$200000\r\n");
  for (int i = 0; i < 100; ++i) {
    parser.feed(std::string(2000, 'x'));
    auto next = parser.next();
    ASSERT_TRUE(next.is_ok());
    ASSERT_FALSE(next->has_value());
    // Payload moves into the request as it arrives; the read buffer does not grow with it.
    EXPECT_LT(parser.buffered_bytes(), 4096u);
  }
  parser.feed("\r\n");
  auto next = parser.next();
  ASSERT_TRUE(next.is_ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((**next)[1].size(), 200000u);
}

TEST(RespParser, AValueSlightlyOverTheValueLimitStillParses) {
  // The node answers it with TOOLARGE naming value_max_bytes; the connection stays usable.
  const auto limits = RespParserLimits::for_value_max(1000);
  const auto parsed =
      parse_all({encode_resp_command({"SET", "k", std::string(1001 + 1000, 'v')})}, limits);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0][2].size(), 2001u);
}

TEST(RespParser, OversizeBulkIsAProtocolErrorNamingTheLimit) {
  const auto limits = RespParserLimits::for_value_max(1000);
  const std::size_t limit = resp_bulk_bytes_max(1000);
  EXPECT_EQ(
      parse_error("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(limit + 1) + "\r\n", limits),
      "Protocol error: invalid bulk length " + std::to_string(limit + 1) + " (limit is " +
          std::to_string(limit) + " bytes)");
  // Announcing 2^62 bytes is refused before anything is allocated.
  EXPECT_EQ(parse_error("*1\r\n$4611686018427387904\r\n").rfind("Protocol error: invalid bulk", 0),
            0u);
}

TEST(RespParser, TooManyArgumentsIsAProtocolError) {
  EXPECT_EQ(parse_error("*4097\r\n"),
            "Protocol error: invalid multibulk length 4097 (limit is 4096 arguments)");
  RespParserLimits limits;
  limits.args_max = 2;
  EXPECT_EQ(parse_error("a b c\r\n", limits),
            "Protocol error: inline request has more than 2 arguments");
}

TEST(RespParser, CommandBytesAreLimitedAcrossArguments) {
  RespParserLimits limits;
  limits.bulk_bytes_max = 10;
  limits.command_bytes_max = 15;
  EXPECT_EQ(parse_error("*2\r\n$10\r\n0123456789\r\n$6\r\n", limits),
            "Protocol error: command of more than 16 bytes exceeds the limit of 15 bytes");
}

TEST(RespParser, LongLinesAreRefusedWithoutWaitingForTheirEnd) {
  EXPECT_EQ(parse_error(std::string(kRespInlineBytesMax + 2, 'a')),
            "Protocol error: too big inline request");
  EXPECT_EQ(parse_error("*" + std::string(40, '1')), "Protocol error: too big mbulk count string");
  EXPECT_EQ(parse_error("*1\r\n$" + std::string(40, '1')),
            "Protocol error: too big bulk count string");
  // An inline line just under the limit is fine.
  const auto parsed = parse_all({"ECHO " + std::string(kRespInlineBytesMax - 5, 'a') + "\r\n"});
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0][1].size(), kRespInlineBytesMax - 5);
}

TEST(RespParser, MalformedRequestsAreProtocolErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*01\r\n", "Protocol error: invalid multibulk length"},
      {"*1\n", "Protocol error: array header not terminated by CRLF"},
      {"*1\r\nGET\r\n", "Protocol error: expected '$', got 'G'"},
      {"*1\r\n\x01", "Protocol error: expected '$', got '\\x01'"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$1x\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$3\r\nabcXY", "Protocol error: expected CRLF after bulk data, got 'X'"},
      {"SET k \"unterminated\r\n", "Protocol error: unbalanced quotes in request"},
      {"SET k \"a\"b\r\n", "Protocol error: unbalanced quotes in request"},
      {"SET k 'a\r\n", "Protocol error: unbalanced quotes in request"},
  };
  for (const auto& [input, error] : cases) EXPECT_EQ(parse_error(input), error) << input;
}

TEST(RespParser, ErrorsAreStickyAndRequestsBeforeThemSurvive) {
  RespParser parser;
  parser.feed("PING\r\n*1\r\n$x\r\nPING\r\n");
  auto first = parser.next();
  ASSERT_TRUE(first.is_ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((**first)[0], "PING");
  EXPECT_FALSE(parser.next().is_ok());
  parser.feed("PING\r\n");
  EXPECT_FALSE(parser.next().is_ok());
}

TEST(RespParser, IncompleteInputWaitsForMore) {
  for (const std::string input : {"*", "*2\r", "*2\r\n$3\r\nGET\r\n", "*1\r\n$3\r\nGET\r", "PIN"}) {
    const auto parsed = parse_all({input});
    EXPECT_TRUE(parsed.empty()) << input;
  }
}

}  // namespace
}  // namespace ringkv::api
