#include "core/node.h"

#include <algorithm>
#include <cassert>

#include "common/invariant.h"
#include "core/key_position.h"
#include "core/overloaded.h"
#include "core/varint.h"
#include "core/version/context.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kActorIdKey = "actor_id";

}  // namespace

Node::Node(NodeConfig config, storage::Engine& storage, Random& random)
    : config_(std::move(config)), storage_(storage), random_(random) {}

Status Node::start(std::uint64_t now_ms) {
  assert(!started_);
  RINGKV_RETURN_IF_ERROR(config_.validate());
  now_ms_ = now_ms;
  // Operation and forward ids start at a random base, so ids from before a restart are not
  // mistaken by peers for new ones (forwards are deduplicated by id).
  operation_ids_.reset(random_.next_u64() >> 16);
  if (config_.seeds.empty()) {
    std::vector<MembershipEvent> history = config_.members;
    if (history.empty()) {
      history.push_back({MembershipEvent::Kind::kJoin, config_.node_id, 1, config_.zone});
    }
    auto ring = Ring::build(config_.partition_count, history);
    if (!ring.is_ok()) return ring.status();
    ring_ = std::move(ring).value();
    ring_version_ = history_digest(history);
  }

  auto stored = storage_.get(storage::Namespace::kMeta, kActorIdKey);
  if (!stored.is_ok()) return stored.status();
  const bool known = stored->has_value();
  if (known && (*stored)->size() != 8) {
    return Status::corruption("metadata actor_id has " + std::to_string((*stored)->size()) +
                              " bytes, expected 8");
  }
  if (known) actor_id_ = decode_fixed64(**stored);
  // A new storage incarnation draws a fresh random actor (never 0), and so does every start
  // without fsyncs: a crash may have lost this node's latest writes, which replicas hold, and
  // their dots must not be named again.
  if (!known || storage_.sync_policy() == storage::SyncPolicy::kNone) {
    const ActorId previous = actor_id_;  // 0 when new.
    do {
      actor_id_ = random_.next_u64();
    } while (actor_id_ == 0 || actor_id_ == previous);
    // If this write is lost, the next start makes another actor: always safe.
    storage::WriteBatch batch;
    batch.put(storage::Namespace::kMeta, kActorIdKey, encode_fixed64(actor_id_));
    persist(std::move(batch), NothingWaits{});
  }
  RINGKV_RETURN_IF_ERROR(actor_epochs_.load(storage_, actor_id_, config_.partition_count));
  RINGKV_RETURN_IF_ERROR(hints_.start(config_, storage_, now_ms));
  RINGKV_RETURN_IF_ERROR(anti_entropy_.start(config_, storage_, now_ms_));
  PhiAccrualConfig detector_config;
  detector_config.threshold = config_.phi_threshold;
  detector_config.acceptable_heartbeat_pause_ms = config_.peer_down_after_ms;
  detector_config.first_heartbeat_estimate_ms = config_.tick_interval_ms;
  detector_config.std_deviation_min_ms =
      std::max<double>(10.0, static_cast<double>(config_.tick_interval_ms) / 4);
  RINGKV_RETURN_IF_ERROR(detector_config.validate());
  detector_.emplace(detector_config);
  now_ms_ = now_ms;
  // Before the ring is adopted: which partitions are home depends on every bucket's n.
  RINGKV_RETURN_IF_ERROR(start_buckets());
  if (ring_) {
    for (const auto& [id, weight] : ring_->weights()) {
      (void)weight;
      if (id != config_.node_id) detector_->expect(id, now_ms);
    }
  } else {
    RINGKV_RETURN_IF_ERROR(start_membership(now_ms));
  }
  transfer_.count_pending(context_);
  started_ = true;
  request_timer(now_ms + config_.tick_interval_ms);
  return Status::ok();
}

bool Node::believes_alive(const NodeId& node) const {
  if (node == config_.node_id) return true;
  if (unreachable_.contains(node)) return false;
  return detector_->is_available(node, now_ms_);
}

