#include "core/node_config.h"

#include <algorithm>
#include <utility>

#include "core/key_position.h"

namespace ringkv::core {
namespace {

// Sizes, timer periods and the failure detector: each must be positive (or within its limit).
Status validate_limits_and_timers(const NodeConfig& config) {
  if (!is_power_of_two(config.partition_count) ||
      config.partition_count > limits::kPartitionCountMax) {
    return Status::invalid_argument("partition_count must be a power of two up to " +
                                    std::to_string(limits::kPartitionCountMax) + ", got " +
                                    std::to_string(config.partition_count));
  }
  if (config.value_max_bytes == 0 || config.value_max_bytes > limits::kValueMaxBytesCeiling) {
    return Status::invalid_argument("value_max_bytes must be in [1, " +
                                    std::to_string(limits::kValueMaxBytesCeiling) + "], got " +
                                    std::to_string(config.value_max_bytes));
  }
  if (config.clock_entries_max < 1) {
    return Status::invalid_argument("clock_entries_max must be >= 1");
  }
  const std::pair<const char*, std::uint64_t> periods_ms[] = {
      {"tick_interval_ms", config.tick_interval_ms},
      {"request_timeout_ms", config.request_timeout_ms},
      {"forward_retry_ms", config.forward_retry_ms},
      {"hint_delivery_interval_ms", config.hint_delivery_interval_ms},
      {"peer_down_after_ms", config.peer_down_after_ms},
  };
  for (const auto& [name, value] : periods_ms) {
    if (value == 0) return Status::invalid_argument(std::string(name) + " must be >= 1");
  }
  if (!(config.phi_threshold > 0)) return Status::invalid_argument("phi_threshold must be > 0");
  return Status::ok();
}

// Seeds are member ids or stand-ins "@HOST:PORT" for seeds known by address (node_id.h).
Status validate_seed_list(const std::vector<NodeId>& seeds, const NodeId& node_id) {
  if (is_seed_placeholder(node_id)) {
    return Status::invalid_argument("node_id must not start with '@', got '" + node_id + "'");
  }
  for (const NodeId& seed : seeds) {
    const std::string_view address = placeholder_address(seed);
    if (seed.empty() || seed.size() > kNodeIdBytesMax + 1 ||
        (is_seed_placeholder(seed) && !is_valid_member_address(address))) {
      return Status::invalid_argument("seed '" + seed + "' is neither a node id nor @HOST:PORT");
    }
  }
  return Status::ok();
}

// Dynamic membership: only checked when the node has seeds.
Status validate_gossip_settings(const NodeConfig& config) {
  if (!config.members.empty()) {
    return Status::invalid_argument("a node with seeds learns its members by gossip; the "
                                    "static member list must be empty");
  }
  if (config.address.size() > kAddressBytesMax || !is_valid_member_address(config.address)) {
    return Status::invalid_argument("address must be HOST:PORT (port 1-65535, at most 255 "
                                    "bytes), got '" + config.address + "'");
  }
  if (config.node_id.size() > kNodeIdBytesMax) {
    return Status::invalid_argument("node_id must be at most 255 bytes with gossip");
  }
  if (config.weight < 1 || config.weight > kMemberWeightMax) {
    return Status::invalid_argument("weight must be in [1, " + std::to_string(kMemberWeightMax) +
                                    "], got " + std::to_string(config.weight));
  }
  RINGKV_RETURN_IF_ERROR(validate_seed_list(config.seeds, config.node_id));
  return config.gossip.validate();
}

// Merkle trees, exchanges and tombstone reaping.
Status validate_anti_entropy(const NodeConfig& config) {
  const std::uint32_t fanout = config.tree_fanout;
  if (fanout < 2 || fanout > 256 || (fanout & (fanout - 1)) != 0) {
    return Status::invalid_argument("tree_fanout must be a power of two in [2, 256]");
  }
  std::uint64_t leaves = 1;
  for (std::uint32_t i = 0; i < config.tree_depth && leaves <= (1u << 24); ++i) leaves *= fanout;
  if (config.tree_depth < 1 || leaves > (1u << 24)) {
    return Status::invalid_argument("tree_depth must be >= 1 with at most 2^24 leaves");
  }
  if (config.tombstone_grace_ms == 0) {
    return Status::invalid_argument("tombstone_grace_ms must be >= 1");
  }
  if (config.anti_entropy_interval_ms == 0 || config.anti_entropy_exchanges_max == 0 ||
      config.anti_entropy_leaves_max == 0 || config.anti_entropy_bytes_max < 1024) {
    return Status::invalid_argument(
        "anti_entropy_interval_ms, anti_entropy_exchanges_max and anti_entropy_leaves_max must "
        "be >= 1, anti_entropy_bytes_max >= 1024");
  }
  return Status::ok();
}

Status validate_transfer(const NodeConfig& config) {
  if (config.transfer_keys_in_flight_max == 0) {
    return Status::invalid_argument("transfer_keys_in_flight_max must be >= 1");
  }
  if (config.transfer_bytes_per_s == 0) {
    return Status::invalid_argument("transfer_bytes_per_s must be >= 1");
  }
  if (config.transfer_interval_ms == 0) {
    return Status::invalid_argument("transfer_interval_ms must be >= 1");
  }
  return Status::ok();
}

}  // namespace

Status NodeConfig::validate() const {
  if (node_id.empty()) return Status::invalid_argument("node_id must not be empty");
  RINGKV_RETURN_IF_ERROR(validate_limits_and_timers(*this));
  RINGKV_RETURN_IF_ERROR(default_bucket.validate(std::string(kDefaultBucketName)));
  for (const auto& [name, properties] : buckets) {
    RINGKV_RETURN_IF_ERROR(properties.validate(name));
    if (properties.value_max_bytes > value_max_bytes) {
      return Status::invalid_argument("bucket " + name + ": value_max_bytes exceeds the node's (" +
                                      std::to_string(value_max_bytes) + ")");
    }
  }
  if (!seeds.empty()) RINGKV_RETURN_IF_ERROR(validate_gossip_settings(*this));
  RINGKV_RETURN_IF_ERROR(validate_anti_entropy(*this));
  RINGKV_RETURN_IF_ERROR(validate_transfer(*this));
  if (!is_valid_zone(zone)) {
    return Status::invalid_argument("zone '" + zone + "' must be at most " +
                                    std::to_string(kZoneBytesMax) +
                                    " printable characters without spaces , = @ /");
  }
  if (!members.empty()) {
    const auto own = std::find_if(members.begin(), members.end(), [&](const auto& event) {
      return event.kind == MembershipEvent::Kind::kJoin && event.node == node_id;
    });
    if (own == members.end()) {
      return Status::invalid_argument("node_id " + node_id + " is not one of the cluster members");
    }
    if (!zone.empty() && own->zone != zone) {
      return Status::invalid_argument("zone '" + zone + "' differs from the zone '" + own->zone +
                                      "' the members list gives node " + node_id);
    }
  }
  return Status::ok();
}

}  // namespace ringkv::core
