// Get coordination (Dynamo paper section 4.5), the replica side of reads, and read repair
// (section 4.7): after answering, the coordinator waits for the stragglers until the deadline and
// sends the reconciled object to every replica whose copy differs from it.
#include <algorithm>
#include <cassert>

#include "core/node.h"
#include "core/version/context.h"

namespace ringkv::core {

void Node::coordinate_get(const ClientRequest& request, Origin origin, const Quorum& quorum,
                          std::vector<NodeId> replicas, std::uint64_t now_ms) {
  const std::uint64_t operation_id = operation_ids_.next(OperationOwner::kGet);
  GetOperation get;
  const std::size_t home_count = replicas.size();
  // While partitions change owner, their previous owners still hold the data: ask them too.
  previous_owners(request.bucket, request.key, quorum.n, replicas);
  get.origin = std::move(origin);
  get.bucket = request.bucket;
  get.key = request.key;
  get.with_object = request.with_object;
  get.answers = GetQuorum(quorum, std::move(replicas), home_count);
  get.deadline_ms = now_ms + timeout_of(request);
  request_timer(get.deadline_ms);
  const auto& asked = get.answers.asked();
  const bool local = std::find(asked.begin(), asked.end(), config_.node_id) != asked.end();
  for (const NodeId& replica : asked) {
    if (replica != config_.node_id) {
      effects_.push_back(SendEffect{replica, ReplicaRead{operation_id, get.bucket, get.key}});
    }
  }
  gets_.emplace(operation_id, std::move(get));
  // Our own copy answers first; it counts towards R like any replica's.
  if (local) record_read(operation_id, config_.node_id, read_local(request.bucket, request.key));
}

void Node::on_replica_read(const NodeId& from, const ReplicaRead& message) {
  ReplicaReadReply reply;
  reply.operation_id = message.operation_id;
  if (!valid_location(message.bucket, message.key)) {
    reply.status = Status::invalid_argument("replica read with an invalid bucket or key");
  } else {
    auto object = read_local(message.bucket, message.key);
    if (!object.is_ok()) {
      reply.status = object.status();
    } else if (!object->empty()) {
      reply.object = object->encode();
    }
  }
  effects_.push_back(SendEffect{from, std::move(reply)});
}

void Node::on_replica_read_reply(const NodeId& from, const ReplicaReadReply& message) {
  auto it = gets_.find(message.operation_id);
  if (it == gets_.end()) return;
  if (!message.status.is_ok()) {
    record_read(message.operation_id, from, message.status);
  } else if (message.object.empty()) {
    record_read(message.operation_id, from, VersionedObject());
  } else {
    record_read(message.operation_id, from, VersionedObject::decode(message.object));
  }
}

void Node::record_read(std::uint64_t operation_id, const NodeId& replica,
                       Result<VersionedObject> object) {
  GetOperation& get = gets_.at(operation_id);
  // Duplicated or unexpected messages change nothing.
  if (!get.answers.record(replica, object.is_ok())) return;
  if (object.is_ok()) {
    get.merged.merge_from(*object);
    apply_conflict_policy(get.bucket, get.merged);
    get.objects.emplace(replica, std::move(object).value());
  } else {
    get.last_error = object.status();
  }
  settle_get(operation_id, /*final=*/false);
}

void Node::settle_get(std::uint64_t operation_id, bool final) {
  GetOperation& get = gets_.at(operation_id);
  const GetQuorum& answers = get.answers;
  const QuorumOutcome outcome = answers.outcome();
  if (!get.replied && outcome == QuorumOutcome::kMet) {
    get.replied = true;
    // The first replica to answer is the one to coordinate the next write (read-your-writes).
    NodeId fastest;
    for (const NodeId& id : answers.answered_in_order()) {
      if (get.objects.contains(id)) {
        fastest = id;
        break;
      }
    }
    finish(get.origin, read_reply(get.with_object, get.merged, fastest));
    if (is_expired(get.merged, wall_ms()) && !get.merged.is_deleted()) {
      delete_expired(get.bucket, get.key);
    }
  } else if (!get.replied && (final || outcome == QuorumOutcome::kHopeless)) {
    get.replied = true;
    ++stats_.timeouts;
    const Quorum& quorum = answers.quorum();
    // pr: replies that must come from home replicas (previous owners asked during a handoff do
    // not count towards it).
    std::string message =
        answers.replies() >= quorum.r
            ? "only " + std::to_string(answers.home_replies()) + " of the pr=" +
                  std::to_string(quorum.pr) + " required home replicas answered"
            : "only " + std::to_string(answers.replies()) + " of the r=" +
                  std::to_string(quorum.r) + " required replicas answered";
    message += final ? " within " + std::to_string(config_.request_timeout_ms) + " ms"
                     : "; last error: " + get.last_error.to_string();
    fail(get.origin, Status::unavailable(message));
  }
  if (final || answers.all_answered()) {
    if (get.replied && answers.replies() > 0 && config_.read_repair) read_repair(get);
    gets_.erase(operation_id);
  }
}

ClientReply Node::read_reply(bool with_object, const VersionedObject& object,
                             const NodeId& coordinator_hint) const {
  ClientReply reply;
  reply.context = encode_context(ReadContext{object.context(), coordinator_hint});
  const bool expired = is_expired(object, wall_ms());
  if (!expired) {
    const bool plain = std::all_of(object.siblings().begin(), object.siblings().end(),
                                   [](const Sibling& s) {
                                     return s.kind == EntryKind::kValue ||
                                            s.kind == EntryKind::kTombstone;
                                   });
    if (plain) {
      reply.values = object.live_values();
    } else if (SlotValue value = string_value(object, wall_ms()); value.exists) {
      reply.values.push_back(std::move(value.text));  // A counter, or a string with a TTL.
    }
  }
  if (with_object) {
    reply.now_ms = wall_ms();
    if (!expired && !object.is_deleted()) reply.object = object.encode();
  }
  return reply;
}

void Node::delete_expired(const std::string& bucket, const std::string& key) {
  ++stats_.expired_deletes;
  ClientRequest request;
  request.op = ClientOp::kUpdate;
  request.bucket = bucket;
  request.key = key;
  DataOp op;
  op.code = DataOpCode::kDeleteIfExpired;
  request.value = encode_data_op(op);
  handle_request(std::move(request), InternalOrigin{}, now_ms_);
}

void Node::read_repair(const GetOperation& operation) {
  if (operation.merged.empty()) return;
  for (const auto& [replica, object] : operation.objects) {
    if (object == operation.merged) continue;
    // Previous owners hand their copies off; repairing them would only send them back again.
    if (!operation.answers.is_home(replica)) continue;
    ++stats_.read_repairs;
    if (replica == config_.node_id) {
      // Merge into the current local copy: it may have changed since it was read.
      auto local = read_local(operation.bucket, operation.key);
      if (!local.is_ok()) continue;
      local->merge_from(operation.merged);
      persist_object(operation.bucket, operation.key, *local, NothingWaits{});
    } else {
      effects_.push_back(SendEffect{
          replica, ReplicaWrite{0, operation.bucket, operation.key, operation.merged.encode()}});
    }
  }
}

}  // namespace ringkv::core