Status Node::validate_request(const ClientRequest& request) const {
  if (request.bucket.empty()) return Status::invalid_argument("bucket must not be empty");
  if (request.bucket.size() > limits::kBucketMaxBytes) {
    return Status::too_large("bucket is " + std::to_string(request.bucket.size()) +
                             " bytes, limit is " + std::to_string(limits::kBucketMaxBytes));
  }
  if (request.key.empty()) return Status::invalid_argument("key must not be empty");
  if (request.key.size() > limits::kKeyMaxBytes) {
    return Status::too_large("key is " + std::to_string(request.key.size()) + " bytes, limit is " +
                             std::to_string(limits::kKeyMaxBytes) + " (64 KiB)");
  }
  // The bucket's own limit when it has one, else the node's.
  const std::uint64_t bucket_max = bucket_properties(request.bucket).value_max_bytes;
  const std::uint64_t limit = bucket_max != 0
                                  ? std::min<std::uint64_t>(bucket_max, config_.value_max_bytes)
                                  : config_.value_max_bytes;
  auto too_large = [&](std::size_t size) {
    return Status::too_large("value is " + std::to_string(size) + " bytes, limit value_max_bytes" +
                             (bucket_max != 0 ? " of bucket " + request.bucket : "") + " is " +
                             std::to_string(limit));
  };
  if (request.op == ClientOp::kUpdate) {
    Result<DataOp> op = decode_data_op(request.value);
    if (!op.is_ok()) return op.status();
    // Each value (a string, a field's value, a member) is bounded like a put's value.
    for (const std::string& arg : op->args) {
      if (arg.size() > limit) return too_large(arg.size());
    }
  }
  if (request.op == ClientOp::kPut && request.value.size() > limit) {
    return too_large(request.value.size());
  }
  return Status::ok();
}

bool valid_location(const std::string& bucket, const std::string& key) {
  return !bucket.empty() && bucket.size() <= limits::kBucketMaxBytes && !key.empty() &&
         key.size() <= limits::kKeyMaxBytes;
}

std::string Node::storage_key_of(const std::string& bucket, const std::string& key) const {
  const std::uint32_t partition = partition_of(key_position(bucket, key), config_.partition_count);
  return storage::encode_storage_key(partition, bucket, key);
}

Result<VersionedObject> Node::read_local(const std::string& bucket, const std::string& key) {
  auto stored = storage_.get(storage::Namespace::kData, storage_key_of(bucket, key));
  if (!stored.is_ok()) return stored.status();
  if (!stored->has_value()) return VersionedObject();
  return VersionedObject::decode(**stored);
}

std::uint64_t Node::persist_object(const std::string& bucket, const std::string& key,
                                   const VersionedObject& object, PersistPurpose purpose,
                                   storage::WriteBatch batch) {
  const std::string storage_key = storage_key_of(bucket, key);
  // Every copy stored in an lww bucket holds no siblings, whichever path brought it (copied
  // only when there is something to drop: a coordinator's write already dropped it).
  const VersionedObject* stored = &object;
  VersionedObject newest;
  if (bucket_properties(bucket).conflict == ConflictPolicy::kLww && has_superseded_values(object)) {
    newest = object;
    keep_newest_values(newest);
    stored = &newest;
  }
  std::string bytes = stored->encode();
  // The tree needs the old entry: one point read (usually cached: the callers just read it).
  auto old = storage_.get(storage::Namespace::kData, storage_key);
  anti_entropy_.note_data_write(
      storage_key,
      old.is_ok() && old->has_value() ? std::optional<std::string_view>(**old) : std::nullopt,
      stored->is_deleted() ? std::nullopt : std::optional<std::string_view>(bytes), now_ms_);
  const std::uint32_t partition = storage::partition_of_prefix(storage_key).value_or(0);
  if (!old.is_ok()) {
    ++stats_.storage_errors;
    anti_entropy_.mark_dirty(partition, now_ms_);  // The old entry is unknown.
  }
  batch.put(storage::Namespace::kData, storage_key, std::move(bytes));
  return persist(std::move(batch), std::move(purpose), partition);
}

std::uint64_t Node::persist(storage::WriteBatch batch, PersistPurpose purpose,
                            std::int64_t partition) {
  const std::uint64_t token = next_token_++;
  const bool fresh = persists_.emplace(token, PendingPersist{std::move(purpose), partition}).second;
  RINGKV_INVARIANT(fresh);
  effects_.push_back(PersistEffect{token, std::move(batch)});
  return token;
}

void Node::apply_conflict_policy(const std::string& bucket, VersionedObject& object) const {
  if (bucket_properties(bucket).conflict == ConflictPolicy::kLww) keep_newest_values(object);
}

