#include "runtime/config.h"

#include <toml++/toml.h>

#include <limits>
#include <set>

#include "core/key_position.h"

namespace ringkv::runtime {

Status ServerConfig::validate() const {
  if (node_id.empty()) return Status::invalid_argument("node_id must not be empty");
  if (node_id.size() > 64 || node_id.find_first_of(" \t\n=,@:") != std::string::npos) {
    return Status::invalid_argument("node_id '" + node_id +
                                    "' must be at most 64 characters without spaces, '=', ',', "
                                    "'@' or ':'");
  }
  if (auto listen_address = parse_host_port(listen, "listen"); !listen_address.is_ok()) {
    return listen_address.status();
  }
  if (engine != "memory" && engine != "rocksdb") {
    return Status::invalid_argument("engine must be 'memory' or 'rocksdb', got '" + engine + "'");
  }
  if (auto policy = storage::parse_sync_policy(sync); !policy.is_ok()) {
    return Status::invalid_argument("sync: " + policy.status().message());
  }
  if (engine == "rocksdb" && data_dir.empty()) {
    return Status::invalid_argument("data_dir must be set for the rocksdb engine");
  }
  if (value_max_bytes == 0 || value_max_bytes > limits::kValueMaxBytesCeiling) {
    return Status::invalid_argument("value_max_bytes must be in [1, " +
                                    std::to_string(limits::kValueMaxBytesCeiling) + "], got " +
                                    std::to_string(value_max_bytes));
  }
  if (!core::is_power_of_two(partition_count) || partition_count > (1u << 16)) {
    return Status::invalid_argument("partition_count must be a power of two up to 65536, got " +
                                    std::to_string(partition_count));
  }
  if (tick_interval_ms == 0 || tick_interval_ms > 60'000) {
    return Status::invalid_argument("tick_interval_ms must be in [1, 60000]");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.contains(log_level)) {
    return Status::invalid_argument("log_level must be one of trace, debug, info, warn, error");
  }
  return Status::ok();
}

namespace {

template <typename T>
Status read_integer(const toml::node& node, const std::string& name, T& out) {
  const auto value = node.value<std::int64_t>();
  if (!value || *value < 0 || static_cast<std::uint64_t>(*value) > std::numeric_limits<T>::max()) {
    return Status::invalid_argument("setting " + name + " must be a non-negative integer");
  }
  out = static_cast<T>(*value);
  return Status::ok();
}

Status read_string(const toml::node& node, const std::string& name, std::string& out) {
  const auto value = node.value<std::string>();
  if (!value) return Status::invalid_argument("setting " + name + " must be a string");
  out = *value;
  return Status::ok();
}

}  // namespace

Status load_config_file(const std::string& path, ServerConfig& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return Status::invalid_argument("config file " + path + ": " + std::string(error.description()) +
                                    " at line " + std::to_string(error.source().begin.line));
  }
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    Status status;
    if (name == "node_id") {
      status = read_string(node, name, config.node_id);
    } else if (name == "listen") {
      status = read_string(node, name, config.listen);
    } else if (name == "data_dir") {
      status = read_string(node, name, config.data_dir);
    } else if (name == "engine") {
      status = read_string(node, name, config.engine);
    } else if (name == "sync") {
      status = read_string(node, name, config.sync);
    } else if (name == "log_level") {
      status = read_string(node, name, config.log_level);
    } else if (name == "value_max_bytes") {
      status = read_integer(node, name, config.value_max_bytes);
    } else if (name == "partition_count") {
      status = read_integer(node, name, config.partition_count);
    } else if (name == "tick_interval_ms") {
      status = read_integer(node, name, config.tick_interval_ms);
    } else {
      status = Status::invalid_argument("config file " + path + ": unknown setting '" + name + "'");
    }
    RINGKV_RETURN_IF_ERROR(status);
  }
  return Status::ok();
}

}  // namespace ringkv::runtime
