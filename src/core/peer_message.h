// Messages between nodes. The core exchanges these values; the runtime encodes them as protobuf
// frames (api/peer_codec) and the simulator passes them as they are.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace ringkv::core {

using NodeId = std::string;

// Liveness probe; later issues build the failure detector on these and on replies.
struct Ping {
  std::uint64_t sequence = 0;
  std::uint64_t sent_at_ms = 0;  // Sender's clock, echoed back to measure round trips.
};
struct Pong {
  std::uint64_t sequence = 0;
  std::uint64_t echoed_sent_at_ms = 0;
};

using PeerMessage = std::variant<Ping, Pong>;

// A short, stable description for traces and logs ("ping seq=3").
std::string describe(const PeerMessage& message);

}  // namespace ringkv::core