void Node::retire_actor(std::uint32_t partition, storage::WriteBatch& batch) {
  const std::uint64_t before = actor_epochs_.retirements();
  actor_epochs_.retire(partition, batch);
  stats_.actors_retired += actor_epochs_.retirements() - before;
}

std::uint64_t Node::Context::erase_data(std::string_view storage_key, std::string_view old_object,
                                        PersistPurpose purpose) {
  node_.anti_entropy_.note_data_write(storage_key, old_object, std::nullopt, node_.now_ms_);
  const std::uint32_t partition = storage::partition_of_prefix(storage_key).value_or(0);
  storage::WriteBatch batch;
  node_.retire_actor(partition, batch);
  batch.del(storage::Namespace::kData, storage_key);
  return node_.persist(std::move(batch), std::move(purpose), partition);
}

std::vector<NodeId> Node::home_replicas(const std::string& bucket, const std::string& key,
                                        std::uint32_t n) const {
  const std::uint32_t partition = partition_of(key_position(bucket, key), config_.partition_count);
  return ring_->preference_list(partition, n);
}

void Node::on_client_request(ClientRequest request, std::uint64_t now_ms) {
  assert(started_);
  now_ms_ = now_ms;
  const std::uint64_t request_id = request.request_id;
  handle_request(std::move(request), ClientOrigin{request_id}, now_ms);
}

void Node::handle_request(ClientRequest request, Origin origin, std::uint64_t now_ms,
                          std::uint32_t hops) {
  if (request.op == ClientOp::kScan) {
    coordinate_scan(request, std::move(origin), now_ms);  // Has no key: node_scan.cc.
    return;
  }
  if (Status status = validate_request(request); !status.is_ok()) {
    fail(origin, std::move(status));
    return;
  }
  if (!ring_) {
    // Not part of a cluster yet (a new or wiped node waiting for its seeds): a seed can serve.
    std::vector<NodeId> seeds = identified_seeds();
    if (seeds.empty() || hops >= kForwardHopsMax) {
      fail(origin, Status::unavailable("node " + config_.node_id +
                                       " is not part of a cluster yet (waiting to join through "
                                       "its seeds)"));
      return;
    }
    forward(std::move(request), std::move(origin), seeds, now_ms, hops + 1);
    return;
  }
  auto quorum = effective_quorum(bucket_properties(request.bucket), request.r, request.w,
                                 ring_->weights().size(), request.pr, request.pw);
  if (!quorum.is_ok()) {
    fail(origin, quorum.status());
    return;
  }
  std::vector<NodeId> replicas = home_replicas(request.bucket, request.key, quorum->n);
  if (request.op == ClientOp::kGet) {
    ++stats_.gets;
    if (request.local) {
      read_own_replica(request, origin);
    } else {
      coordinate_get(request, std::move(origin), *quorum, std::move(replicas), now_ms);
    }
    return;
  }
  if (request.op == ClientOp::kUpdate) {
    ++stats_.updates;
  } else {
    ++(request.op == ClientOp::kDelete ? stats_.deletes : stats_.puts);
  }
  if (std::find(replicas.begin(), replicas.end(), config_.node_id) != replicas.end()) {
    coordinate_put(request, std::move(origin), *quorum, std::move(replicas), now_ms);
    return;
  }
  const bool any_home_up = std::any_of(replicas.begin(), replicas.end(),
                                       [&](const NodeId& id) { return believes_alive(id); });
  // Always writeable: with every home replica down, or after the write went from node to node
  // while their rings disagreed (a ring change in flight), this node takes the write itself and
  // hands it to the home replicas later (ownership transfer).
  if (config_.hinted_handoff && (!any_home_up || hops >= kForwardHopsMax)) {
    ++stats_.stand_in_puts;
    coordinate_put(request, std::move(origin), *quorum, std::move(replicas), now_ms,
                   /*home=*/false);
    return;
  }
  if (hops >= kForwardHopsMax) {
    fail(origin, Status::unavailable("ring mismatch: " + config_.node_id +
                                     " is not a home replica of the key, and the write was "
                                     "forwarded " +
                                     std::to_string(hops) + " times already"));
    return;
  }
  forward(std::move(request), std::move(origin), replicas, now_ms, hops + 1);
}

