#include "api/resp_encoder.h"

#include <gtest/gtest.h>

namespace ringkv::api {
namespace {

TEST(RespEncoder, EncodesEveryReplyType) {
  std::string out;
  append_resp_simple_string(out, "OK");
  append_resp_error(out, "ERR bad");
  append_resp_integer(out, -42);
  append_resp_bulk_string(out, std::string("a\0b", 3));
  append_resp_bulk_string(out, "");
  append_resp_null_bulk_string(out);
  append_resp_array_header(out, 2);
  append_resp_null_array(out);
  EXPECT_EQ(
      out,
      std::string("+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\0b\r\n$0\r\n\r\n$-1\r\n*2\r\n*-1\r\n", 50));
}

TEST(RespEncoder, LineRepliesCannotBreakTheFraming) {
  std::string out;
  append_resp_error(out, "ERR a\r\nb");
  append_resp_simple_string(out, "x\ny");
  EXPECT_EQ(out, "-ERR a  b\r\n+x y\r\n");
}

TEST(RespEncoder, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(encode_resp_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

}  // namespace
}  // namespace ringkv::api
