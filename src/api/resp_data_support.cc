// What the data-type command families share; see resp_data_support.h.
#include "api/resp_data_support.h"

#include <cassert>

namespace ringkv::api::resp_data {

using core::ClientReply;
using core::DataOp;
using core::OpResult;
using core::ValueType;
using core::VersionedObject;

core::ClientRequest make_object_get(std::string_view bucket, std::string key) {
  core::ClientRequest request = make_get(bucket, std::move(key));
  request.with_object = true;
  return request;
}

Result<VersionedObject> object_of(const ClientReply& reply) {
  if (!reply.status.is_ok()) return reply.status;
  if (reply.object.empty()) return VersionedObject();
  return VersionedObject::decode(reply.object);
}

Result<OpResult> result_of(const ClientReply& reply) {
  if (!reply.status.is_ok()) return reply.status;
  return core::decode_op_result(reply.result);
}

void write_result(RespWriter& out, const OpResult& result) {
  switch (result.kind) {
    case OpResult::Kind::kOk:
      out.simple("OK");
      return;
    case OpResult::Kind::kInteger:
      out.integer(result.integer);
      return;
    case OpResult::Kind::kBulk:
      out.bulk(result.bulk);
      return;
    case OpResult::Kind::kNil:
      out.null();
      return;
  }
}

RespCommandPlan plan_update(const RespSession& session, std::string key, const DataOp& op,
                            std::function<void(RespWriter&, const OpResult&)> shape) {
  RespCommandPlan plan;
  plan.keys = {key};
  plan.writes = true;
  plan.first.requests.push_back(make_update(session.bucket, std::move(key), op));
  plan.first.then = [protocol = session.protocol,
                     shape = std::move(shape)](std::vector<ClientReply> replies) {
    assert(replies.size() == 1);
    auto result = result_of(replies[0]);
    if (!result.is_ok()) return error_step(resp_error_text(result.status()));
    RespWriter out(protocol);
    if (shape) {
      shape(out, *result);
    } else {
      write_result(out, *result);
    }
    return reply_step(std::move(out));
  };
  return plan;
}

RespCommandPlan plan_read(const RespSession& session, std::string key, ValueType want,
                          Answer answer) {
  RespCommandPlan plan;
  plan.keys = {key};
  plan.first.requests.push_back(make_object_get(session.bucket, std::move(key)));
  plan.first.then = [protocol = session.protocol, want,
                     answer = std::move(answer)](std::vector<ClientReply> replies) {
    assert(replies.size() == 1);
    auto object = object_of(replies[0]);
    if (!object.is_ok()) return error_step(resp_error_text(object.status()));
    const ValueType type = core::type_of(*object, replies[0].now_ms);
    if (want != ValueType::kNone && type != ValueType::kNone && type != want) {
      return error_step(resp_error_text(core::wrong_type_error()));
    }
    RespWriter out(protocol);
    answer(out, *object, replies[0].now_ms);
    return reply_step(std::move(out));
  };
  return plan;
}

RespStep first_error_or(const std::vector<ClientReply>& replies, RespStep otherwise) {
  for (const auto& reply : replies) {
    if (!reply.status.is_ok()) return error_step(resp_error_text(reply.status));
  }
  return otherwise;
}

bool valid_float(std::string_view text) {
  long double value = 0;
  return core::parse_long_double(text, value);
}

std::string invalid_float_increment(std::string_view text, std::string_view infinite) {
  return std::string(core::parses_as_infinity(text) ? infinite : "ERR value is not a valid float");
}

std::vector<std::string> rest(RespArgs& args, std::size_t from) {
  return std::vector<std::string>(std::make_move_iterator(args.begin() + static_cast<long>(from)),
                                  std::make_move_iterator(args.end()));
}

}  // namespace ringkv::api::resp_data
