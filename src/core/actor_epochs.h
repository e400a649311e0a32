// ActorEpochs: which actor a home coordinator writes as, per partition.
//
// A dot (actor, n) must name one write forever. A coordinator takes n from its own copy of the
// key, so a node whose copy lost its own latest dots would name a new write like an old one, and
// every replica still holding the old one would drop the new one as already seen: an
// acknowledged write lost with no replica disagreeing. A node's copy loses its own dots only when
// the node erases keys: handing a partition off to its new owners (it may own the partition again
// after a later ring change, before anyone sends the data back) and reaping tombstones (other
// replicas may not have reaped theirs yet). So erasing a key of partition p retires the actor the
// node wrote p's keys as, in the same atomic batch as the erase: later writes to p use a new
// actor, derived from the node's actor and p's epoch, and no dot of it exists anywhere yet.
//
// An actor that wrote nothing since it became current is not retired again (a handoff erases
// many keys; only the first erase after a write costs a new actor, which costs each key written
// afterwards one more clock entry). Partitions never erased keep the node's own actor.
#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "common/status.h"
#include "core/version/version_vector.h"
#include "storage/engine.h"

namespace ringkv::core {

class ActorEpochs {
 public:
  // Loads the epochs stored in the meta namespace; `base` is the node's actor.
  Status load(storage::Engine& storage, ActorId base, std::uint32_t partition_count);
  // The actor a home coordinator of `partition` writes as (and notes that it wrote).
  ActorId actor_for(std::uint32_t partition);
  // The same, without noting a write.
  ActorId current(std::uint32_t partition) const;
  // Before `batch` erases keys of `partition`: retires its actor in the same batch if that
  // actor may have written since it became current.
  void retire(std::uint32_t partition, storage::WriteBatch& batch);
  std::uint64_t epoch(std::uint32_t partition) const;
  std::uint64_t retirements() const { return retirements_; }

 private:
  ActorId base_ = 0;
  std::map<std::uint32_t, std::uint64_t> epochs_;  // Absent: 0, the node's own actor.
  // Partitions whose current actor has written nothing in this run since it became current.
  // Empty at start: a restarted node cannot know, so the first erase retires.
  std::set<std::uint32_t> unused_;
  std::uint64_t retirements_ = 0;
};

}  // namespace ringkv::core
