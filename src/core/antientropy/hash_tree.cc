#include "core/antientropy/hash_tree.h"

#include <bit>

#include "common/invariant.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace ringkv::core {

std::uint64_t entry_hash(std::string_view storage_key, std::string_view object) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  const std::uint64_t key_size = storage_key.size();
  XXH3_64bits_update(&state, &key_size, sizeof key_size);
  XXH3_64bits_update(&state, storage_key.data(), storage_key.size());
  XXH3_64bits_update(&state, object.data(), object.size());
  const std::uint64_t hash = XXH3_64bits_digest(&state);
  return hash == 0 ? 1 : hash;
}

HashTree::HashTree(std::uint32_t fanout, std::uint32_t depth)
    : fanout_(fanout), fanout_bits_(static_cast<std::uint32_t>(std::countr_zero(fanout))),
      depth_(depth) {
  RINGKV_INVARIANT(std::has_single_bit(fanout) && fanout >= 2 && fanout <= 256);
  RINGKV_INVARIANT(depth >= 1 && fanout_bits_ * depth <= 24);
  std::size_t nodes = 1;
  for (std::uint32_t level = 0; level <= depth; ++level) {
    levels_.emplace_back(nodes, 0);
    nodes *= fanout;
  }
}

std::uint32_t HashTree::leaf_of(std::string_view storage_key) const {
  // A different hash from entry_hash's (seeded), so a leaf's keys are not correlated with it.
  const std::uint64_t hash = XXH3_64bits_withSeed(storage_key.data(), storage_key.size(), 0x5eed);
  return static_cast<std::uint32_t>(hash >> (64 - fanout_bits_ * depth_));
}

void HashTree::update(std::string_view storage_key, std::uint64_t old_entry,
                      std::uint64_t new_entry) {
  const std::uint64_t delta = old_entry ^ new_entry;
  if (delta == 0) return;
  std::uint32_t index = leaf_of(storage_key);
  for (std::uint32_t level = depth_ + 1; level-- > 0;) {
    levels_[level][index] ^= delta;
    index >>= fanout_bits_;
  }
}

void HashTree::clear() {
  for (auto& level : levels_) std::fill(level.begin(), level.end(), 0);
}

}  // namespace ringkv::core
