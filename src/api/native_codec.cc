// The server's dispatch of an incoming frame: a client request, an operator query or command, or
// a peer message.
#include "api/native_codec.h"

namespace ringkv::api {

Result<Incoming> parse_incoming(std::string_view payload, std::uint64_t* request_id) {
  *request_id = 0;
  wire::Request message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::corruption("malformed frame: " + std::to_string(payload.size()) +
                              " bytes that are not a ringkv Request message");
  }
  *request_id = message.request_id();
  if (message.protocol_version() != kProtocolVersion) {
    return Status::unsupported("protocol version " + std::to_string(message.protocol_version()) +
                               " is not supported; this node speaks version " +
                               std::to_string(kProtocolVersion));
  }
  if (message.has_cluster_info()) return Incoming(ClusterInfoQuery{message.request_id()});
  if (message.has_node_status()) return Incoming(NodeStatusQuery{message.request_id()});
  if (message.has_membership()) {
    const auto& membership = message.membership();
    MembershipCommand command;
    command.request_id = message.request_id();
    switch (membership.action_case()) {
      case wire::MembershipRequest::kJoin:
        command.action = MembershipCommand::Action::kJoin;
        command.weight = membership.join().weight();
        break;
      case wire::MembershipRequest::kLeave:
        command.action = MembershipCommand::Action::kLeave;
        break;
      case wire::MembershipRequest::kRemove:
        command.action = MembershipCommand::Action::kRemove;
        command.node = membership.remove().node();
        if (command.node.empty() || command.node.size() > 255) {
          return Status::invalid_argument("remove needs a node id of 1 to 255 bytes");
        }
        break;
      case wire::MembershipRequest::ACTION_NOT_SET:
        return Status::invalid_argument("membership request without an action");
    }
    return Incoming(std::move(command));
  }
  if (message.has_peer()) {
    auto delivery = peer_from_wire(message.peer());
    if (!delivery.is_ok()) return delivery.status();
    return Incoming(std::move(delivery).value());
  }
  auto request = request_from_wire(message);
  if (!request.is_ok()) return request.status();
  return Incoming(std::move(request).value());
}

}  // namespace ringkv::api
