// Client requests and replies <-> protobuf. Shared by the client library and the server.
#include "api/client_codec.h"

namespace ringkv::api {
namespace {

std::string bucket_or_default(const std::string& bucket) {
  return bucket.empty() ? std::string(kDefaultBucket) : bucket;
}

}  // namespace

void set_error(wire::Error& error, const Status& status) {
  error.set_code(static_cast<std::uint32_t>(status.code()));
  error.set_message(status.message());
}

Status status_from_wire(const wire::Error& error) {
  const std::uint32_t code = error.code();
  if (code == 0) return Status::ok();
  const auto status_code = code <= static_cast<std::uint32_t>(StatusCode::kInternal)
                               ? static_cast<StatusCode>(code)
                               : StatusCode::kInternal;
  return Status(status_code, error.message());
}

Result<core::ClientRequest> request_from_wire(const wire::Request& message) {
  core::ClientRequest request;
  request.request_id = message.request_id();
  request.r = message.options().r();
  request.w = message.options().w();
  request.timeout_ms = message.options().timeout_ms();
  request.supersede_known = message.options().supersede_known();
  request.pr = message.options().pr();
  request.pw = message.options().pw();
  request.local = message.options().local();
  request.with_object = message.options().with_object();
  switch (message.op_case()) {
    case wire::Request::kGet:
      request.op = core::ClientOp::kGet;
      request.bucket = bucket_or_default(message.get().bucket());
      request.key = message.get().key();
      return request;
    case wire::Request::kPut:
      request.op = core::ClientOp::kPut;
      request.bucket = bucket_or_default(message.put().bucket());
      request.key = message.put().key();
      request.context = message.put().context();
      request.value = message.put().value();
      return request;
    case wire::Request::kDelete:
      request.op = core::ClientOp::kDelete;
      request.bucket = bucket_or_default(message.delete_().bucket());
      request.key = message.delete_().key();
      request.context = message.delete_().context();
      return request;
    case wire::Request::kUpdate:
      request.op = core::ClientOp::kUpdate;
      request.bucket = bucket_or_default(message.update().bucket());
      request.key = message.update().key();
      request.value = message.update().op();
      return request;
    case wire::Request::kScan: {
      const auto& scan = message.scan();
      request.op = core::ClientOp::kScan;
      request.bucket = bucket_or_default(scan.bucket());
      request.scan.cursor = scan.cursor();
      request.scan.count = scan.count();
      request.scan.match = scan.match();
      request.scan.type = scan.type();
      request.scan.count_only = scan.count_only();
      return request;
    }
    default:
      return Status::unsupported("unknown message type: the request carries no operation this "
                                 "node knows (get, put, delete, scan, cluster_info, node_status, "
                                 "peer)");
  }
}

wire::Response error_response(std::uint64_t request_id, const Status& status) {
  wire::Response response;
  response.set_protocol_version(kProtocolVersion);
  response.set_request_id(request_id);
  set_error(*response.mutable_error(), status);
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
      get->set_object(reply.object);
      get->set_now_ms(reply.now_ms);
      get->set_result(reply.result);
      break;
    }
    case core::ClientOp::kUpdate:
      response.mutable_get()->set_result(reply.result);
      break;
    case core::ClientOp::kPut:
      response.mutable_put();
      break;
    case core::ClientOp::kDelete:
      response.mutable_delete_();
      break;
    case core::ClientOp::kScan: {
      auto* scan = response.mutable_scan();
      for (const auto& key : reply.scan.keys) scan->add_keys(key);
      scan->set_cursor(reply.scan.cursor);
      scan->set_count(reply.scan.count);
      break;
    }
  }
  return response;
}

wire::Request make_request(const core::ClientRequest& request) {
  wire::Request message;
  message.set_protocol_version(kProtocolVersion);
  message.set_request_id(request.request_id);
  if (request.r != 0 || request.w != 0 || request.timeout_ms != 0 || request.supersede_known ||
      request.pr != 0 || request.pw != 0 || request.local || request.with_object) {
    auto* options = message.mutable_options();
    options->set_local(request.local);
    options->set_with_object(request.with_object);
    options->set_pr(request.pr);
    options->set_pw(request.pw);
    options->set_r(request.r);
    options->set_w(request.w);
    options->set_timeout_ms(request.timeout_ms);
    options->set_supersede_known(request.supersede_known);
  }
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
    case core::ClientOp::kUpdate:
      message.mutable_update()->set_bucket(request.bucket);
      message.mutable_update()->set_key(request.key);
      message.mutable_update()->set_op(request.value);
      break;
    case core::ClientOp::kScan: {
      auto* scan = message.mutable_scan();
      scan->set_bucket(request.bucket);
      scan->set_cursor(request.scan.cursor);
      scan->set_count(request.scan.count);
      scan->set_match(request.scan.match);
      scan->set_type(request.scan.type);
      scan->set_count_only(request.scan.count_only);
      break;
    }
  }
  return message;
}

core::ClientReply reply_from_wire(const wire::Response& message) {
  core::ClientReply reply;
  reply.request_id = message.request_id();
  if (message.has_error()) {
    reply.status = status_from_wire(message.error());
    if (reply.status.is_ok()) reply.status = Status::internal("error response with code 0");
    return reply;
  }
  if (message.has_get()) {
    for (const auto& value : message.get().values()) reply.values.push_back(value);
    reply.context = message.get().context();
    reply.object = message.get().object();
    reply.now_ms = message.get().now_ms();
    reply.result = message.get().result();
  }
  if (message.has_scan()) {
    for (const auto& key : message.scan().keys()) reply.scan.keys.push_back(key);
    reply.scan.cursor = message.scan().cursor();
    reply.scan.count = message.scan().count();
  }
  return reply;
}

Result<core::ClientReply> parse_response(std::string_view payload) {
  wire::Response message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::corruption("malformed response frame of " + std::to_string(payload.size()) +
                              " bytes");
  }
  return reply_from_wire(message);
}

}  // namespace ringkv::api
