#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "storage/engine.h"
#include "storage/rocksdb_engine.h"
#include "storage/test_temp_dir.h"

namespace ringkv::storage {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(OpenEngine, OpensMemoryWithoutADataDir) {
  EngineOptions options;
  options.engine = "memory";
  auto engine = open_engine(options);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_STREQ((*engine)->name(), "memory");
}

TEST(OpenEngine, UnknownEngineNamesTheSettingAndAcceptedValues) {
  EngineOptions options;
  options.engine = "leveldb";
  auto engine = open_engine(options);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = engine.status().message();
  EXPECT_TRUE(contains(message, "engine")) << message;
  EXPECT_TRUE(contains(message, "leveldb")) << message;
  EXPECT_TRUE(contains(message, "memory")) << message;
  EXPECT_TRUE(contains(message, "rocksdb")) << message;
}

TEST(OpenEngine, RocksDbRequiresADataDir) {
  EngineOptions options;
  options.engine = "rocksdb";
  auto engine = open_engine(options);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(engine.status().message(), "data_dir")) << engine.status().message();
}

TEST(OpenEngine, RocksDbCreatesAMissingDataDir) {
  TestTempDir dir("ringkv-open");
  EngineOptions options;
  options.engine = "rocksdb";
  options.data_dir = dir.path() + "/a/b/c";
  auto engine = open_engine(options);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_STREQ((*engine)->name(), "rocksdb");
  EXPECT_EQ((*engine)->sync_policy(), SyncPolicy::kBatch);
}

TEST(OpenEngine, DataDirThatIsAFileIsAnErrorNamingThePath) {
  TestTempDir dir("ringkv-open");
  const std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  EngineOptions options;
  options.engine = "rocksdb";
  options.data_dir = file;
  auto engine = open_engine(options);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_TRUE(contains(engine.status().message(), file)) << engine.status().message();
}

TEST(OpenEngine, SecondOpenOfTheSameRocksDbFailsNamingThePath) {
  TestTempDir dir("ringkv-open");
  EngineOptions options;
  options.engine = "rocksdb";
  options.data_dir = dir.path();
  auto first = open_engine(options);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = open_engine(options);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(second.status().message(), "cannot open rocksdb at " + dir.path()))
      << second.status().message();
}

TEST(OpenEngine, GroupCommitWindowAboveItsLimitNamesTheSetting) {
  TestTempDir dir("ringkv-open");
  EngineOptions options;
  options.engine = "rocksdb";
  options.data_dir = dir.path();
  options.group_commit_window_us = kGroupCommitWindowUsMax + 1;
  auto engine = open_engine(options);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(engine.status().message(), "group_commit_window_us"))
      << engine.status().message();
}

}  // namespace
}  // namespace ringkv::storage
