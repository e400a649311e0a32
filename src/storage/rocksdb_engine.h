// The RocksDB engine: the default, durable Engine. Each namespace is a
// column family ("data", "hints", "meta"; "default" exists because RocksDB requires it and stays
// empty), so one rocksdb::WriteBatch spans namespaces atomically and a partition scan never walks
// over hints or metadata. RocksDB types stay inside rocksdb_engine.cc; callers see an Engine.
//
// Sync policies: kAlways writes with WriteOptions::sync and acknowledges inline; kNone writes
// without sync and acknowledges at once; kBatch writes without sync (visible at once) and hands the
// callback to a GroupCommitter whose single WAL sync covers every write waiting for it.
//
// A full disk (rocksdb_status.h maps the errors): RocksDB stops taking writes after a failed one,
// so every write fails with "disk full: no space left on device in DATA_DIR (...)" while reads go
// on. A recovery thread resumes the database (DB::Resume, which flushes the memtables) once the
// file system has room again; the engine logs when writes stop and when they resume. RocksDB's
// own log goes to ringkv's log (warnings and errors), not to a LOG file on the data disk.
//
// Thread-safety: unlike the minimum promised by engine.h, every method of the returned engine may
// be called from any thread at once (RocksDB and the GroupCommitter are both thread-safe). Write
// callbacks run on the caller's thread (kAlways, kNone) or on the committer thread (kBatch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/engine.h"

namespace ringkv::storage {

// A group commit window longer than this would add more latency than any fsync it saves.
inline constexpr std::uint32_t kGroupCommitWindowUsMax = 100'000;

// Opens the RocksDB database in directory `path` (RocksDB creates the last path component if
// missing; open_engine creates the whole data_dir), creating the database and any missing column
// family. `group_commit_window_us` is used by SyncPolicy::kBatch only and must
// not exceed kGroupCommitWindowUsMax. Errors name the path, e.g. "cannot open rocksdb at /x: ...".
Result<std::unique_ptr<Engine>> open_rocksdb_engine(const std::string& path, SyncPolicy sync,
                                                    std::uint32_t group_commit_window_us);

}  // namespace ringkv::storage
