// The server's dispatch of an incoming frame: a client request, an operator query or command, or
// a peer message.
#include "api/native_codec.h"

#include "common/limits.h"

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
  if (message.has_bucket()) {
    const auto& bucket = message.bucket();
    BucketCommand command;
    command.request_id = message.request_id();
    switch (bucket.action_case()) {
      case wire::BucketRequest::kSet:
        command.action = BucketCommand::Action::kSet;
        command.bucket = bucket.set().bucket();
        if (bucket.set().properties_size() == 0 || bucket.set().properties_size() > 16) {
          return Status::invalid_argument("bucket set needs 1 to 16 properties");
        }
        for (const auto& property : bucket.set().properties()) {
          if (property.name().size() > 64 || property.value().size() > 64) {
            return Status::invalid_argument(
                "bucket property names and values are at most 64 "
                "bytes");
          }
          command.properties.emplace_back(property.name(), property.value());
        }
        break;
      case wire::BucketRequest::kGet:
        command.action = BucketCommand::Action::kGet;
        command.bucket = bucket.get().bucket();
        break;
      case wire::BucketRequest::kReset:
        command.action = BucketCommand::Action::kReset;
        command.bucket = bucket.reset().bucket();
        break;
      case wire::BucketRequest::kList:
        command.action = BucketCommand::Action::kList;
        return Incoming(std::move(command));
      case wire::BucketRequest::ACTION_NOT_SET:
        return Status::invalid_argument("bucket request without an action");
    }
    if (command.bucket.empty() || command.bucket.size() > limits::kBucketMaxBytes) {
      return Status::invalid_argument("bucket names are 1 to " +
                                      std::to_string(limits::kBucketMaxBytes) + " bytes");
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
