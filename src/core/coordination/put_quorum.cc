#include "core/coordination/put_quorum.h"

#include <algorithm>

#include "common/invariant.h"

namespace ringkv::core {

PutQuorum::PutQuorum(Quorum quorum, std::vector<Target> targets)
    : quorum_(quorum), targets_(std::move(targets)), answered_by_(targets_.size(), false) {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    home_total_ += targets_[i].home ? 1 : 0;
    for (std::size_t j = 0; j < i; ++j) RINGKV_INVARIANT(targets_[i].node != targets_[j].node);
  }
}

bool PutQuorum::record(const NodeId& node, bool durable) {
  auto it = std::find_if(targets_.begin(), targets_.end(),
                         [&](const Target& target) { return target.node == node; });
  if (it == targets_.end()) return false;
  const auto index = static_cast<std::size_t>(it - targets_.begin());
  if (answered_by_[index]) return false;
  answered_by_[index] = true;
  ++answered_;
  if (durable) {
    ++acks_;
    home_acks_ += it->home ? 1 : 0;
  } else {
    ++failures_;
    home_failures_ += it->home ? 1 : 0;
  }
  RINGKV_INVARIANT(answered_ <= targets_.size());
  RINGKV_INVARIANT(acks_ + failures_ == answered_);
  return true;
}

bool PutQuorum::answered(const NodeId& node) const {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].node == node) return answered_by_[i];
  }
  return false;
}

QuorumOutcome PutQuorum::outcome() const {
  if (acks_ >= quorum_.w && home_acks_ >= quorum_.pw) return QuorumOutcome::kMet;
  const auto total = static_cast<std::uint32_t>(targets_.size());
  if (total - failures_ < quorum_.w || home_total_ - home_failures_ < quorum_.pw) {
    return QuorumOutcome::kHopeless;
  }
  return QuorumOutcome::kPending;
}

}  // namespace ringkv::core
