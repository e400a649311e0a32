// TestTmpfs: a small tmpfs mounted on a fresh directory for one test, so the test can fill a file
// system up (a full disk) without touching a real one; unmounted and removed when the object goes
// away. Mounting needs root (CAP_SYS_ADMIN): when it is refused, mounted() is false and error()
// says why, for the test to skip. Filler files take the space away and give it back.
// For tests only; not part of any library.
// Thread-safety: none.
#pragma once

#include <sys/mount.h>

#include <cerrno>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "storage/test_temp_dir.h"

namespace ringkv::storage {

class TestTmpfs {
 public:
  explicit TestTmpfs(std::uint64_t size_bytes, const std::string& prefix = "ringkv-tmpfs")
      : dir_(prefix) {
    const std::string options = "size=" + std::to_string(size_bytes) + ",mode=0755";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) ==
        0) {
      mounted_ = true;
    } else {
      error_ = "cannot mount a tmpfs on " + dir_.path() + " (needs root or CAP_SYS_ADMIN): " +
               std::strerror(errno);
    }
  }
  ~TestTmpfs() {
    // Lazily, so a process still holding files there (a server that outlived its test) cannot
    // keep the mount.
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  TestTmpfs(const TestTmpfs&) = delete;
  TestTmpfs& operator=(const TestTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

  // Writes `bytes` of filler to `name` (relative to the mount); returns the bytes written, fewer
  // when the file system filled up first.
  std::uint64_t fill(const std::string& name, std::uint64_t bytes) const {
    std::ofstream out(path() + "/" + name, std::ios::binary | std::ios::trunc);
    const std::string chunk(64 * 1024, 'f');
    std::uint64_t written = 0;
    while (written < bytes && out) {
      const std::uint64_t n = std::min<std::uint64_t>(chunk.size(), bytes - written);
      out.write(chunk.data(), static_cast<std::streamsize>(n));
      out.flush();
      if (out) written += n;
    }
    return written;
  }
  void remove(const std::string& name) const { std::remove((path() + "/" + name).c_str()); }

 private:
  TestTempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace ringkv::storage
