// Translation between native-protocol messages (proto/ringkv.proto) and the core's requests,
// replies and peer messages. Parsing validates everything a peer or client controls and returns a
// Status naming the fault; it never trusts a length or an enum.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "core/peer_message.h"
#include "core/requests.h"
#include "proto/ringkv.pb.h"

namespace ringkv::api {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::string_view kDefaultBucket = "default";

// A request for the cluster's membership and ring (partition-aware clients).
struct ClusterInfoQuery {
  std::uint64_t request_id = 0;
};
// A request for the node's own status (`ringkv status`).
struct NodeStatusQuery {
  std::uint64_t request_id = 0;
};
// A one-way message from another node.
struct PeerDelivery {
  core::NodeId from;
  core::PeerMessage message;
};
using Incoming =
    std::variant<core::ClientRequest, ClusterInfoQuery, NodeStatusQuery, PeerDelivery>;

// Parses one frame payload. Errors: Corruption (not a Request message or a malformed peer
// message), Unsupported (protocol version or message type unknown). The request id is kept even
// on error when the message parsed, so the error response can name it.
Result<Incoming> parse_incoming(std::string_view payload, std::uint64_t* request_id);

// Client request <-> wire (also used inside forwarded requests).
wire::Request make_request(const core::ClientRequest& request);
Result<core::ClientRequest> request_from_wire(const wire::Request& message);

// The response to a core reply for an operation `op`.
wire::Response to_response(const core::ClientReply& reply, core::ClientOp op);
wire::Response error_response(std::uint64_t request_id, const Status& status);
void set_error(wire::Error& error, const Status& status);
Status status_from_wire(const wire::Error& error);
core::ClientReply reply_from_wire(const wire::Response& message);

// Returns the reply carried by `payload`, or Corruption when it does not parse.
Result<core::ClientReply> parse_response(std::string_view payload);

// Peer messages.
wire::Request make_peer_frame(const core::NodeId& from, const core::PeerMessage& message);
Result<PeerDelivery> peer_from_wire(const wire::PeerEnvelope& envelope);

}  // namespace ringkv::api
