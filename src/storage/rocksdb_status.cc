#include "storage/rocksdb_status.h"

#include <cassert>
#include <string>

namespace ringkv::storage {

namespace {
bool is_space_limit(const rocksdb::Status& status) {
  return status.IsIOError() && status.subcode() == rocksdb::Status::kSpaceLimit;
}
}  // namespace

bool is_disk_full(const rocksdb::Status& status) {
  return status.IsNoSpace() || is_space_limit(status);
}

Status from_rocksdb_status(const rocksdb::Status& status, std::string_view operation,
                           std::string_view data_dir) {
  assert(!status.ok());
  const std::string detail = "rocksdb " + std::string(operation) + ": " + status.ToString();
  if (is_disk_full(status)) {
    return Status::io_error(std::string(is_space_limit(status) ? "disk full: space limit reached"
                                                              : "disk full: no space left on device") +
                            " in " + std::string(data_dir) + " (" + detail + ")");
  }
  std::string message = "rocksdb " + std::string(operation) + " at " + std::string(data_dir) +
                        " failed: " + status.ToString();
  if (status.IsCorruption()) return Status::corruption(std::move(message));
  if (status.IsShutdownInProgress()) return Status::unavailable(std::move(message));
  return Status::io_error(std::move(message));
}

}  // namespace ringkv::storage