void Node::read_own_replica(const ClientRequest& request, const Origin& origin) {
  // This node's own replica only, whatever the ring says (operators and tests).
  auto object = read_local(request.bucket, request.key);
  if (!object.is_ok()) {
    fail(origin, object.status());
    return;
  }
  finish(origin, read_reply(request.with_object, *object, config_.node_id));
}

void Node::finish(const Origin& origin, ClientReply reply) {
  if (const auto* client = std::get_if<ClientOrigin>(&origin)) {
    reply.request_id = client->request_id;
    effects_.push_back(ReplyEffect{std::move(reply)});
  } else if (const auto* forward = std::get_if<ForwardOrigin>(&origin)) {
    effects_.push_back(
        SendEffect{forward->from, ForwardReply{forward->forward_id, std::move(reply)}});
  }
  // InternalOrigin: nobody waits for the reply.
}

void Node::fail(const Origin& origin, Status status) {
  assert(!status.is_ok());
  ++stats_.rejected;
  ClientReply reply;
  reply.status = std::move(status);
  finish(origin, std::move(reply));
}

void Node::on_persisted(std::uint64_t token, const Status& status) {
  auto it = persists_.find(token);
  if (it == persists_.end()) return;
  PersistPurpose purpose = std::move(it->second.purpose);
  const std::int64_t partition = it->second.partition;
  persists_.erase(it);
  if (!status.is_ok()) {
    ++stats_.storage_errors;
    // The write may or may not have reached the disk: the tree must be rebuilt from storage.
    if (partition >= 0) anti_entropy_.mark_dirty(static_cast<std::uint32_t>(partition), now_ms_);
    if (std::holds_alternative<MembershipWrite>(purpose)) membership_unpersisted_ = true;
  }
  std::visit(Overloaded{
                 [&](const PutLocalDone& put) { on_put_local_done(put.operation_id, status); },
                 [&](const ReplicaWriteDone& replica) {
                   effects_.push_back(SendEffect{replica.coordinator,
                                                 ReplicaWriteAck{replica.operation_id, status}});
                 },
                 [&](const HintStoreDone&) { hints_.on_persisted(context_, token, status); },
                 [&](const TransferDone&) { transfer_.on_persisted(context_, token, status); },
                 [](const MembershipWrite&) {},
                 [](const NothingWaits&) {},
             },
             purpose);
}

void Node::on_peer_message(const NodeId& from, const PeerMessage& message, std::uint64_t now_ms) {
  assert(started_);
  now_ms_ = now_ms;
  unreachable_.erase(from);
  if (is_known_peer(from)) detector_->heartbeat(from, now_ms);
  std::visit(
      Overloaded{
          [&](const Ping& ping) {
            effects_.push_back(
                SendEffect{from, Pong{ping.sequence, ping.sent_at_ms, ring_version_,
                                      transfer_.pending(), hints_.held(), buckets_.digest()}});
          },
          [&](const Pong& pong) {
            ++stats_.pongs_received;
            if (is_known_peer(from)) {
              peer_reports_[from] =
                  PeerReport{pong.ring_version, pong.transfers_pending, pong.hints_held};
            }
            on_pong_buckets_digest(from, pong.buckets_digest);
          },
          [&](const Gossip& gossip) { on_gossip(from, gossip, now_ms); },
          [&](const AntiEntropy& exchange) {
            if (is_known_peer(from)) anti_entropy_.on_message(context_, from, exchange);
          },
          [&](const ReplicaWrite& write) { on_replica_write(from, write); },
          [&](const ReplicaWriteAck& ack) { on_replica_write_ack(from, ack); },
          [&](const ReplicaRead& read) { on_replica_read(from, read); },
          [&](const ReplicaReadReply& reply) { on_replica_read_reply(from, reply); },
          [&](const ForwardRequest& forward) { on_forward_request(from, forward, now_ms); },
          [&](const ForwardReply& reply) { on_forward_reply(from, reply); },
          [&](const ScanRequest& request) { on_scan_request(from, request); },
          [&](const ScanReply& reply) { on_scan_reply(from, reply); },
          [&](const BucketTable& table) { on_bucket_table(from, table); },
      },
      message);
}

void Node::on_forward_reply(const NodeId& from, const ForwardReply& reply) {
  auto it = forwards_.find(reply.forward_id);
  if (it == forwards_.end()) return;  // Late: another target answered, or it timed out.
  const auto& tried = it->second.tried;
  if (std::find(tried.begin(), tried.end(), from) == tried.end()) return;  // Spoofed.
  const Origin origin = it->second.origin;
  forwards_.erase(it);
  finish(origin, reply.reply);
}

