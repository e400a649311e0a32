// The three messages of one scuttlebutt exchange (van Renesse et al., LADIS 2008, section 3), as
// plain values. The initiator A sends its digest; B answers with the records A lacks or holds
// older, plus a request naming what B lacks (B's own entries for those members); A answers the
// request with the records B asked for. Push-pull in three one-way messages, each carrying only
// what the other side does not have:
//
//   A --GossipDigest{A's digest}-------------------------------> B
//   A <--GossipDelta{B's newer records, B's request}------------ B
//   A --GossipDeltaAck{A's records newer than the request}-----> B
//
// The runtime frames the encoded bytes (encode_gossip) like any peer message; the simulator and the
// tests pass the values as they are.
// Thread-safety: plain values and stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "core/membership/membership_state.h"

namespace ringkv::core {

inline constexpr std::uint8_t kGossipFormatVersion = 1;

struct GossipDigest {
  Digest digest;
  friend bool operator==(const GossipDigest&, const GossipDigest&) = default;
};
struct GossipDelta {
  std::vector<MemberRecord> records;  // Sorted by id.
  Digest request;                     // The sender's entries for what it wants; may be empty.
  friend bool operator==(const GossipDelta&, const GossipDelta&) = default;
};
struct GossipDeltaAck {
  std::vector<MemberRecord> records;  // Sorted by id.
  friend bool operator==(const GossipDeltaAck&, const GossipDeltaAck&) = default;
};

using GossipMessage = std::variant<GossipDigest, GossipDelta, GossipDeltaAck>;

// A message the gossiper wants delivered to `to`.
struct OutgoingGossip {
  NodeId to;
  GossipMessage message;
};

std::string encode_gossip(const GossipMessage& message);
// Errors: kCorruption for bytes encode_gossip could not have produced, kUnsupported for another
// format version.
Result<GossipMessage> decode_gossip(std::string_view bytes);

// A short description for traces ("gossip-delta records=3 request=1").
std::string describe(const GossipMessage& message);

}  // namespace ringkv::core
