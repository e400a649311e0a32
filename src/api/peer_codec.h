// Node-to-node messages (core/peer_message.h) <-> protobuf: a PeerEnvelope inside a Request
// frame. Server only: the client library never links it.
#pragma once

#include <string>

#include "api/client_codec.h"
#include "common/status.h"
#include "core/node_id.h"
#include "core/peer_message.h"
#include "proto/ringkv.pb.h"

namespace ringkv::api {

// A one-way message from another node.
struct PeerDelivery {
  core::NodeId from;
  core::PeerMessage message;
  std::string from_address;  // The sender's HOST:PORT when it announced one (gossip).
};

// `from_address`: the sender's HOST:PORT, so that a node not yet in anyone's membership table can
// be answered; empty for static membership.
wire::Request make_peer_frame(const core::NodeId& from, const core::PeerMessage& message,
                              const std::string& from_address = {});
Result<PeerDelivery> peer_from_wire(const wire::PeerEnvelope& envelope);

}  // namespace ringkv::api