void Node::on_forward_request(const NodeId& from, const ForwardRequest& forward,
                              std::uint64_t now_ms) {
  const ForwardOrigin origin{from, forward.forward_id};
  if (!forwards_seen_.emplace(from, forward.forward_id).second) return;  // A duplicate.
  forwards_seen_order_.emplace_back(from, forward.forward_id);
  if (forwards_seen_order_.size() > 65'536) {
    forwards_seen_.erase(forwards_seen_order_.front());
    forwards_seen_order_.pop_front();
  }
  // A write whose home replicas moved while it travelled is routed again by our ring (bounded by
  // the hop count), rather than refused.
  handle_request(forward.request, origin, now_ms, forward.hops);
}

void Node::request_timer(std::uint64_t at_ms) {
  if (timer_at_ms_ != 0 && timer_at_ms_ <= at_ms) return;
  timer_at_ms_ = at_ms;
  effects_.push_back(TimerEffect{at_ms});
}

void Node::on_tick(std::uint64_t now_ms) {
  assert(started_);
  now_ms_ = now_ms;
  if (timer_at_ms_ != 0 && now_ms < timer_at_ms_) return;  // A stale timer; ours is later.
  timer_at_ms_ = 0;
  expire_operations(now_ms);
  hints_.on_tick(context_);
  if (gossiper_) membership_tick(now_ms);
  transfer_.on_tick(context_);
  anti_entropy_.on_tick(context_);
  for (const NodeId& id : peers()) {
    effects_.push_back(SendEffect{id, Ping{++ping_sequence_, now_ms}});
    ++stats_.pings_sent;
  }
  request_timer(now_ms + config_.tick_interval_ms);
}

void Node::expire_operations(std::uint64_t now_ms) {
  std::vector<std::uint64_t> expired;
  for (const auto& [id, put] : puts_) {
    if (put.deadline_ms <= now_ms) expired.push_back(id);
  }
  for (std::uint64_t id : expired) {
    PutOperation& put = puts_.at(id);
    if (!put.replied) {
      ++stats_.timeouts;
      fail(put.origin, Status::unavailable("only " + std::to_string(put.answers.acks()) +
                                           " of the w=" + std::to_string(put.answers.quorum().w) +
                                           " required replicas acknowledged the write within " +
                                           std::to_string(config_.request_timeout_ms) + " ms"));
    }
    puts_.erase(id);
  }
  expired.clear();
  for (const auto& [id, get] : gets_) {
    if (get.deadline_ms <= now_ms) expired.push_back(id);
  }
  for (std::uint64_t id : expired) settle_get(id, /*final=*/true);
  expire_scans(now_ms);
  hints_.expire(now_ms);
  transfer_.expire(now_ms);
  anti_entropy_.expire(now_ms);
  expired.clear();
  std::vector<std::uint64_t> retry;
  for (const auto& [id, forward] : forwards_) {
    if (forward.deadline_ms <= now_ms) {
      expired.push_back(id);
    } else if (forward.retry_ms <= now_ms) {
      retry.push_back(id);
    }
  }
  for (std::uint64_t id : expired) {
    ++stats_.timeouts;
    const ForwardOperation& forward = forwards_.at(id);
    std::string tried;
    for (const NodeId& node : forward.tried) tried += (tried.empty() ? "" : ", ") + node;
    const std::string why = ring_ ? ""
                                  : "node " + config_.node_id +
                                        " is not part of a cluster yet (waiting to join "
                                        "through its seeds); ";
    fail(forward.origin, Status::unavailable(why + "forwarded to " + tried + ", no answer within " +
                                             std::to_string(forward.timeout_ms) + " ms"));
    forwards_.erase(id);
  }
  for (std::uint64_t id : retry) {
    ForwardOperation& forward = forwards_.at(id);
    // Silent so far (killed, paused or cut off): the next home replica too. Whichever answers
    // first answers the client.
    if (!forward_again(forward, id)) forward.retry_ms = forward.deadline_ms;
  }
}

std::vector<Effect> Node::take_effects() {
  std::vector<Effect> out;
  out.swap(effects_);
  return out;
}

}  // namespace ringkv::core
