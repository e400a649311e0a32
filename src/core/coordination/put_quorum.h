// PutQuorum: the acknowledgement accounting of one put, as a pure value (riak_kv_put_core plays
// this role in Riak). It records at most one answer per target replica, so a duplicated message
// or a resent write can never make one replica count twice, and says whether the write's quorum
// is met, can no longer be met, or is still pending:
//   met      : at least w targets acknowledged the write durable, pw of them home replicas;
//   hopeless : so many targets failed that w (or pw) acknowledgements can no longer come.
// Targets are the coordinator itself (a home replica, or a stand-in when every home replica is
// down) and the other nodes the write was sent to: home replicas, or fallbacks holding a hint for
// one (sloppy quorum, Dynamo section 4.6), which count towards w but not towards pw.
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bucket.h"
#include "core/node_id.h"

namespace ringkv::core {

enum class QuorumOutcome : std::uint8_t { kPending, kMet, kHopeless };

class PutQuorum {
 public:
  struct Target {
    NodeId node;
    bool home = true;  // False: a fallback (or a stand-in coordinator).
  };

  PutQuorum() = default;
  // Precondition: the targets are distinct nodes.
  PutQuorum(Quorum quorum, std::vector<Target> targets);

  // Records the answer of `node`; returns false (and changes nothing) for a node that is not a
  // target or has answered already.
  bool record(const NodeId& node, bool durable);

  QuorumOutcome outcome() const;
  bool all_answered() const { return answered_ == targets_.size(); }
  bool answered(const NodeId& node) const;
  std::uint32_t acks() const { return acks_; }
  std::uint32_t home_acks() const { return home_acks_; }
  const Quorum& quorum() const { return quorum_; }
  const std::vector<Target>& targets() const { return targets_; }

 private:
  Quorum quorum_;
  std::vector<Target> targets_;
  std::vector<bool> answered_by_;  // Parallel to targets_.
  std::uint32_t answered_ = 0;
  std::uint32_t acks_ = 0;
  std::uint32_t home_acks_ = 0;
  std::uint32_t failures_ = 0;
  std::uint32_t home_failures_ = 0;
  std::uint32_t home_total_ = 0;
};

}  // namespace ringkv::core
