// Bucket properties as cluster metadata in the node (core/bucket_registry.h; docs/ARCHITECTURE.md,
// "Bucket properties"): operator changes, the table's persistence in the metadata namespace, its
// exchange with peers (digests on pongs, whole tables when they differ), and what a change of n
// moves.
#include <algorithm>
#include <utility>
#include <variant>

#include "core/node.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kBucketPrefix = "bucket/";
// A peer whose digest differs is sent our table at most this often (it may be unable to take
// some entries, and the table must not be sent with every pong then).
constexpr std::uint64_t kBucketPushIntervalMs = 1000;

}  // namespace

const BucketProperties& Node::bucket_properties(const std::string& bucket) const {
  const BucketProperties* own = buckets_.find(bucket);
  return own != nullptr ? *own : config_.default_bucket;
}

std::uint32_t Node::smallest_n() const {
  std::uint32_t n = config_.default_bucket.n;
  for (const BucketEntry& entry : buckets_.entries()) {
    if (!entry.reset) n = std::min(n, entry.properties.n);
  }
  return std::max<std::uint32_t>(n, 1);
}

std::uint32_t Node::largest_n() const {
  std::uint32_t n = config_.default_bucket.n;
  for (const BucketEntry& entry : buckets_.entries()) {
    if (!entry.reset) n = std::max(n, entry.properties.n);
  }
  return n;
}

Status Node::start_buckets() {
  std::string end(kBucketPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  Status decode_error;
  RINGKV_RETURN_IF_ERROR(storage_.scan(storage::Namespace::kMeta, kBucketPrefix, end,
                                       [&](std::string_view key, std::string_view value) {
                                         auto entry = decode_bucket_entry(value);
                                         if (!entry.is_ok()) {
                                           decode_error =
                                               Status::corruption("metadata " + std::string(key) +
                                                                  ": " + entry.status().message());
                                           return false;
                                         }
                                         buckets_.merge(*entry);
                                         return true;
                                       }));
  RINGKV_RETURN_IF_ERROR(decode_error);
  for (const auto& [name, properties] : config_.buckets) {
    if (const BucketEntry* held = buckets_.entry(name); held != nullptr) {
      if (held->reset || held->properties != properties) buckets_ignored_.push_back(name);
      continue;
    }
    BucketEntry entry = buckets_.next_entry(name, config_.node_id, wall_ms());
    entry.properties = properties;
    take_bucket_entry(entry);
  }
  return Status::ok();
}

Result<BucketEntry> Node::set_bucket_properties(
    const std::string& bucket, const std::vector<std::pair<std::string, std::string>>& changes) {
  if (changes.empty()) {
    return Status::invalid_argument("no property to set (name=value, e.g. n=5)");
  }
  BucketEntry entry = buckets_.next_entry(bucket, config_.node_id, wall_ms());
  entry.properties = bucket_properties(bucket);
  entry.reset = false;
  // n first: "quorum" and "all" are resolved against the new n.
  std::vector<std::pair<std::string, std::string>> ordered = changes;
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const auto& change) { return change.first == "n"; });
  for (const auto& [name, value] : ordered) {
    RINGKV_RETURN_IF_ERROR(set_bucket_property(entry.properties, name, value));
  }
  RINGKV_RETURN_IF_ERROR(validate_bucket_entry(entry));
  if (entry.properties.value_max_bytes > config_.value_max_bytes) {
    return Status::invalid_argument("bucket " + bucket + ": value_max_bytes " +
                                    std::to_string(entry.properties.value_max_bytes) +
                                    " exceeds this node's value_max_bytes (" +
                                    std::to_string(config_.value_max_bytes) + ")");
  }
  if (buckets_.entry(bucket) == nullptr && buckets_.size() >= kBucketEntriesMax) {
    return Status::too_large("the cluster already has " + std::to_string(kBucketEntriesMax) +
                             " buckets with their own properties");
  }
  take_bucket_entry(entry);
  for (const NodeId& peer : peers()) push_bucket_table(peer);
  return entry;
}

Result<BucketEntry> Node::reset_bucket_properties(const std::string& bucket) {
  const BucketEntry* held = buckets_.entry(bucket);
  if (held == nullptr || held->reset) {
    return Status::not_found("bucket " + bucket + " has no properties of its own");
  }
  BucketEntry entry = buckets_.next_entry(bucket, config_.node_id, wall_ms());
  entry.properties = config_.default_bucket;
  entry.reset = true;
  RINGKV_RETURN_IF_ERROR(validate_bucket_entry(entry));
  take_bucket_entry(entry);
  for (const NodeId& peer : peers()) push_bucket_table(peer);
  return entry;
}

bool Node::take_bucket_entry(const BucketEntry& entry) {
  const std::uint32_t old_n = bucket_properties(entry.name).n;
  if (!buckets_.merge(entry)) return false;
  ++stats_.bucket_changes;
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kMeta, std::string(kBucketPrefix) + entry.name,
            encode_bucket_entry(entry));
  // A lost write is brought back by the next exchange with any peer.
  persist(std::move(batch), NothingWaits{});
  const std::uint32_t new_n = bucket_properties(entry.name).n;
  // (At start nothing moves: the table is what it was when this node stopped.)
  if (new_n != old_n && ring_ && started_) {
    // More replicas: the first of the old ones copies the keys to the new ones. Fewer: the
    // replicas no longer home hand their copies off and erase them, as after a ring change.
    transfer_.plan_widening(context_, *ring_, old_n, new_n);
    transfer_.count_pending(context_);
    transfer_.wake(context_, started_);
  }
  return true;
}

void Node::on_bucket_table(const NodeId& from, const BucketTable& table) {
  if (!is_known_peer(from) || table.entries.size() > kBucketEntriesMax) return;
  for (const BucketEntry& entry : table.entries) {
    if (!validate_bucket_entry(entry).is_ok()) continue;  // The codec validated them already.
    take_bucket_entry(entry);
  }
}

void Node::on_pong_buckets_digest(const NodeId& from, std::uint64_t digest) {
  // An empty table has nothing to give: the peer sends us its own when it sees our digest.
  if (digest == buckets_.digest() || buckets_.size() == 0 || !is_known_peer(from)) return;
  auto it = buckets_pushed_ms_.find(from);
  if (it != buckets_pushed_ms_.end() && now_ms_ < it->second + kBucketPushIntervalMs) return;
  push_bucket_table(from);
}

void Node::push_bucket_table(const NodeId& to) {
  buckets_pushed_ms_[to] = now_ms_;
  // Built in place: moving a whole Effect here trips GCC 12's -Wmaybe-uninitialized at -O3.
  effects_.emplace_back(std::in_place_type<SendEffect>,
                        SendEffect{to, BucketTable{buckets_.entries()}});
}

}  // namespace ringkv::core
