// One page of a key scan read from one replica's storage: the replica side of a distributed scan
// (core/node_scan.cc; docs/ARCHITECTURE.md, "The path of a scan"). The coordinator reads pages of
// its own storage with read_scan_page directly and asks other replicas with a ScanRequest
// (core/peer_message.h), which they answer with this same function.
//
// A page covers the keys of one bucket in one partition after a position, in storage order. It
// is bounded three ways (keys returned, bytes returned, storage entries examined), so a page is
// cheap however the keys are filtered, and it says how far it got: `last_key` is the last key
// examined, returned or not, and everything between the request's position and it was examined.
// A key is live when its object makes it exist at the reader's wall clock (core/datatypes:
// type_of is not none): keys holding only tombstones, and keys past their expiry, are never
// returned or counted.
// Thread-safety: pure functions over the engine given (called from the node's thread).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "core/version/versioned_object.h"
#include "storage/engine.h"

namespace ringkv::core {

// COUNT when the client gives none (as Redis), and the most one call returns: COUNT is a hint,
// a larger one is clamped.
inline constexpr std::uint32_t kScanCountDefault = 10;
inline constexpr std::uint32_t kScanCountMax = 1024;
// Bytes of keys one page (and one reply) returns at most; a first key longer than this is
// returned alone.
inline constexpr std::size_t kScanPageBytesMax = 32 * 1024;
// Storage entries one page examines at most (keys of the bucket, live or not, matching or not).
inline constexpr std::uint32_t kScanExaminedPerPageMax = 4096;
// The same for a page that only counts keys (DBSIZE): nothing is sent back per key.
inline constexpr std::uint32_t kScanCountExaminedPerPageMax = 16384;
// Partition pages one scan call reads at most before it answers (with fewer keys than COUNT,
// possibly none, and a cursor to go on from), so a call on a sparse key space stays short.
inline constexpr std::uint32_t kScanPagesPerCallMax = 64;
// MATCH patterns and TYPE names at most.
inline constexpr std::size_t kScanMatchMaxBytes = 4096;
inline constexpr std::size_t kScanTypeMaxBytes = 16;

// A page's answer (a ScanReply carries it to the coordinator) must fit the smallest frame a node
// accepts (value_max_bytes = 1): its keys, its last key, and per key a tag and a length.
static_assert(std::max(kScanPageBytesMax, limits::kKeyMaxBytes) + limits::kKeyMaxBytes +
                  std::size_t{kScanCountMax} * 4 + 4096 <=
              limits::frame_max_bytes(1));

// What a scan returns: a glob pattern (common/glob.h, Redis semantics; empty: every key) and a
// Redis type name (empty: every type).
struct ScanFilter {
  std::string match;
  std::string type;
  friend bool operator==(const ScanFilter&, const ScanFilter&) = default;
};

// Checks sizes and the type name; InvalidArgument names the fault.
Status validate_scan_filter(const ScanFilter& filter);
// The Redis type names TYPE accepts: string, list, set, zset, hash, stream. Only string, hash and
// set values exist (core/datatypes/data_types.h), so the others match nothing.
bool is_scan_type_name(std::string_view type);

struct ScanPage {
  std::vector<std::string> keys;  // Live keys passing the filter, ascending (not when counting).
  std::uint64_t count = 0;        // Counting: how many keys `keys` would have held.
  // False: examined up to `last_key` (a key of the bucket after the position) and stopped at a
  // bound. True: examined to the end of the bucket's keys in the partition.
  bool done = false;
  std::string last_key;
};

// Reads the page of `bucket`'s keys in `partition` after `after` (empty: from the first),
// returning at most `limit` keys (1 to kScanCountMax), or counting them when `count_only`;
// liveness, expiry and types are judged at `wall_ms` (unix ms, Node::wall_ms). A storage error,
// even after part of the range was visited, fails the page: a short page is never passed off as
// complete. An object that does not decode counts as live and of no type (a get of it reports
// the corruption).
Result<ScanPage> read_scan_page(storage::Engine& storage, std::uint32_t partition,
                                std::string_view bucket, std::string_view after,
                                std::uint32_t limit, const ScanFilter& filter, bool count_only,
                                std::uint64_t wall_ms);

}  // namespace ringkv::core
