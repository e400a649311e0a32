// How RocksDB's errors become ringkv Statuses. The codes are the ones the simulator's SimDisk uses
// for the same failure, so the core meets a real disk exactly as it meets the simulated one:
//   - out of space (ENOSPC, or an SstFileManager space limit): kIoError, "disk full: no space
//     left on device in DATA_DIR (...)";
//   - any other I/O failure: kIoError;
//   - bytes that do not decode: kCorruption;
//   - the database closing: kUnavailable.
// Every message names the data directory, so the operator (and a client whose write failed) can
// tell which disk to look at.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "common/status.h"

namespace ringkv::storage {

// True for the errors that mean the disk (or the space allowed to RocksDB) is full.
bool is_disk_full(const rocksdb::Status& status);

// `operation` names what failed ("write", "get", "sync wal"), `data_dir` where. `status` must not
// be ok.
Status from_rocksdb_status(const rocksdb::Status& status, std::string_view operation,
                           std::string_view data_dir);

}  // namespace ringkv::storage
