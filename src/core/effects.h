// Effects: what a Node asks its host to do. The core never acts itself; after every event the host
// takes the effects (Node::take_effects) and applies them in order:
//   1. PersistEffect: engine.write(batch) at once (the batch is visible to reads when write
//      returns), then feed Node::on_persisted(token, status) when it is durable per the sync
//      policy. The host applies every PersistEffect before it feeds the node another event, so
//      the node's reads always see its own writes.
//   2. SendEffect: hand the message to the transport (may be dropped; the core tolerates loss).
//   3. ReplyEffect: answer the client. The core emits a write's reply only after its
//      PersistEffect completed, so a reply is never ahead of durability.
//   4. TimerEffect: call Node::on_tick no later than `at_ms`.
#pragma once

#include <cstdint>
#include <variant>

#include "core/peer_message.h"
#include "core/requests.h"
#include "storage/engine.h"

namespace ringkv::core {

struct PersistEffect {
  std::uint64_t token = 0;
  storage::WriteBatch batch;
};
struct SendEffect {
  NodeId to;
  PeerMessage message;
};
struct ReplyEffect {
  ClientReply reply;
};
struct TimerEffect {
  std::uint64_t at_ms = 0;
};

using Effect = std::variant<PersistEffect, SendEffect, ReplyEffect, TimerEffect>;

}  // namespace ringkv::core
