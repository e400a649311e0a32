#include "core/actor_epochs.h"

#include <string>

#include "core/varint.h"
#include "storage/storage_key.h"

namespace ringkv::core {

namespace {

constexpr std::string_view kEpochPrefix = "actor_epoch:";

std::string epoch_key(std::uint32_t partition) {
  return std::string(kEpochPrefix) + storage::partition_prefix(partition);
}

// SplitMix64's finalizer: a bijection, so distinct inputs give distinct actors.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

ActorId derive(ActorId base, std::uint32_t partition, std::uint64_t epoch) {
  if (epoch == 0) return base;
  ActorId actor = mix(mix(base ^ (static_cast<std::uint64_t>(partition) << 40)) + epoch);
  // 0 is no actor and `base` the epoch-0 one; either is astronomically unlikely, never allowed.
  while (actor == 0 || actor == base) actor = mix(actor + 1);
  return actor;
}

}  // namespace

Status ActorEpochs::load(storage::Engine& storage, ActorId base, std::uint32_t partition_count) {
  base_ = base;
  epochs_.clear();
  unused_.clear();
  std::string end(kEpochPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  Status bad;
  Status status =
      storage.scan(storage::Namespace::kMeta, kEpochPrefix, end,
                   [&](std::string_view key, std::string_view value) {
                     key.remove_prefix(kEpochPrefix.size());
                     const auto partition = storage::partition_of_prefix(key);
                     if (!partition || key.size() != 4 || value.size() != 8) {
                       bad = Status::corruption("metadata actor epoch entry is malformed");
                       return false;
                     }
                     if (*partition >= partition_count) return true;  // Another ring size: ignored.
                     std::uint64_t epoch = 0;
                     for (char c : value) epoch = (epoch << 8) | static_cast<unsigned char>(c);
                     epochs_[*partition] = epoch;
                     return true;
                   });
  if (!status.is_ok()) return status;
  return bad;
}

ActorId ActorEpochs::current(std::uint32_t partition) const {
  return derive(base_, partition, epoch(partition));
}

ActorId ActorEpochs::actor_for(std::uint32_t partition) {
  unused_.erase(partition);
  return current(partition);
}

std::uint64_t ActorEpochs::epoch(std::uint32_t partition) const {
  auto it = epochs_.find(partition);
  return it == epochs_.end() ? 0 : it->second;
}

void ActorEpochs::retire(std::uint32_t partition, storage::WriteBatch& batch) {
  if (unused_.contains(partition)) return;
  const std::uint64_t next = epoch(partition) + 1;
  epochs_[partition] = next;
  batch.put(storage::Namespace::kMeta, epoch_key(partition), encode_fixed64(next));
  unused_.insert(partition);
  ++retirements_;
}

}  // namespace ringkv::core
