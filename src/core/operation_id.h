// Operation ids: every request, delivery and stream a node starts is named by an id that peers
// echo in their answers. The low three bits say which component started it, so an answer goes
// straight to its owner (a put's coordinator, the hint store, the ownership transfer) instead of
// being offered to each in turn. Ids start at a random base at every start (see Node::start), so
// a peer never mistakes an id from before a restart for a new one. 0 is never an id: a message
// with operation id 0 wants no answer (read repair).
// Thread-safety: a plain value.
#pragma once

#include <cstdint>

namespace ringkv::core {

enum class OperationOwner : std::uint8_t {
  kNone = 0,  // Never allocated.
  kPut = 1,
  kGet = 2,
  kForward = 3,
  kHintDelivery = 4,
  kTransfer = 5,
  kRebuild = 6,
  kExchange = 7,
};

class OperationIds {
 public:
  // The first id after `base` (any value; the top bits are dropped).
  void reset(std::uint64_t base) { sequence_ = (base >> kOwnerBits) | 1; }
  std::uint64_t next(OperationOwner owner) {
    return (sequence_++ << kOwnerBits) | static_cast<std::uint64_t>(owner);
  }
  static OperationOwner owner_of(std::uint64_t id) {
    return static_cast<OperationOwner>(id & ((1u << kOwnerBits) - 1));
  }

 private:
  static constexpr int kOwnerBits = 3;
  std::uint64_t sequence_ = 1;
};

}  // namespace ringkv::core
