// Bucket properties: the replication and quorum settings of a namespace (docs/ARCHITECTURE.md,
// "Data model and versions").
// Every bucket not configured otherwise uses the defaults (n=3, r=2, w=2).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ringkv::core {

inline constexpr std::string_view kDefaultBucketName = "default";
// Replicas per key at most: a preference list longer than this is never useful and would make
// every request fan out to the whole of a large cluster.
inline constexpr std::uint32_t kReplicasMax = 16;

// What concurrent string writes become: siblings (kept until a write that read them, as Riak's
// allow_mult) or last write wins (the newest hybrid timestamp, as Riak's last_write_wins; see
// keep_newest_values in core/datatypes/data_types.h). Counters, sets and hashes merge as
// convergent types under both.
enum class ConflictPolicy : std::uint8_t { kSiblings, kLww };

struct BucketProperties {
  std::uint32_t n = 3;  // Replicas per key.
  std::uint32_t r = 2;  // Replies a get waits for.
  std::uint32_t w = 2;  // Durable acknowledgements a put waits for (the coordinator's included).
  std::uint32_t pr = 0;  // Of the r replies, how many must come from home replicas.
  std::uint32_t pw = 0;  // Of the w acknowledgements, how many must come from home replicas.
  ConflictPolicy conflict = ConflictPolicy::kSiblings;
  // 0: the node's value_max_bytes. Otherwise at most that (frames are sized by the node's).
  std::uint64_t value_max_bytes = 0;
  // Siblings a write may leave (1 to limits::kSiblingsMax; 0: that limit).
  std::uint32_t siblings_max = 0;

  // 1 <= r, w <= n <= kReplicasMax, pr <= r, pw <= w, siblings_max <= limits::kSiblingsMax;
  // the message names the bucket and the property.
  Status validate(const std::string& bucket) const;

  friend bool operator==(const BucketProperties&, const BucketProperties&) = default;
};

// The properties by name, in the order they are shown ("n", "r", ..., "siblings_max").
const std::vector<std::string_view>& bucket_property_names();
// Sets one property from its text form: integers, "one" / "quorum" / "all" for r, w, pr and pw
// (resolved against the n already set, so set n first), "siblings" / "lww" for conflict.
// Errors name the property and what it accepts. validate() checks the combination afterwards.
Status set_bucket_property(BucketProperties& properties, std::string_view name,
                           std::string_view value);
// The text form of one property, as set_bucket_property reads it back.
std::string bucket_property_value(const BucketProperties& properties, std::string_view name);

// The quorum one request runs with: the bucket's settings, the request's overrides, and the
// cluster size (a cluster of two nodes cannot keep three replicas).
struct Quorum {
  std::uint32_t n = 0;
  std::uint32_t r = 0;
  std::uint32_t w = 0;
  std::uint32_t pr = 0;  // Of the r replies, how many must come from home replicas.
  std::uint32_t pw = 0;  // Of the w acknowledgements, how many must come from home replicas.
};

// Errors name the override and the bound it broke ("r=4 exceeds n=3").
Result<Quorum> effective_quorum(const BucketProperties& bucket, std::uint32_t r_override,
                                std::uint32_t w_override, std::size_t cluster_size,
                                std::uint32_t pr = 0, std::uint32_t pw = 0);

}  // namespace ringkv::core
