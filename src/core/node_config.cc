#include "core/node_config.h"

#include <algorithm>

#include "core/key_position.h"

namespace ringkv::core {

namespace {

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

}  // namespace

Status NodeConfig::validate() const {
  if (node_id.empty()) return Status::invalid_argument("node_id must not be empty");
  if (!is_power_of_two(partition_count)) {
    return Status::invalid_argument("partition_count must be a power of two, got " +
                                    std::to_string(partition_count));
  }
  if (value_max_bytes == 0 || value_max_bytes > limits::kValueMaxBytesCeiling) {
    return Status::invalid_argument("value_max_bytes must be in [1, " +
                                    std::to_string(limits::kValueMaxBytesCeiling) + "], got " +
                                    std::to_string(value_max_bytes));
  }
  if (clock_entries_max < 1) return Status::invalid_argument("clock_entries_max must be >= 1");
  if (tick_interval_ms == 0) return Status::invalid_argument("tick_interval_ms must be >= 1");
  if (request_timeout_ms == 0) return Status::invalid_argument("request_timeout_ms must be >= 1");
  if (forward_retry_ms == 0) return Status::invalid_argument("forward_retry_ms must be >= 1");
  if (hint_delivery_interval_ms == 0) {
    return Status::invalid_argument("hint_delivery_interval_ms must be >= 1");
  }
  if (peer_down_after_ms == 0) return Status::invalid_argument("peer_down_after_ms must be >= 1");
  if (!(phi_threshold > 0)) return Status::invalid_argument("phi_threshold must be > 0");
  RINGKV_RETURN_IF_ERROR(default_bucket.validate(std::string(kDefaultBucketName)));
  for (const auto& [name, properties] : buckets) RINGKV_RETURN_IF_ERROR(properties.validate(name));
  if (!seeds.empty()) {
    if (!members.empty()) {
      return Status::invalid_argument("a node with seeds learns its members by gossip; the "
                                      "static member list must be empty");
    }
    if (address.size() > kAddressBytesMax || !is_valid_member_address(address)) {
      return Status::invalid_argument("address must be HOST:PORT (port 1-65535, at most 255 "
                                      "bytes), got '" + address + "'");
    }
    if (node_id.size() > kNodeIdBytesMax) {
      return Status::invalid_argument("node_id must be at most 255 bytes with gossip");
    }
    if (weight < 1 || weight > kMemberWeightMax) {
      return Status::invalid_argument("weight must be in [1, " + std::to_string(kMemberWeightMax) +
                                      "], got " + std::to_string(weight));
    }
    RINGKV_RETURN_IF_ERROR(gossip.validate());
    RINGKV_RETURN_IF_ERROR(validate_seed_list(seeds, node_id));
  }
  if (tree_fanout < 2 || tree_fanout > 256 || (tree_fanout & (tree_fanout - 1)) != 0) {
    return Status::invalid_argument("tree_fanout must be a power of two in [2, 256]");
  }
  {
    std::uint64_t leaves = 1;
    for (std::uint32_t i = 0; i < tree_depth && leaves <= (1u << 24); ++i) leaves *= tree_fanout;
    if (tree_depth < 1 || leaves > (1u << 24)) {
      return Status::invalid_argument("tree_depth must be >= 1 with at most 2^24 leaves");
    }
  }
  if (tombstone_grace_ms == 0) return Status::invalid_argument("tombstone_grace_ms must be >= 1");
  if (anti_entropy_interval_ms == 0 || anti_entropy_exchanges_max == 0 ||
      anti_entropy_leaves_max == 0 || anti_entropy_bytes_max < 1024) {
    return Status::invalid_argument(
        "anti_entropy_interval_ms, anti_entropy_exchanges_max and anti_entropy_leaves_max must "
        "be >= 1, anti_entropy_bytes_max >= 1024");
  }
  if (transfer_keys_in_flight_max == 0) {
    return Status::invalid_argument("transfer_keys_in_flight_max must be >= 1");
  }
  if (transfer_bytes_per_s == 0) return Status::invalid_argument("transfer_bytes_per_s must be >= 1");
  if (transfer_interval_ms == 0) return Status::invalid_argument("transfer_interval_ms must be >= 1");
  if (!members.empty()) {
    const bool listed = std::any_of(members.begin(), members.end(), [&](const auto& event) {
      return event.kind == MembershipEvent::Kind::kJoin && event.node == node_id;
    });
    if (!listed) {
      return Status::invalid_argument("node_id " + node_id + " is not one of the cluster members");
    }
  }
  return Status::ok();
}

}  // namespace ringkv::core
