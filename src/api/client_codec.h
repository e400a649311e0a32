// Translation between the native protocol's client messages (proto/ringkv.proto: get, put,
// delete, scan and their responses) and the core's request and reply types (core/requests.h). The client
// library and the server share it; the server-only parts (the dispatch of incoming frames, peer
// messages) are in native_codec.h and peer_codec.h. Parsing validates everything the other side
// controls and returns a Status naming the fault; it never trusts a length or an enum.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "core/requests.h"
#include "proto/ringkv.pb.h"

namespace ringkv::api {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::string_view kDefaultBucket = "default";

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

}  // namespace ringkv::api
