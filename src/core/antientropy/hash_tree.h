// HashTree: the Merkle tree anti-entropy compares for one partition replica (docs/ARCHITECTURE.md,
// "Anti-entropy"; Dynamo paper section 4.7). Leaves are buckets of keys chosen by a hash of the
// storage key; each key contributes the 64-bit hash of (key, stored object) to its leaf, and every
// node's hash is the XOR of its children's, so the root summarizes every (key, version) the replica
// holds.
//
// XOR aggregation is what keeps the write path cheap: replacing one key's object changes each
// ancestor by the same delta (old entry hash XOR new entry hash), so an update costs one step per
// level, O(depth), with no rescan and no rehashing of siblings. (A tree of cryptographic hashes of
// children, as in Riak's hashtree, would need the children at every level; replicas are not
// adversaries, so 64-bit XXH3 entry hashes are enough to tell equal sets from different ones.)
//
// Shape: `fanout` children per node and `depth` levels below the root: fanout^depth leaves. Level 0
// is the root (index 0); the children of node i at level l are fanout*i .. fanout*i+fanout-1 at
// level l+1.
// Thread-safety: none; a plain value owned by one node.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ringkv::core {

// The contribution of one stored (key, object) to its leaf; never 0, so 0 can mean "absent".
std::uint64_t entry_hash(std::string_view storage_key, std::string_view object);

class HashTree {
 public:
  // Preconditions: fanout a power of two in [2, 256], depth >= 1, fanout^depth <= 2^24.
  HashTree(std::uint32_t fanout, std::uint32_t depth);

  std::uint32_t fanout() const { return fanout_; }
  std::uint32_t depth() const { return depth_; }  // The leaf level.
  std::uint32_t leaf_count() const { return static_cast<std::uint32_t>(levels_.back().size()); }
  std::uint32_t leaf_of(std::string_view storage_key) const;

  // A key's entry changed from `old_entry` to `new_entry` (0: absent).
  void update(std::string_view storage_key, std::uint64_t old_entry, std::uint64_t new_entry);
  void clear();

  std::uint64_t root() const { return levels_[0][0]; }
  // Precondition: level <= depth(), index < nodes at that level.
  std::uint64_t hash(std::uint32_t level, std::uint32_t index) const {
    return levels_[level][index];
  }
  std::uint32_t nodes_at(std::uint32_t level) const {
    return static_cast<std::uint32_t>(levels_[level].size());
  }
  friend bool operator==(const HashTree&, const HashTree&) = default;

 private:
  std::uint32_t fanout_;
  std::uint32_t fanout_bits_;
  std::uint32_t depth_;
  std::vector<std::vector<std::uint64_t>> levels_;
};

}  // namespace ringkv::core
