// Put coordination (Dynamo paper section 4.5) and the replica side of writes.
#include <algorithm>
#include <cassert>

#include "common/invariant.h"
#include "core/key_position.h"
#include "core/node.h"
#include "core/version/context.h"

namespace ringkv::core {

std::uint64_t Node::timeout_of(const ClientRequest& request) const {
  return request.timeout_ms != 0 ? request.timeout_ms : config_.request_timeout_ms;
}

std::vector<NodeId> Node::identified_seeds() const {
  std::vector<NodeId> seeds;
  if (!gossiper_) return seeds;
  for (const NodeId& seed : gossiper_->seeds()) {
    if (!is_seed_placeholder(seed)) seeds.push_back(seed);
  }
  return seeds;
}

std::vector<NodeId> Node::forward_candidates(const ClientRequest& request) const {
  if (!ring_) return identified_seeds();
  auto home = home_replicas(request.bucket, request.key, bucket_properties(request.bucket).n);
  std::erase(home, config_.node_id);
  return home;
}

void Node::forward(ClientRequest request, Origin origin, const std::vector<NodeId>& candidates,
                   std::uint64_t now_ms, std::uint32_t hops) {
  assert(!candidates.empty());
  // Never straight back to the node that forwarded it here (a node without a ring yet is still
  // in the ring as a home replica): the request would only bounce until its hops run out.
  const auto* forwarded = std::get_if<ForwardOrigin>(&origin);
  std::vector<NodeId> others = candidates;
  if (forwarded != nullptr) std::erase(others, forwarded->from);
  const std::vector<NodeId>& choices = others.empty() ? candidates : others;
  // Prefer the replica that answered the client's read (read-your-writes), else the first one
  // this node believes is up.
  NodeId target = choices.front();
  for (const NodeId& candidate : choices) {
    if (believes_alive(candidate)) {
      target = candidate;
      break;
    }
  }
  if (auto context = decode_context(request.context); context.is_ok()) {
    const auto& hint = context->coordinator_hint;
    if (std::find(choices.begin(), choices.end(), hint) != choices.end() && believes_alive(hint)) {
      target = hint;
    }
  }
  ++stats_.forwarded;
  const std::uint64_t forward_id = operation_ids_.next(OperationOwner::kForward);
  ForwardOperation operation;
  operation.origin = std::move(origin);
  operation.hops = hops;
  operation.timeout_ms = timeout_of(request);
  operation.deadline_ms = now_ms + operation.timeout_ms;
  operation.request = std::move(request);
  operation.target = target;
  operation.tried = {target};
  operation.retry_ms = now_ms + config_.forward_retry_ms;
  effects_.push_back(SendEffect{target, ForwardRequest{forward_id, operation.request, hops}});
  request_timer(std::min(operation.retry_ms, operation.deadline_ms));
  request_timer(operation.deadline_ms);
  forwards_.emplace(forward_id, std::move(operation));
}

bool Node::forward_again(ForwardOperation& forward, std::uint64_t forward_id) {
  // An increment the first target may have applied must not be applied by a second one; the
  // client gets the timeout and decides (as after any lost reply).
  if (forward.request.op == ClientOp::kUpdate) {
    auto op = decode_data_op(forward.request.value);
    if (!op.is_ok() || !op->idempotent()) return false;
  }
  const std::vector<NodeId> candidates = forward_candidates(forward.request);
  const auto* forwarded = std::get_if<ForwardOrigin>(&forward.origin);
  NodeId next;
  for (const NodeId& candidate : candidates) {
    if (std::find(forward.tried.begin(), forward.tried.end(), candidate) != forward.tried.end() ||
        (forwarded != nullptr && forwarded->from == candidate)) {
      continue;
    }
    if (next.empty() || (!believes_alive(next) && believes_alive(candidate))) next = candidate;
  }
  if (next.empty()) return false;
  ++stats_.forwards_retried;
  forward.target = next;
  forward.tried.push_back(next);
  forward.retry_ms = now_ms_ + config_.forward_retry_ms;
  effects_.push_back(SendEffect{next, ForwardRequest{forward_id, forward.request, forward.hops}});
  request_timer(std::min(forward.retry_ms, forward.deadline_ms));
  return true;
}

void Node::on_peer_unreachable(const NodeId& peer, std::uint64_t now_ms) {
  assert(started_);
  now_ms_ = now_ms;
  if (peer == config_.node_id || !unreachable_.insert(peer).second) return;
  ++stats_.peers_unreachable;
  for (auto& [id, forward] : forwards_) {
    if (forward.target == peer) forward_again(forward, id);
  }
  // Requests waiting for its answer count it as failed; each may now be settled.
  const Status refused = Status::unavailable("connection to " + peer + " refused or reset");
  std::vector<std::uint64_t> puts;
  for (auto& [id, put] : puts_) {
    // Before the local write is durable nothing was sent to the peer yet.
    if (put.answers.answered(config_.node_id) && put.answers.record(peer, false)) {
      put.last_error = refused;
      puts.push_back(id);
    }
  }
  for (std::uint64_t id : puts) settle_put(id);
  std::vector<std::uint64_t> gets;
  for (const auto& [id, get] : gets_) {
    const auto& asked = get.answers.asked();
    if (std::find(asked.begin(), asked.end(), peer) != asked.end()) gets.push_back(id);
  }
  for (std::uint64_t id : gets) {
    if (gets_.contains(id)) record_read(id, peer, refused);
  }
  scan_peer_unreachable(peer);
}

std::vector<Node::ReplicaTarget> Node::write_targets(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::vector<NodeId>& home) const {
  std::vector<ReplicaTarget> targets;
  // Fallbacks: the rest of the preference list, in order, that this node believes are up.
  std::vector<NodeId> fallbacks;
  if (config_.hinted_handoff) {
    const std::uint32_t partition =
        partition_of(key_position(bucket, key), config_.partition_count);
    const auto all = ring_->preference_list(partition, ring_->weights().size());
    for (std::size_t i = home.size(); i < all.size(); ++i) {
      // A stand-in coordinator already holds the write; it is nobody's fallback but its own.
      if (all[i] != config_.node_id && believes_alive(all[i])) fallbacks.push_back(all[i]);
    }
  }
  std::size_t next_fallback = 0;
  for (const NodeId& replica : home) {
    if (replica == config_.node_id) continue;
    if (believes_alive(replica) || next_fallback == fallbacks.size()) {
      // Up, or nobody to stand in for it: try it anyway, it may be back.
      targets.push_back(ReplicaTarget{replica, {}});
    } else {
      targets.push_back(ReplicaTarget{fallbacks[next_fallback++], replica});
    }
  }
  return targets;
}

void Node::coordinate_put(const ClientRequest& request, Origin origin, const Quorum& quorum,
                          std::vector<NodeId> replicas, std::uint64_t now_ms, bool home) {
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
  const bool is_update = request.op == ClientOp::kUpdate;
  const std::uint32_t bucket_siblings_max = bucket_properties(request.bucket).siblings_max;
  const std::size_t siblings_max =
      bucket_siblings_max != 0 ? bucket_siblings_max : limits::kSiblingsMax;
  if (!is_update && object->siblings_after_update(read_clock) > siblings_max) {
    fail(origin,
         Status::invalid_argument(
             "key has " + std::to_string(object->siblings().size()) + " siblings (limit " +
             std::to_string(siblings_max) +
             (bucket_siblings_max != 0 ? ", siblings_max of bucket " + request.bucket : "") +
             "); read it and write with its context to reconcile"));
    return;
  }
  const bool is_delete = request.op == ClientOp::kDelete;
  const std::uint32_t partition =
      partition_of(key_position(request.bucket, request.key), config_.partition_count);
  ActorId actor = home ? actor_epochs_.actor_for(partition) : actor_id_;
  if (!home) {
    // A stand-in may hold no copy, or an old one: counter(actor_id_) + 1 could be a dot the home
    // replicas already have, and the write would vanish as "already seen". A fresh actor cannot
    // collide (64 random bits); it costs one clock entry, which pruning may later drop.
    do {
      actor = random_.next_u64();
    } while (actor == 0 || actor == actor_id_);
  }
  std::string result;
  if (is_update) {
    Result<DataOp> op = decode_data_op(request.value);  // validate_request decoded it already.
    if (!op.is_ok()) {
      fail(origin, op.status());
      return;
    }
    Result<Applied> applied = apply_data_op(*object, *op, actor, wall_ms());
    if (!applied.is_ok()) {
      fail(origin, applied.status());
      return;
    }
    result = encode_op_result(applied->result);
    if (!applied->changed) {
      // Nothing to write (SET NX on an existing key, SREM of absent members, ...).
      ClientReply reply;
      reply.result = std::move(result);
      finish(origin, std::move(reply));
      return;
    }
  } else {
    object->update(read_clock, actor, wall_ms(),
                   is_delete ? std::nullopt : std::optional<std::string>(request.value));
  }
  apply_conflict_policy(request.bucket, *object);
  // Keep the writing actor's entry: a pruned actor would restart its counter and reuse dots.
  object->prune(config_.clock_entries_max, {actor});

  const std::uint64_t operation_id = operation_ids_.next(OperationOwner::kPut);
  PutOperation put;
  put.origin = std::move(origin);
  put.bucket = request.bucket;
  put.key = request.key;
  put.object = object->encode();
  put.result = std::move(result);
  // A collection grows by many small writes, each under the value limit: the whole object must
  // still fit one (every replica write carries it).
  if (is_update && put.object.size() > config_.value_max_bytes + limits::kContextMaxBytes) {
    fail(put.origin,
         Status::too_large("the key's object would take " + std::to_string(put.object.size()) +
                           " bytes encoded, more than the value limit value_max_bytes (" +
                           std::to_string(config_.value_max_bytes) + ") allows"));
    return;
  }
  put.replicas = write_targets(request.bucket, request.key, replicas);
  std::vector<PutQuorum::Target> targets{{config_.node_id, home}};
  for (const ReplicaTarget& target : put.replicas) {
    targets.push_back({target.node, target.hint_for.empty()});
  }
  put.answers = PutQuorum(quorum, std::move(targets));
  put.deadline_ms = now_ms + timeout_of(request);
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
  const bool first_answer = put.answers.record(config_.node_id, true);
  RINGKV_INVARIANT(first_answer);
  // Only now that our own dot is durable may other replicas see it.
  for (const ReplicaTarget& target : put.replicas) {
    effects_.push_back(SendEffect{
        target.node, ReplicaWrite{operation_id, put.bucket, put.key, put.object, target.hint_for}});
  }
  settle_put(operation_id);
}

void Node::on_replica_write_ack(const NodeId& from, const ReplicaWriteAck& message) {
  switch (OperationIds::owner_of(message.operation_id)) {
    case OperationOwner::kHintDelivery:
      hints_.on_ack(context_, from, message);
      return;
    case OperationOwner::kTransfer:
    case OperationOwner::kRebuild:
      transfer_.on_ack(context_, from, message);
      return;
    case OperationOwner::kPut:
      break;
    default:
      return;  // Nobody here sends writes under such an id.
  }
  auto it = puts_.find(message.operation_id);
  if (it == puts_.end()) return;  // Late: the operation is settled.
  PutOperation& put = it->second;
  // One answer per target: a duplicated or resent write acknowledged twice counts once.
  if (!put.answers.record(from, message.status.is_ok())) return;
  if (!message.status.is_ok()) put.last_error = message.status;
  settle_put(message.operation_id);
}

void Node::settle_put(std::uint64_t operation_id) {
  PutOperation& put = puts_.at(operation_id);
  const QuorumOutcome outcome = put.answers.outcome();
  if (!put.replied && outcome == QuorumOutcome::kMet) {
    put.replied = true;
    ClientReply reply;
    reply.result = put.result;
    finish(put.origin, std::move(reply));
  } else if (!put.replied && outcome == QuorumOutcome::kHopeless) {
    put.replied = true;
    fail(put.origin, Status::unavailable("only " + std::to_string(put.answers.acks()) +
                                         " of the w=" + std::to_string(put.answers.quorum().w) +
                                         " required replicas acknowledged the write; last error: " +
                                         put.last_error.to_string()));
  }
  if (put.answers.all_answered()) puts_.erase(operation_id);
}

void Node::on_replica_write(const NodeId& from, const ReplicaWrite& message) {
  ++stats_.replica_writes;
  if (!message.hint_for.empty() && message.hint_for != config_.node_id) {
    hints_.store(context_, from, message);
    return;
  }
  // Peer input is validated like client input: a bad object is refused, never stored.
  Status status;
  if (!valid_location(message.bucket, message.key)) {
    status = Status::invalid_argument("replica write with an invalid bucket or key");
  }
  Result<VersionedObject> incoming =
      status.is_ok() ? VersionedObject::decode(message.object) : Result<VersionedObject>(status);
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
    persist_object(message.bucket, message.key, *local,
                   ReplicaWriteDone{from, message.operation_id});
  }
}

}  // namespace ringkv::core
