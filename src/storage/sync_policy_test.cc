#include <gtest/gtest.h>

#include "storage/engine.h"

namespace ringkv::storage {
namespace {

TEST(SyncPolicy, NamesRoundTripThroughParse) {
  for (SyncPolicy policy : {SyncPolicy::kAlways, SyncPolicy::kBatch, SyncPolicy::kNone}) {
    auto parsed = parse_sync_policy(sync_policy_name(policy));
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    EXPECT_EQ(*parsed, policy);
  }
  EXPECT_STREQ(sync_policy_name(SyncPolicy::kAlways), "always");
  EXPECT_STREQ(sync_policy_name(SyncPolicy::kBatch), "batch");
  EXPECT_STREQ(sync_policy_name(SyncPolicy::kNone), "none");
}

TEST(SyncPolicy, UnknownNameIsRejectedWithTheAcceptedValues) {
  for (const char* name : {"", "Always", "fsync", "batch "}) {
    auto parsed = parse_sync_policy(name);
    ASSERT_FALSE(parsed.is_ok()) << name;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = parsed.status().message();
    EXPECT_NE(message.find("always"), std::string::npos) << message;
    EXPECT_NE(message.find("batch"), std::string::npos) << message;
    EXPECT_NE(message.find("none"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace ringkv::storage
