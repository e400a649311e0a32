#include "api/resp_keyspace_cache.h"

#include <gtest/gtest.h>

namespace ringkv::api {
namespace {

TEST(RespKeyspaceCache, CountsAtMostOnceARefreshPeriodAndOneAtATime) {
  RespKeyspaceCache cache(5000);
  bool start = false;
  EXPECT_EQ(cache.lookup("default", 1000, start), std::nullopt) << "nothing counted yet";
  EXPECT_TRUE(start);
  EXPECT_EQ(cache.lookup("default", 1001, start), std::nullopt);
  EXPECT_FALSE(start) << "one count at a time";
  EXPECT_EQ(cache.lookup("other", 1002, start), std::nullopt);
  EXPECT_FALSE(start) << "one count at a time, whatever the bucket";
  cache.finished("default", 42);
  EXPECT_FALSE(cache.counting());
  EXPECT_EQ(cache.lookup("default", 3000, start), 42u);
  EXPECT_FALSE(start) << "counted less than 5 s ago";
  EXPECT_EQ(cache.lookup("other", 3001, start), std::nullopt);
  EXPECT_TRUE(start) << "another bucket's turn";
  cache.finished("other", 7);
  EXPECT_EQ(cache.lookup("default", 5999, start), 42u);
  EXPECT_FALSE(start);
  EXPECT_EQ(cache.lookup("default", 6000, start), 42u) << "the old count while a new one runs";
  EXPECT_TRUE(start);
  cache.finished("default", 50);
  EXPECT_EQ(cache.lookup("default", 6001, start), 50u);
  EXPECT_EQ(cache.lookup("other", 6002, start), 7u);
}

TEST(RespKeyspaceCache, AFailedCountKeepsThePreviousOneAndIsRetriedLater) {
  RespKeyspaceCache cache(100);
  bool start = false;
  (void)cache.lookup("default", 0, start);
  cache.finished("default", 9);
  (void)cache.lookup("default", 100, start);
  ASSERT_TRUE(start);
  cache.finished("default", std::nullopt);
  EXPECT_EQ(cache.lookup("default", 150, start), 9u);
  EXPECT_FALSE(start) << "retried once the period is over, not at once";
  EXPECT_EQ(cache.lookup("default", 200, start), 9u);
  EXPECT_TRUE(start);
  cache.finished("default", std::nullopt);
  // A clock that went back (the host's is monotonic, but the cache does not rely on it).
  EXPECT_EQ(cache.lookup("default", 10, start), 9u);
  EXPECT_TRUE(start);
}

}  // namespace
}  // namespace ringkv::api
