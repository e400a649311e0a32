// Translation between native-protocol messages (proto/ringkv.proto) and the core's requests and
// replies. Parsing validates everything a peer or client controls and returns a Status naming the
// fault; it never trusts a length or an enum.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "core/requests.h"
#include "proto/ringkv.pb.h"

namespace ringkv::api {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::string_view kDefaultBucket = "default";

// Parses one frame payload into a core request. Errors: Corruption (not a Request message),
// Unsupported (protocol version or message type unknown). The request id is kept even on error
// when the message parsed, so the error response can name it.
Result<core::ClientRequest> parse_request(std::string_view payload, std::uint64_t* request_id);

// The response to a core reply for an operation `op`.
wire::Response to_response(const core::ClientReply& reply, core::ClientOp op);
wire::Response error_response(std::uint64_t request_id, const Status& status);

// Client side: builds requests and reads responses.
wire::Request make_request(const core::ClientRequest& request);
// Returns the reply carried by `payload`, or the error it carries (as a Status), or Corruption.
Result<core::ClientReply> parse_response(std::string_view payload);

}  // namespace ringkv::api
