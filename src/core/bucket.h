// Bucket properties: the replication and quorum settings of a namespace (docs/ARCHITECTURE.md,
// "Data model and versions").
// Every bucket not configured otherwise uses the defaults (n=3, r=2, w=2).
#pragma once

#include <cstdint>
#include <string>

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
  ConflictPolicy conflict = ConflictPolicy::kSiblings;

  // 1 <= r, w <= n <= kReplicasMax; the message names the bucket and the setting.
  Status validate(const std::string& bucket) const;
};

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
