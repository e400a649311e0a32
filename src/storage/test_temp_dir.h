// TestTempDir: a fresh directory under the system temp dir for one test, removed with everything
// in it when the object goes away. For tests and benchmarks only; not part of any library.
// Thread-safety: a plain value; path() may be read from any thread.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace ringkv::storage {

class TestTempDir {
 public:
  explicit TestTempDir(const std::string& prefix = "ringkv-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    path_ = buffer.data();
  }
  ~TestTempDir() {
    std::error_code ignored;  // Best effort: a leftover temp dir must not fail a test.
    std::filesystem::remove_all(path_, ignored);
  }
  TestTempDir(const TestTempDir&) = delete;
  TestTempDir& operator=(const TestTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ringkv::storage
