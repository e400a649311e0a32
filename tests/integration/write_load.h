// WriteLoad: background writers for the real-process tests. Writer i puts keys "w<i>-<n>" with
// value "v" + key through its own partition-aware client connected to addresses[i], until stop();
// every acknowledged key is kept so the test can read them all back afterwards.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "ringkv/client.h"

namespace ringkv::testing {

class WriteLoad {
 public:
  explicit WriteLoad(const std::vector<std::string>& addresses,
                     client::ClientOptions options = {});
  ~WriteLoad() { stop(); }
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  void stop();
  // Valid after stop().
  std::size_t acknowledged_count() const;
  const std::vector<std::vector<std::string>>& acknowledged() const { return acknowledged_; }
  int failures() const { return failures_.load(); }
  static std::string value_of(const std::string& key) { return "v" + key; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::vector<std::vector<std::string>> acknowledged_;
  std::vector<std::thread> writers_;
};

// Reads every acknowledged key back with r=3 through `address`; returns how many are missing or
// hold anything but their one value.
std::size_t count_missing(const std::string& address, const WriteLoad& load);

}  // namespace ringkv::testing
