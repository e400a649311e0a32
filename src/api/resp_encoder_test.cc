#include "api/resp_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ringkv::api {
namespace {

// Writes one of every reply kind, so both protocols can be compared byte for byte.
std::string every_kind(RespProtocol protocol) {
  RespWriter out(protocol);
  out.simple("OK");
  out.error("ERR bad");
  out.integer(-42);
  out.bulk(std::string("a\0b", 3));
  out.bulk("");
  out.null();
  out.null_array();
  out.array(2);
  out.map(2);
  out.set(3);
  out.floating(1.5);
  out.boolean(true);
  out.boolean(false);
  out.big_number("-12345678901234567890");
  out.verbatim("line1\r\nline2");
  return out.take();
}

TEST(RespWriter, Resp2EncodesEveryKindAsRedisDoesForRespTwoClients) {
  EXPECT_EQ(every_kind(RespProtocol::kResp2),
            std::string("+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\0b\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n"
                        "*4\r\n*3\r\n$3\r\n1.5\r\n:1\r\n:0\r\n$21\r\n-12345678901234567890\r\n"
                        "$12\r\nline1\r\nline2\r\n",
                        122));
}

TEST(RespWriter, Resp3UsesItsOwnTypes) {
  EXPECT_EQ(every_kind(RespProtocol::kResp3),
            std::string("+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\0b\r\n$0\r\n\r\n_\r\n_\r\n*2\r\n"
                        "%2\r\n~3\r\n,1.5\r\n#t\r\n#f\r\n(-12345678901234567890\r\n"
                        "=16\r\ntxt:line1\r\nline2\r\n",
                        115));
}

TEST(RespWriter, AMapOfNilValuesReadsTheSameInBothProtocols) {
  // What a planner writes once; a RESP2 client sees a flat array, a RESP3 client a map.
  for (const RespProtocol protocol : {RespProtocol::kResp2, RespProtocol::kResp3}) {
    RespWriter out(protocol);
    out.map(1);
    out.bulk("k");
    out.null();
    EXPECT_EQ(out.take(), protocol == RespProtocol::kResp2 ? "*2\r\n$1\r\nk\r\n$-1\r\n"
                                                           : "%1\r\n$1\r\nk\r\n_\r\n");
  }
}

TEST(RespWriter, DoublesAreTheShortestTextThatReadsBack) {
  EXPECT_EQ(resp_double_text(0.1), "0.1");
  EXPECT_EQ(resp_double_text(3.0), "3");
  EXPECT_EQ(resp_double_text(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(resp_double_text(1e100), "1e+100");
  EXPECT_EQ(resp_double_text(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(resp_double_text(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(resp_double_text(std::nan("")), "nan");
  const double awkward = 0.1 + 0.2;
  EXPECT_EQ(std::stod(resp_double_text(awkward)), awkward);
  RespWriter resp2(RespProtocol::kResp2);
  resp2.floating(0.1 + 0.2);
  EXPECT_EQ(resp2.take(), "$19\r\n0.30000000000000004\r\n");
  RespWriter resp3(RespProtocol::kResp3);
  resp3.floating(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(resp3.take(), ",-inf\r\n");
}

TEST(RespWriter, LineRepliesCannotBreakTheFraming) {
  RespWriter out(RespProtocol::kResp3);
  out.error("ERR a\r\nb");
  out.simple("x\ny");
  out.big_number("1\r\n2");
  EXPECT_EQ(out.take(), "-ERR a  b\r\n+x y\r\n(1  2\r\n");
  RespWriter verbatim(RespProtocol::kResp3);
  verbatim.verbatim("t", "markdown");  // A format is three bytes, whatever the caller passes.
  EXPECT_EQ(verbatim.take(), "=5\r\nmar:t\r\n");
}

TEST(RespWriter, RawRepliesAreAppendedAsTheyAre) {
  RespWriter out(RespProtocol::kResp2);
  out.array(2);
  out.raw("+OK\r\n");
  out.raw(":1\r\n");
  EXPECT_EQ(out.buffer(), "*2\r\n+OK\r\n:1\r\n");
  EXPECT_EQ(out.protocol(), RespProtocol::kResp2);
  EXPECT_FALSE(out.resp3());
}

TEST(RespEncoder, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(encode_resp_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

}  // namespace
}  // namespace ringkv::api
