#include "core/peer_message.h"

namespace ringkv::core {

std::string describe(const PeerMessage& message) {
  if (const auto* ping = std::get_if<Ping>(&message)) {
    return "ping seq=" + std::to_string(ping->sequence);
  }
  const auto& pong = std::get<Pong>(message);
  return "pong seq=" + std::to_string(pong.sequence);
}

}  // namespace ringkv::core
