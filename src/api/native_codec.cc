#include "api/native_codec.h"

namespace ringkv::api {
namespace {

std::string bucket_or_default(const std::string& bucket) {
  return bucket.empty() ? std::string(kDefaultBucket) : bucket;
}

}  // namespace

Result<core::ClientRequest> parse_request(std::string_view payload, std::uint64_t* request_id) {
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
  core::ClientRequest request;
  request.request_id = message.request_id();
  switch (message.op_case()) {
    case wire::Request::kGet:
      request.op = core::ClientOp::kGet;
      request.bucket = bucket_or_default(message.get().bucket());
      request.key = message.get().key();
      break;
    case wire::Request::kPut:
      request.op = core::ClientOp::kPut;
      request.bucket = bucket_or_default(message.put().bucket());
      request.key = message.put().key();
      request.context = message.put().context();
      request.value = message.put().value();
      break;
    case wire::Request::kDelete:
      request.op = core::ClientOp::kDelete;
      request.bucket = bucket_or_default(message.delete_().bucket());
      request.key = message.delete_().key();
      request.context = message.delete_().context();
      break;
    case wire::Request::OP_NOT_SET:
      return Status::unsupported("unknown message type: the request carries no operation this "
                                 "node knows (get, put, delete)");
  }
  return request;
}

wire::Response error_response(std::uint64_t request_id, const Status& status) {
  wire::Response response;
  response.set_protocol_version(kProtocolVersion);
  response.set_request_id(request_id);
  response.mutable_error()->set_code(static_cast<std::uint32_t>(status.code()));
  response.mutable_error()->set_message(status.message());
  return response;
}

wire::Response to_response(const core::ClientReply& reply, core::ClientOp op) {
  if (!reply.status.is_ok()) return error_response(reply.request_id, reply.status);
  wire::Response response;
  response.set_protocol_version(kProtocolVersion);
  response.set_request_id(reply.request_id);
  switch (op) {
    case core::ClientOp::kGet: {
      auto* get = response.mutable_get();
      for (const auto& value : reply.values) get->add_values(value);
      get->set_context(reply.context);
      break;
    }
    case core::ClientOp::kPut:
      response.mutable_put();
      break;
    case core::ClientOp::kDelete:
      response.mutable_delete_();
      break;
  }
  return response;
}

wire::Request make_request(const core::ClientRequest& request) {
  wire::Request message;
  message.set_protocol_version(kProtocolVersion);
  message.set_request_id(request.request_id);
  switch (request.op) {
    case core::ClientOp::kGet:
      message.mutable_get()->set_bucket(request.bucket);
      message.mutable_get()->set_key(request.key);
      break;
    case core::ClientOp::kPut:
      message.mutable_put()->set_bucket(request.bucket);
      message.mutable_put()->set_key(request.key);
      message.mutable_put()->set_context(request.context);
      message.mutable_put()->set_value(request.value);
      break;
    case core::ClientOp::kDelete:
      message.mutable_delete_()->set_bucket(request.bucket);
      message.mutable_delete_()->set_key(request.key);
      message.mutable_delete_()->set_context(request.context);
      break;
  }
  return message;
}

Result<core::ClientReply> parse_response(std::string_view payload) {
  wire::Response message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::corruption("malformed response frame of " + std::to_string(payload.size()) +
                              " bytes");
  }
  core::ClientReply reply;
  reply.request_id = message.request_id();
  if (message.has_error()) {
    const std::uint32_t code = message.error().code();
    const auto status_code = code >= 1 && code <= static_cast<std::uint32_t>(StatusCode::kInternal)
                                 ? static_cast<StatusCode>(code)
                                 : StatusCode::kInternal;
    reply.status = Status(status_code, message.error().message());
    return reply;
  }
  if (message.has_get()) {
    for (const auto& value : message.get().values()) reply.values.push_back(value);
    reply.context = message.get().context();
  }
  return reply;
}

}  // namespace ringkv::api
