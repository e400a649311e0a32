// open_engine(): turns the engine settings of a node's configuration into an open Engine.
#include <filesystem>
#include <system_error>

#include "storage/engine.h"
#include "storage/memory_engine.h"
#include "storage/rocksdb_engine.h"

namespace ringkv::storage {

Result<std::unique_ptr<Engine>> open_engine(const EngineOptions& options) {
  if (options.engine == "memory") return make_memory_engine();
  if (options.engine == "rocksdb") {
    if (options.data_dir.empty()) {
      return Status::invalid_argument("setting data_dir is required when engine is rocksdb");
    }
    std::error_code error;
    std::filesystem::create_directories(options.data_dir, error);
    if (error) {
      return Status::io_error("cannot create data_dir " + options.data_dir + ": " +
                              error.message());
    }
    return open_rocksdb_engine(options.data_dir, options.sync, options.group_commit_window_us);
  }
  return Status::invalid_argument("setting engine is \"" + options.engine +
                                  "\"; accepted values are memory and rocksdb");
}

}  // namespace ringkv::storage
