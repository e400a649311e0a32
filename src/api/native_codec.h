// The server's side of the native protocol: what an incoming frame is (a client request, a
// cluster or status query, an operator's membership command, or a peer message) and its parsing.
// The message codecs it builds on are client_codec.h (shared with the client library) and
// peer_codec.h. Parsing validates everything a peer or client controls and returns a Status
// naming the fault; it never trusts a length or an enum.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/client_codec.h"
#include "api/peer_codec.h"
#include "common/status.h"
#include "core/requests.h"

namespace ringkv::api {

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
// An operator's bucket properties command (BucketRequest), run by the receiving node.
struct BucketCommand {
  std::uint64_t request_id = 0;
  enum class Action { kSet, kGet, kList, kReset } action = Action::kGet;
  std::string bucket;  // All but list: 1 to limits::kBucketMaxBytes bytes.
  std::vector<std::pair<std::string, std::string>> properties;  // Set: (name, value), 1 to 16.
};
using Incoming = std::variant<core::ClientRequest, ClusterInfoQuery, NodeStatusQuery, PeerDelivery,
                              MembershipCommand, BucketCommand>;

// Parses one frame payload. Errors: Corruption (not a Request message or a malformed peer
// message), Unsupported (protocol version or message type unknown). The request id is kept even
// on error when the message parsed, so the error response can name it.
Result<Incoming> parse_incoming(std::string_view payload, std::uint64_t* request_id);

}  // namespace ringkv::api
