// GetQuorum: the reply accounting of one get, as a pure value (riak_kv_get_core plays this role
// in Riak). It records at most one reply per replica asked, so duplicated replies never count
// twice, and says whether the read can answer:
//   met      : at least r replicas replied with their copy, pr of them home replicas;
//   hopeless : so many failed that r (or pr) replies can no longer come.
// The replicas asked are the key's home replicas, then, while a handoff is in progress, the
// previous owners (they still hold data; they count towards r but not towards pr).
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bucket.h"
#include "core/coordination/put_quorum.h"
#include "core/node_id.h"

namespace ringkv::core {

class GetQuorum {
 public:
  GetQuorum() = default;
  // `asked[0, home_count)` are home replicas. Precondition: distinct nodes.
  GetQuorum(Quorum quorum, std::vector<NodeId> asked, std::size_t home_count);

  // Records the reply of `node`; false (nothing changes) for a node not asked or already counted.
  bool record(const NodeId& node, bool replied);

  QuorumOutcome outcome() const;
  bool all_answered() const { return answered_.size() == asked_.size(); }
  bool is_home(const NodeId& node) const;
  std::uint32_t replies() const { return replies_; }
  std::uint32_t home_replies() const { return home_replies_; }
  const Quorum& quorum() const { return quorum_; }
  const std::vector<NodeId>& asked() const { return asked_; }
  // Replicas in the order they answered (failures included).
  const std::vector<NodeId>& answered_in_order() const { return answered_; }

 private:
  Quorum quorum_;
  std::vector<NodeId> asked_;
  std::size_t home_count_ = 0;
  std::vector<NodeId> answered_;
  std::uint32_t replies_ = 0;
  std::uint32_t home_replies_ = 0;
  std::uint32_t failures_ = 0;
  std::uint32_t home_failures_ = 0;
};

}  // namespace ringkv::core
