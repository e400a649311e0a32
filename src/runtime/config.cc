#include "runtime/config.h"

#include <toml++/toml.h>

#include <limits>
#include <set>

#include "core/key_position.h"
#include "core/node_id.h"

namespace ringkv::runtime {

Result<std::vector<PeerSpec>> parse_peers(const std::string& peers) {
  std::vector<PeerSpec> result;
  std::size_t start = 0;
  while (start < peers.size()) {
    std::size_t end = peers.find(',', start);
    if (end == std::string::npos) end = peers.size();
    const std::string entry = peers.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("peers entry '" + entry + "' must be ID=HOST:PORT[@WEIGHT]");
    }
    PeerSpec spec;
    spec.id = entry.substr(0, equals);
    std::string address = entry.substr(equals + 1);
    if (const auto at = address.rfind('@'); at != std::string::npos) {
      const std::string weight = address.substr(at + 1);
      if (weight.empty() || weight.size() > 4 ||
          weight.find_first_not_of("0123456789") != std::string::npos || std::stoul(weight) == 0) {
        return Status::invalid_argument("peers entry '" + entry + "' has an invalid weight '" +
                                        weight + "' (an integer from 1 to 9999)");
      }
      spec.weight = static_cast<std::uint32_t>(std::stoul(weight));
      address = address.substr(0, at);
    }
    if (auto parsed = parse_host_port(address, "peers entry '" + entry + "'"); !parsed.is_ok()) {
      return parsed.status();
    }
    spec.address = address;
    for (const auto& other : result) {
      if (other.id == spec.id) return Status::invalid_argument("peers lists " + spec.id + " twice");
    }
    result.push_back(std::move(spec));
  }
  return result;
}

Result<std::vector<PeerSpec>> parse_seeds(const std::string& seeds) {
  std::vector<PeerSpec> result;
  std::size_t start = 0;
  while (start < seeds.size()) {
    std::size_t end = seeds.find(',', start);
    if (end == std::string::npos) end = seeds.size();
    const std::string entry = seeds.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    PeerSpec spec;
    if (entry.find('=') != std::string::npos) {
      auto named = parse_peers(entry);
      if (!named.is_ok()) return Status::invalid_argument("seeds: " + named.status().message());
      spec = named->front();
      if (spec.weight != 1 || spec.address.size() + spec.id.size() + 1 != entry.size()) {
        return Status::invalid_argument("seeds entry '" + entry +
                                        "' must be ID=HOST:PORT or HOST:PORT (no weight)");
      }
    } else {
      if (auto parsed = parse_host_port(entry, "seeds entry '" + entry + "'"); !parsed.is_ok()) {
        return Status::invalid_argument(parsed.status().message() +
                                        " (seeds entries are ID=HOST:PORT or HOST:PORT)");
      }
      spec.id = core::seed_placeholder(entry);
      spec.address = entry;
    }
    for (const auto& other : result) {
      if (other.id == spec.id || other.address == spec.address) {
        return Status::invalid_argument("seeds lists " + spec.address + " twice");
      }
    }
    result.push_back(std::move(spec));
  }
  return result;
}

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
  if (!core::is_power_of_two(partition_count) || partition_count > 4096) {
    return Status::invalid_argument("partition_count must be a power of two up to 4096, got " +
                                    std::to_string(partition_count));
  }
  if (tick_interval_ms == 0 || tick_interval_ms > 60'000) {
    return Status::invalid_argument("tick_interval_ms must be in [1, 60000]");
  }
  auto peer_list = parse_peers(peers);
  if (!peer_list.is_ok()) return peer_list.status();
  if (!peer_list->empty()) {
    bool listed = false;
    for (const auto& peer : *peer_list) listed = listed || peer.id == node_id;
    if (!listed) {
      return Status::invalid_argument("node_id " + node_id +
                                      " must be one of the peers (the list names every member)");
    }
  }
  auto seed_list = parse_seeds(seeds);
  if (!seed_list.is_ok()) return seed_list.status();
  if (!seed_list->empty() && !peer_list->empty()) {
    return Status::invalid_argument("set either peers (static membership) or seeds (gossip), "
                                    "not both");
  }
  if (!advertise.empty()) {
    if (auto address = parse_host_port(advertise, "advertise"); !address.is_ok()) {
      return address.status();
    }
  }
  if (weight < 1 || weight > 1024) return Status::invalid_argument("weight must be in [1, 1024]");
  if (gossip_interval_ms < 10 || gossip_interval_ms > 60'000) {
    return Status::invalid_argument("gossip_interval_ms must be in [10, 60000]");
  }
  if (!(phi_threshold >= 1.0 && phi_threshold <= 64.0)) {
    return Status::invalid_argument("phi_threshold must be in [1, 64]");
  }
  if (anti_entropy_interval_ms < 10 || anti_entropy_interval_ms > 86'400'000) {
    return Status::invalid_argument("anti_entropy_interval_ms must be in [10, 86400000]");
  }
  if (tombstone_grace_ms < 1000) return Status::invalid_argument("tombstone_grace_ms must be >= 1000");
  if (transfer_bytes_per_s < 4096) {
    return Status::invalid_argument("transfer_bytes_per_s must be >= 4096");
  }
  if (!resp_listen.empty()) {
    if (auto address = parse_host_port(resp_listen, "resp_listen"); !address.is_ok()) {
      return address.status();
    }
  }
  if (request_timeout_ms == 0 || request_timeout_ms > 600'000) {
    return Status::invalid_argument("request_timeout_ms must be in [1, 600000]");
  }
  if (n < 1 || n > 16) return Status::invalid_argument("n must be in [1, 16]");
  if (hint_bytes_max < 4096) return Status::invalid_argument("hint_bytes_max must be >= 4096");
  if (r < 1 || r > n) return Status::invalid_argument("r must be in [1, n]");
  if (w < 1 || w > n) return Status::invalid_argument("w must be in [1, n]");
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

