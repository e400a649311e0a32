// Every limit ringkv enforces, in one place, with the relations between them checked at compile
// time. Configurable limits have their default here and are validated by Config::validate().
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringkv::limits {

// Keys: 1 byte to 64 KiB. Fixed, not configurable: a key is part of the storage key.
inline constexpr std::size_t kKeyMaxBytes = 64 * 1024;
// Bucket names are short identifiers.
inline constexpr std::size_t kBucketMaxBytes = 255;
// Values: default 1 MiB, configurable up to kValueMaxBytesCeiling.
inline constexpr std::size_t kValueMaxBytesDefault = 1024 * 1024;
inline constexpr std::size_t kValueMaxBytesCeiling = 64 * 1024 * 1024;
// A context carries a version vector; its encoded size is bounded by the clock size limit.
inline constexpr std::size_t kContextMaxBytes = 16 * 1024;
// Version vectors are pruned (oldest entries first) beyond this many entries.
inline constexpr std::size_t kClockEntriesMaxDefault = 16;
// An object may hold at most this many siblings; more is a client bug (no reconciliation).
inline constexpr std::size_t kSiblingsMax = 64;
// Merging replicas can combine siblings that each side created under kSiblingsMax, so stored
// objects may hold more; decoding accepts up to this many and rejects anything larger as corrupt.
inline constexpr std::size_t kStoredSiblingsMax = 4 * kSiblingsMax;
// Elements of one set or fields of one hash at most (the encoded object must also fit the value
// limit). A write that would exceed it is refused and names this limit.
inline constexpr std::size_t kCollectionElementsMax = 1'000'000;
// Entries a stored object may hold: concurrent adds keep one entry per adding write, and counters,
// offsets and expiry add a few more, so decoding accepts a multiple of the element limit.
inline constexpr std::size_t kStoredEntriesMax = 4 * kCollectionElementsMax;
// Ring partitions (Q) at most: every node keeps anti-entropy state for each partition.
inline constexpr std::uint32_t kPartitionCountMax = 4096;
// Frame overhead allowed on top of key + value + context (headers, ids, bucket, options).
inline constexpr std::size_t kFrameOverheadBytes = 64 * 1024;

// The largest frame a peer or client may send given a configured value limit.
constexpr std::size_t frame_max_bytes(std::size_t value_max_bytes) {
  return kKeyMaxBytes + kBucketMaxBytes + kContextMaxBytes + value_max_bytes + kFrameOverheadBytes;
}

static_assert(kKeyMaxBytes < kValueMaxBytesDefault);
static_assert(kSiblingsMax < kStoredSiblingsMax);
static_assert(kStoredSiblingsMax < kStoredEntriesMax);
static_assert(kValueMaxBytesDefault <= kValueMaxBytesCeiling);
static_assert(frame_max_bytes(kValueMaxBytesCeiling) < (std::size_t{1} << 31),
              "frame lengths are encoded in 32 bits");

}  // namespace ringkv::limits
