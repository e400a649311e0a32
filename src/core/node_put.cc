// Put coordination (Dynamo paper section 4.5) and the replica side of writes.
#include <algorithm>
#include <cassert>

#include "core/node.h"
#include "core/version/context.h"

namespace ringkv::core {

std::uint64_t Node::deadline_for(const ClientRequest& request, std::uint64_t now_ms) const {
  return now_ms + (request.timeout_ms != 0 ? request.timeout_ms : config_.request_timeout_ms);
}

void Node::forward_put(ClientRequest request, Origin origin, const std::vector<NodeId>& replicas,
                       std::uint64_t now_ms) {
  assert(!replicas.empty());
  // Prefer the replica that answered the client's read (read-your-writes), else the first.
  NodeId target = replicas.front();
  if (auto context = decode_context(request.context); context.is_ok()) {
    if (std::find(replicas.begin(), replicas.end(), context->coordinator_hint) != replicas.end()) {
      target = context->coordinator_hint;
    }
  }
  ++stats_.forwarded;
  const std::uint64_t forward_id = next_operation_id_++;
  const std::uint64_t deadline = deadline_for(request, now_ms);
  forwards_.emplace(forward_id, ForwardOperation{std::move(origin), target, deadline});
  effects_.push_back(SendEffect{target, ForwardRequest{forward_id, std::move(request)}});
  request_timer(deadline);
}

void Node::coordinate_put(const ClientRequest& request, Origin origin, const Quorum& quorum,
                          std::vector<NodeId> replicas, std::uint64_t now_ms) {
  auto context = decode_context(request.context);
  if (!context.is_ok()) {
    fail(origin, context.status());
    return;
  }
  auto object = read_local(request.bucket, request.key);
  if (!object.is_ok()) {
    fail(origin, object.status());
    return;
  }
  VersionVector read_clock = context->clock;
  // Redis-style overwrite: supersede every version this coordinator knows.
  if (request.supersede_known && request.context.empty()) read_clock = object->context();
  if (object->siblings_after_update(read_clock) > limits::kSiblingsMax) {
    fail(origin, Status::invalid_argument(
                     "key has " + std::to_string(object->siblings().size()) +
                     " siblings (limit " + std::to_string(limits::kSiblingsMax) +
                     "); read it and write with its context to reconcile"));
    return;
  }
  const bool is_delete = request.op == ClientOp::kDelete;
  object->update(read_clock, actor_id_, now_ms,
                 is_delete ? std::nullopt : std::optional<std::string>(request.value));
  // Keep this node's own entry: a pruned actor would restart its counter and reuse dots.
  object->prune(config_.clock_entries_max, {actor_id_});

  const std::uint64_t operation_id = next_operation_id_++;
  std::erase(replicas, config_.node_id);
  PutOperation put;
  put.origin = std::move(origin);
  put.bucket = request.bucket;
  put.key = request.key;
  put.object = object->encode();
  put.replicas = std::move(replicas);
  put.quorum = quorum;
  put.deadline_ms = deadline_for(request, now_ms);
  request_timer(put.deadline_ms);
  puts_.emplace(operation_id, std::move(put));
  persist_object(request.bucket, request.key, *object, PutLocalDone{operation_id});
}

void Node::on_put_local_done(std::uint64_t operation_id, const Status& status) {
  auto it = puts_.find(operation_id);
  if (it == puts_.end()) return;  // Timed out meanwhile.
  PutOperation& put = it->second;
  if (!status.is_ok()) {
    // The new version never became durable here, so it must not reach any other replica.
    if (!put.replied) fail(put.origin, status);
    puts_.erase(it);
    return;
  }
  ++put.acks;
  // Only now that our own dot is durable may other replicas see it.
  for (const NodeId& replica : put.replicas) {
    effects_.push_back(SendEffect{replica, ReplicaWrite{operation_id, put.bucket, put.key, put.object}});
  }
  settle_put(operation_id);
}

void Node::on_replica_write_ack(const NodeId& from, const ReplicaWriteAck& message) {
  auto it = puts_.find(message.operation_id);
  if (it == puts_.end()) return;  // Late: the operation is settled.
  PutOperation& put = it->second;
  if (std::find(put.replicas.begin(), put.replicas.end(), from) == put.replicas.end()) return;
  if (message.status.is_ok()) {
    ++put.acks;
  } else {
    ++put.failures;
    put.last_error = message.status;
  }
  settle_put(message.operation_id);
}

void Node::settle_put(std::uint64_t operation_id) {
  PutOperation& put = puts_.at(operation_id);
  const std::uint32_t total = static_cast<std::uint32_t>(put.replicas.size()) + 1;
  if (!put.replied && put.acks >= put.quorum.w) {
    put.replied = true;
    finish(put.origin, ClientReply{});
  } else if (!put.replied && total - put.failures < put.quorum.w) {
    put.replied = true;
    fail(put.origin, Status::unavailable("only " + std::to_string(put.acks) + " of the w=" +
                                         std::to_string(put.quorum.w) +
                                         " required replicas acknowledged the write; last error: " +
                                         put.last_error.to_string()));
  }
  if (put.acks + put.failures == total) puts_.erase(operation_id);
}

void Node::on_replica_write(const NodeId& from, const ReplicaWrite& message) {
  ++stats_.replica_writes;
  // Peer input is validated like client input: a bad object is refused, never stored.
  Status status;
  if (message.key.empty() || message.key.size() > limits::kKeyMaxBytes || message.bucket.empty() ||
      message.bucket.size() > limits::kBucketMaxBytes) {
    status = Status::invalid_argument("replica write with an invalid bucket or key");
  }
  Result<VersionedObject> incoming = status.is_ok() ? VersionedObject::decode(message.object)
                                                    : Result<VersionedObject>(status);
  Result<VersionedObject> local = incoming.is_ok() ? read_local(message.bucket, message.key)
                                                   : Result<VersionedObject>(incoming.status());
  if (!local.is_ok()) {
    if (message.operation_id != 0) {
      effects_.push_back(SendEffect{from, ReplicaWriteAck{message.operation_id, local.status()}});
    }
    return;
  }
  local->merge_from(*incoming);
  // Always persist, even when nothing changed: the local copy may not be durable yet, and the
  // acknowledgement promises durability.
  if (message.operation_id == 0) {
    persist_object(message.bucket, message.key, *local, NothingWaits{});
  } else {
    persist_object(message.bucket, message.key, *local, ReplicaWriteDone{from, message.operation_id});
  }
}

}  // namespace ringkv::core
