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
// An operator's membership command (join, leave, remove), run by the receiving node.
struct MembershipCommand {
  std::uint64_t request_id = 0;
  enum class Action { kJoin, kLeave, kRemove } action = Action::kJoin;
  std::uint32_t weight = 0;  // Join: 0 means the configured weight.
  std::string node;          // Remove: the member to remove.
};
// A one-way message from another node.
struct PeerDelivery {
  core::NodeId from;
  core::PeerMessage message;
  std::string from_address;  // The sender's HOST:PORT when it announced one (gossip).
};
using Incoming =
    std::variant<core::ClientRequest, ClusterInfoQuery, NodeStatusQuery, PeerDelivery,
                 MembershipCommand>;

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
// `from_address`: the sender's HOST:PORT, so that a node not yet in anyone's membership table can
// be answered; empty for static membership.
wire::Request make_peer_frame(const core::NodeId& from, const core::PeerMessage& message,
                              const std::string& from_address = {});
Result<PeerDelivery> peer_from_wire(const wire::PeerEnvelope& envelope);

}  // namespace ringkv::api
