// Set and hash planners (resp_collection_commands.cc) against the FakeStore, which applies
// updates with the core's data types.
#include <gtest/gtest.h>

#include <string>

#include "api/resp_commands_test_support.h"

namespace ringkv::api {
namespace {

using namespace resp_testing;  // NOLINT(google-build-using-namespace)

TEST(RespSets, AnswerInBothProtocols) {
  Connection c;
  EXPECT_EQ(c({"SADD", "s", "b", "a", "b"}), ":2\r\n");
  EXPECT_EQ(c({"SADD", "s", "a", "c"}), ":1\r\n");
  EXPECT_EQ(c({"SMEMBERS", "s"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(c({"SISMEMBER", "s", "a"}), ":1\r\n");
  EXPECT_EQ(c({"SMISMEMBER", "s", "a", "z"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(c({"SREM", "s", "a", "z"}), ":1\r\n");
  EXPECT_EQ(c({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(c({"TYPE", "s"}), "+set\r\n");
  EXPECT_EQ(c({"GET", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  ASSERT_EQ(c({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c({"SMEMBERS", "s"}), "~2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(c({"SMEMBERS", "missing"}), "~0\r\n");
}

TEST(RespHashes, AnswerInBothProtocols) {
  Connection c;
  EXPECT_EQ(c({"HSET", "h", "f", "1", "g", "x"}), ":2\r\n");
  EXPECT_EQ(c({"HSET", "h", "f"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(c({"HINCRBY", "h", "f", "4"}), ":5\r\n");
  EXPECT_EQ(c({"HINCRBY", "h", "g", "4"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(c({"HINCRBYFLOAT", "h", "n", "1.5"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(c({"HSETNX", "h", "f", "9"}), ":0\r\n");
  EXPECT_EQ(c({"HGET", "h", "f"}), "$1\r\n5\r\n");
  EXPECT_EQ(c({"HMGET", "h", "g", "zz"}), "*2\r\n$1\r\nx\r\n$-1\r\n");
  EXPECT_EQ(c({"HLEN", "h"}), ":3\r\n");
  EXPECT_EQ(c({"HEXISTS", "h", "n"}), ":1\r\n");
  EXPECT_EQ(c({"HSTRLEN", "h", "n"}), ":3\r\n");
  EXPECT_EQ(c({"HKEYS", "h"}), "*3\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\nn\r\n");
  EXPECT_EQ(c({"HDEL", "h", "n", "zz"}), ":1\r\n");
  EXPECT_EQ(c({"HGETALL", "h"}), "*4\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\nx\r\n");
  EXPECT_EQ(c({"HMSET", "h", "g", "y"}), "+OK\r\n");
  ASSERT_EQ(c({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c({"HGETALL", "h"}), "%2\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\ny\r\n");
  EXPECT_EQ(c({"HGET", "h", "zz"}), "_\r\n");
  EXPECT_EQ(c({"INCR", "h"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(RespSets, SscanAnswersEveryMatchingMemberAtOnce) {
  Connection c;
  EXPECT_EQ(c({"SADD", "s", "apple", "avocado", "banana"}), ":3\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0"}),
            "*2\r\n$1\r\n0\r\n*3\r\n$5\r\napple\r\n$7\r\navocado\r\n$6\r\nbanana\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0", "MATCH", "a*", "COUNT", "1"}),
            "*2\r\n$1\r\n0\r\n*2\r\n$5\r\napple\r\n$7\r\navocado\r\n");
  // A cursor this node never gave continues a finished scan.
  EXPECT_EQ(c({"SSCAN", "s", "17"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(c({"SSCAN", "missing", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "-1"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0", "COUNT", "many"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SSCAN", "s", "0", "NOVALUES"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SSCAN", "s"}), "-ERR wrong number of arguments for 'sscan' command\r\n");
  EXPECT_EQ(c({"HSET", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(c({"SSCAN", "h", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(RespHashes, HscanAnswersFieldsAndValuesOrFieldsOnly) {
  Connection c;
  EXPECT_EQ(c({"HSET", "h", "f1", "a", "f2", "b", "g", "c"}), ":3\r\n");
  EXPECT_EQ(c({"HSCAN", "h", "0", "MATCH", "f*"}),
            "*2\r\n$1\r\n0\r\n*4\r\n$2\r\nf1\r\n$1\r\na\r\n$2\r\nf2\r\n$1\r\nb\r\n");
  EXPECT_EQ(c({"HSCAN", "h", "0", "NOVALUES", "COUNT", "10"}),
            "*2\r\n$1\r\n0\r\n*3\r\n$2\r\nf1\r\n$2\r\nf2\r\n$1\r\ng\r\n");
  // RESP3 answers the same array (Redis does not use a map here).
  ASSERT_EQ(c({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c({"HSCAN", "h", "0", "MATCH", "g"}), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\ng\r\n$1\r\nc\r\n");
  EXPECT_EQ(c({"HSCAN", "h", "0", "COUNT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SADD", "s", "m"}), ":1\r\n");
  EXPECT_EQ(c({"HSCAN", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

}  // namespace
}  // namespace ringkv::api
