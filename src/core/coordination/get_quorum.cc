#include "core/coordination/get_quorum.h"

#include <algorithm>

#include "common/invariant.h"

namespace ringkv::core {

GetQuorum::GetQuorum(Quorum quorum, std::vector<NodeId> asked, std::size_t home_count)
    : quorum_(quorum), asked_(std::move(asked)), home_count_(home_count) {
  RINGKV_INVARIANT(home_count_ <= asked_.size());
  for (std::size_t i = 0; i < asked_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) RINGKV_INVARIANT(asked_[i] != asked_[j]);
  }
}

bool GetQuorum::is_home(const NodeId& node) const {
  const auto home_end = asked_.begin() + static_cast<std::ptrdiff_t>(home_count_);
  return std::find(asked_.begin(), home_end, node) != home_end;
}

bool GetQuorum::record(const NodeId& node, bool replied) {
  if (std::find(asked_.begin(), asked_.end(), node) == asked_.end()) return false;
  if (std::find(answered_.begin(), answered_.end(), node) != answered_.end()) return false;
  answered_.push_back(node);
  const bool home = is_home(node);
  if (replied) {
    ++replies_;
    home_replies_ += home ? 1 : 0;
  } else {
    ++failures_;
    home_failures_ += home ? 1 : 0;
  }
  RINGKV_INVARIANT(answered_.size() <= asked_.size());
  return true;
}

QuorumOutcome GetQuorum::outcome() const {
  if (replies_ >= quorum_.r && home_replies_ >= quorum_.pr) return QuorumOutcome::kMet;
  const auto total = static_cast<std::uint32_t>(asked_.size());
  const auto home_total = static_cast<std::uint32_t>(home_count_);
  if (total - failures_ < quorum_.r || home_total - home_failures_ < quorum_.pr) {
    return QuorumOutcome::kHopeless;
  }
  return QuorumOutcome::kPending;
}

}  // namespace ringkv::core
