// Bucket properties as cluster metadata (docs/ARCHITECTURE.md, "Bucket properties"): every node
// holds the same table of named buckets, each entry versioned; the newest version of an entry
// wins wherever two tables meet (a last-writer-wins register per bucket, ordered by
// (version, set_by)), so tables merged in any order, any number of times, agree.
//
// A version is the setter's wall clock in milliseconds, raised above the entry it replaces, so a
// later change through any node wins over an earlier one even when clocks are a little apart. A
// reset is an entry too (`reset`: the bucket uses the node defaults again), so it wins over the
// older properties it replaces instead of being undone by the next merge.
//
// Nodes compare tables by digest (carried on every pong) and send the whole table when the
// digests differ: tables are small (kBucketEntriesMax entries of a few dozen bytes).
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/bucket.h"
#include "core/node_id.h"

namespace ringkv::core {

inline constexpr std::uint8_t kBucketEntryFormatVersion = 1;
// Named buckets with their own properties, at most (a table always fits one peer message).
inline constexpr std::size_t kBucketEntriesMax = 4096;

struct BucketEntry {
  std::string name;
  BucketProperties properties;
  std::uint64_t version = 0;
  NodeId set_by;
  bool reset = false;  // The bucket uses the node defaults again.

  // Whether this entry wins over `other` for the same bucket: the greater (version, set_by),
  // then the greater encoding (a total order: merges agree whatever their order).
  bool newer_than(const BucketEntry& other) const;
  friend bool operator==(const BucketEntry&, const BucketEntry&) = default;
};

class BucketRegistry {
 public:
  // The bucket's own properties, or nullptr (never set, or reset).
  const BucketProperties* find(std::string_view name) const;
  const BucketEntry* entry(std::string_view name) const;
  // Every entry, resets included, sorted by name.
  std::vector<BucketEntry> entries() const;
  std::size_t size() const { return entries_.size(); }

  // Takes `entry` if it is newer than what is held (or new); returns whether it did. An entry
  // that would exceed kBucketEntriesMax is refused (false).
  bool merge(const BucketEntry& entry);
  // A new version of `name` set by `by` at `now_ms`: above any version held for it.
  BucketEntry next_entry(const std::string& name, const NodeId& by, std::uint64_t now_ms) const;

  // Order-independent digest of the table (0 when empty).
  std::uint64_t digest() const { return digest_; }

 private:
  std::map<std::string, BucketEntry, std::less<>> entries_;
  std::uint64_t digest_ = 0;
};

// Names: 1 to limits::kBucketMaxBytes bytes. Properties must validate.
Status validate_bucket_entry(const BucketEntry& entry);

std::string encode_bucket_entry(const BucketEntry& entry);
// Errors: kCorruption for bytes encode_bucket_entry could not have produced, kUnsupported for a
// newer format; the entry is validated.
Result<BucketEntry> decode_bucket_entry(std::string_view bytes);

void encode_bucket_entries(std::string& out, const std::vector<BucketEntry>& entries);
[[nodiscard]] bool decode_bucket_entries(std::string_view& in, std::vector<BucketEntry>& entries);

}  // namespace ringkv::core
