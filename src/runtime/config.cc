#include "runtime/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <concepts>
#include <optional>
#include <sstream>
#include <utility>

#include "core/node_id.h"
#include "core/overloaded.h"
#include "core/ring/ring.h"
#include "runtime/settings.h"

namespace ringkv::runtime {

namespace {

// The non-empty entries of a comma-separated list.
std::vector<std::string> list_entries(const std::string& list) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) entries.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return entries;
}

}  // namespace

Result<std::vector<PeerSpec>> parse_peers(const std::string& peers) {
  std::vector<PeerSpec> result;
  for (const std::string& entry : list_entries(peers)) {
    const auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("peers entry '" + entry +
                                      "' must be ID=HOST:PORT[@WEIGHT][/ZONE]");
    }
    PeerSpec spec;
    spec.id = entry.substr(0, equals);
    std::string address = entry.substr(equals + 1);
    if (const auto slash = address.find('/'); slash != std::string::npos) {
      spec.zone = address.substr(slash + 1);
      if (spec.zone.empty() || !core::is_valid_zone(spec.zone)) {
        return Status::invalid_argument(
            "peers entry '" + entry + "' has an invalid zone '" + spec.zone + "' (1 to " +
            std::to_string(core::kZoneBytesMax) + " printable characters without spaces , = @ /)");
      }
      address = address.substr(0, slash);
    }
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
  for (const std::string& entry : list_entries(seeds)) {
    if (entry.find('@') != std::string::npos || entry.find('/') != std::string::npos) {
      return Status::invalid_argument(
          "seeds entry '" + entry +
          "' must be ID=HOST:PORT or HOST:PORT (no weight or zone: each node sets its own)");
    }
    PeerSpec spec;
    if (entry.find('=') != std::string::npos) {
      auto named = parse_peers(entry);
      if (!named.is_ok()) return Status::invalid_argument("seeds: " + named.status().message());
      spec = named->front();
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
  for (const Setting& setting : server_settings()) {
    RINGKV_RETURN_IF_ERROR(check_setting(setting, *this));
  }
  if (engine == "rocksdb" && data_dir.empty()) {
    return Status::invalid_argument("data_dir must be set for the rocksdb engine");
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
  for (const auto& [name, quorum] : {std::pair{"r", r}, std::pair{"w", w}}) {
    if (quorum > n) {
      return Status::invalid_argument(std::string(name) + " must be at most n, got " + name + "=" +
                                      std::to_string(quorum) + " with n=" + std::to_string(n));
    }
  }
  return Status::ok();
}

core::NodeConfig node_config_from(const ServerConfig& config) {
  core::NodeConfig node_config;
  node_config.node_id = config.node_id;
  node_config.zone = config.zone;  // Static: checked against the own peers entry.
  node_config.partition_count = config.partition_count;
  node_config.value_max_bytes = config.value_max_bytes;
  node_config.tick_interval_ms = config.tick_interval_ms;
  node_config.request_timeout_ms = config.request_timeout_ms;
  node_config.default_bucket.n = config.n;
  node_config.default_bucket.r = config.r;
  node_config.default_bucket.w = config.w;
  node_config.default_bucket.conflict =
      config.conflict == "lww" ? core::ConflictPolicy::kLww : core::ConflictPolicy::kSiblings;
  node_config.buckets = config.buckets;
  node_config.hinted_handoff = config.hinted_handoff;
  node_config.hint_bytes_max = config.hint_bytes_max;
  node_config.transfer_bytes_per_s = config.transfer_bytes_per_s;
  node_config.phi_threshold = config.phi_threshold;
  node_config.anti_entropy = config.anti_entropy;
  node_config.anti_entropy_interval_ms = config.anti_entropy_interval_ms;
  node_config.tombstone_grace_ms = config.tombstone_grace_ms;
  return node_config;
}

void apply_gossip_settings(const ServerConfig& config, std::string address,
                           core::NodeConfig& node_config) {
  node_config.address = std::move(address);
  node_config.weight = config.weight;
  node_config.auto_join = config.auto_join;
  node_config.gossip.gossip_interval_ms = config.gossip_interval_ms;
  node_config.join_grace_ms = 3 * std::uint64_t{config.gossip_interval_ms};
  node_config.peer_down_after_ms = std::max<std::uint64_t>(2000, 2 * config.gossip_interval_ms);
}

namespace {

using core::Overloaded;

// "an integer", "a string": the TOML type of `node` with its article.
std::string toml_type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  const std::string name = out.str();
  return (name.find_first_of("aeiou") == 0 ? "an " : "a ") + name;
}

Status type_error(const Setting& setting, const toml::node& node, const std::string& expected) {
  return Status::invalid_argument("setting " + std::string(setting.name) + " must be " + expected +
                                  ", got " + toml_type_name(node));
}

// A list setting is a string ("n1=a:1,n2=b:2") or an array of such entries.
Status read_list(const Setting& setting, const toml::node& node, std::string& out) {
  if (const auto text = node.value_exact<std::string>()) {
    out = *text;
    return Status::ok();
  }
  const toml::array* array = node.as_array();
  if (array == nullptr) return type_error(setting, node, "a string or an array of strings");
  out.clear();
  for (const auto& element : *array) {
    const auto entry = element.value_exact<std::string>();
    if (!entry) return type_error(setting, element, "an array of strings");
    if (!out.empty()) out += ",";
    out += *entry;
  }
  return Status::ok();
}

Status read_string(const Setting& setting, const toml::node& node, std::string& out) {
  const auto value = node.value_exact<std::string>();
  if (!value) return type_error(setting, node, "a string");
  out = *value;
  return Status::ok();
}

// Reads the value of `setting` from `node` into `config`, checking its TOML type; an integer
// that does not even fit the setting's type is reported with the setting's bounds.
Status read_setting(const Setting& setting, const toml::node& node, ServerConfig& config) {
  return std::visit(
      Overloaded{
          [&](const TextSetting& text) {
            return text.list ? read_list(setting, node, config.*text.member)
                             : read_string(setting, node, config.*text.member);
          },
          [&](const ChoiceSetting& choice) {
            return read_string(setting, node, config.*choice.member);
          },
          [&](const BoolSetting& flag) {
            const auto value = node.value_exact<bool>();
            if (!value) return type_error(setting, node, "true or false");
            config.*flag.member = *value;
            return Status::ok();
          },
          [&]<std::integral T>(const NumberSetting<T>& number) {
            const auto value = node.value_exact<std::int64_t>();
            if (!value) return type_error(setting, node, "an integer");
            if (*value < 0 || static_cast<std::uint64_t>(*value) > number.max) {
              return bounds_error(setting, std::to_string(*value));
            }
            config.*number.member = static_cast<T>(*value);
            return Status::ok();
          },
          [&](const NumberSetting<double>& number) {
            const auto value = node.is_number() ? node.value<double>() : std::nullopt;
            if (!value) return type_error(setting, node, "a number");
            config.*number.member = *value;
            return Status::ok();
          },
      },
      setting.field);
}

// [buckets.NAME] tables of properties (core::set_bucket_property: n first, then the rest).
Status read_buckets(const std::string& path, const toml::node& node, ServerConfig& config) {
  const toml::table* buckets = node.as_table();
  if (buckets == nullptr) {
    return Status::invalid_argument("config file " + path +
                                    ": buckets must be a table of [buckets.NAME] tables");
  }
  for (const auto& [bucket_key, bucket_node] : *buckets) {
    const std::string bucket(bucket_key.str());
    const std::string where = "config file " + path + ": [buckets." + bucket + "]";
    const toml::table* properties = bucket_node.as_table();
    if (properties == nullptr) {
      return Status::invalid_argument(where + " must be a table (n = 5, conflict = \"lww\", ...)");
    }
    if (bucket.empty() || bucket.size() > limits::kBucketMaxBytes) {
      return Status::invalid_argument(where + ": bucket names are 1 to " +
                                      std::to_string(limits::kBucketMaxBytes) + " bytes");
    }
    core::BucketProperties out;
    out.n = config.n;
    out.r = config.r;
    out.w = config.w;
    out.conflict =
        config.conflict == "lww" ? core::ConflictPolicy::kLww : core::ConflictPolicy::kSiblings;
    std::vector<std::pair<std::string, std::string>> changes;
    for (const auto& [property_key, value] : *properties) {
      std::string text;
      if (const auto* integer = value.as_integer()) {
        if (integer->get() < 0) {
          return Status::invalid_argument(where + ": " + std::string(property_key.str()) +
                                          " must not be negative");
        }
        text = std::to_string(integer->get());
      } else if (const auto* string = value.as_string()) {
        text = string->get();
      } else {
        return Status::invalid_argument(where + ": " + std::string(property_key.str()) +
                                        " must be an integer or a string, not " +
                                        toml_type_name(value));
      }
      changes.emplace_back(std::string(property_key.str()), std::move(text));
    }
    std::stable_partition(changes.begin(), changes.end(),
                          [](const auto& change) { return change.first == "n"; });
    for (const auto& [name, text] : changes) {
      Status status = core::set_bucket_property(out, name, text);
      if (!status.is_ok()) return Status::invalid_argument(where + ": " + status.message());
    }
    if (Status status = out.validate(bucket); !status.is_ok()) {
      return Status::invalid_argument("config file " + path + ": " + status.message());
    }
    config.buckets[bucket] = out;
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
    if (name == "buckets") continue;  // After the rest: its tables start from n, r, w, conflict.
    const Setting* setting = find_setting(name);
    if (setting == nullptr) {
      return Status::invalid_argument("config file " + path + ": unknown setting '" + name + "'");
    }
    Status status = read_setting(*setting, node, config);
    if (status.is_ok()) status = check_setting(*setting, config);
    if (!status.is_ok()) {
      return Status::invalid_argument("config file " + path + ": " + status.message());
    }
  }
  if (const toml::node* buckets = table.get("buckets"); buckets != nullptr) {
    RINGKV_RETURN_IF_ERROR(read_buckets(path, *buckets, config));
  }
  return Status::ok();
}

}  // namespace ringkv::runtime