Status read_bool(const toml::node& node, const std::string& name, bool& out) {
  const auto value = node.value<bool>();
  if (!value) return Status::invalid_argument("setting " + name + " must be true or false");
  out = *value;
  return Status::ok();
}

// `peers` is a string ("n1=a:1,n2=b:2") or an array of such entries.
Status read_peers(const toml::node& node, std::string& out) {
  if (const auto text = node.value<std::string>()) {
    out = *text;
    return Status::ok();
  }
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    return Status::invalid_argument("setting peers must be a string or an array of strings");
  }
  out.clear();
  for (const auto& element : *array) {
    const auto entry = element.value<std::string>();
    if (!entry) return Status::invalid_argument("setting peers must hold strings");
    if (!out.empty()) out += ",";
    out += *entry;
  }
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
    } else if (name == "resp_listen") {
      status = read_string(node, name, config.resp_listen);
    } else if (name == "peers") {
      status = read_peers(node, config.peers);
    } else if (name == "seeds") {
      status = read_peers(node, config.seeds);
    } else if (name == "advertise") {
      status = read_string(node, name, config.advertise);
    } else if (name == "weight") {
      status = read_integer(node, name, config.weight);
    } else if (name == "auto_join") {
      status = read_bool(node, name, config.auto_join);
    } else if (name == "gossip_interval_ms") {
      status = read_integer(node, name, config.gossip_interval_ms);
    } else if (name == "anti_entropy") {
      status = read_bool(node, name, config.anti_entropy);
    } else if (name == "anti_entropy_interval_ms") {
      status = read_integer(node, name, config.anti_entropy_interval_ms);
    } else if (name == "tombstone_grace_ms") {
      status = read_integer(node, name, config.tombstone_grace_ms);
    } else if (name == "phi_threshold") {
      const auto value = node.value<double>();
      if (!value) {
        status = Status::invalid_argument("setting phi_threshold must be a number");
      } else {
        config.phi_threshold = *value;
      }
    } else if (name == "transfer_bytes_per_s") {
      status = read_integer(node, name, config.transfer_bytes_per_s);
    } else if (name == "request_timeout_ms") {
      status = read_integer(node, name, config.request_timeout_ms);
    } else if (name == "hinted_handoff") {
      status = read_bool(node, name, config.hinted_handoff);
    } else if (name == "hint_bytes_max") {
      status = read_integer(node, name, config.hint_bytes_max);
    } else if (name == "n") {
      status = read_integer(node, name, config.n);
    } else if (name == "r") {
      status = read_integer(node, name, config.r);
    } else if (name == "w") {
      status = read_integer(node, name, config.w);
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
