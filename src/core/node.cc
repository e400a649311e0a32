#include "core/node.h"

#include <cassert>

#include "core/key_position.h"
#include "core/version/context.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kActorIdKey = "actor_id";

std::string encode_u64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

std::uint64_t decode_u64(std::string_view bytes) {
  assert(bytes.size() == 8);
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

Status NodeConfig::validate() const {
  if (node_id.empty()) return Status::invalid_argument("node_id must not be empty");
  if (!is_power_of_two(partition_count)) {
    return Status::invalid_argument("partition_count must be a power of two, got " +
                                    std::to_string(partition_count));
  }
  if (value_max_bytes == 0 || value_max_bytes > limits::kValueMaxBytesCeiling) {
    return Status::invalid_argument("value_max_bytes must be in [1, " +
                                    std::to_string(limits::kValueMaxBytesCeiling) + "], got " +
                                    std::to_string(value_max_bytes));
  }
  if (clock_entries_max < 1) return Status::invalid_argument("clock_entries_max must be >= 1");
  if (tick_interval_ms == 0) return Status::invalid_argument("tick_interval_ms must be >= 1");
  return Status::ok();
}

Node::Node(NodeConfig config, storage::Engine& storage, Random& random)
    : config_(std::move(config)), storage_(storage), random_(random) {}

Status Node::start(std::uint64_t now_ms) {
  assert(!started_);
  RINGKV_RETURN_IF_ERROR(config_.validate());
  auto stored = storage_.get(storage::Namespace::kMeta, kActorIdKey);
  if (!stored.is_ok()) return stored.status();
  if (stored->has_value() && (*stored)->size() == 8) {
    actor_id_ = decode_u64(**stored);
  } else if (stored->has_value()) {
    return Status::corruption("metadata actor_id has " + std::to_string((*stored)->size()) +
                              " bytes, expected 8");
  } else {
    // A new storage incarnation: a fresh random actor, never 0.
    do {
      actor_id_ = random_.next_u64();
    } while (actor_id_ == 0);
    storage::WriteBatch batch;
    batch.put(storage::Namespace::kMeta, kActorIdKey, encode_u64(actor_id_));
    persist(std::move(batch));
  }
  started_ = true;
  effects_.push_back(TimerEffect{now_ms + config_.tick_interval_ms});
  return Status::ok();
}

Status Node::validate_request(const ClientRequest& request) const {
  if (request.bucket.empty()) return Status::invalid_argument("bucket must not be empty");
  if (request.bucket.size() > limits::kBucketMaxBytes) {
    return Status::too_large("bucket is " + std::to_string(request.bucket.size()) +
                             " bytes, limit is " + std::to_string(limits::kBucketMaxBytes));
  }
  if (request.key.empty()) return Status::invalid_argument("key must not be empty");
  if (request.key.size() > limits::kKeyMaxBytes) {
    return Status::too_large("key is " + std::to_string(request.key.size()) +
                             " bytes, limit is " + std::to_string(limits::kKeyMaxBytes) +
                             " (64 KiB)");
  }
  if (request.op == ClientOp::kPut && request.value.size() > config_.value_max_bytes) {
    return Status::too_large("value is " + std::to_string(request.value.size()) +
                             " bytes, limit value_max_bytes is " +
                             std::to_string(config_.value_max_bytes));
  }
  return Status::ok();
}

void Node::on_client_request(ClientRequest request, std::uint64_t now_ms) {
  assert(started_);
  if (Status status = validate_request(request); !status.is_ok()) {
    reply_error(request.request_id, std::move(status));
    return;
  }
  if (request.op == ClientOp::kGet) {
    handle_get(request);
  } else {
    handle_write(request, now_ms);
  }
}

Result<VersionedObject> Node::read_object(const std::string& storage_key) {
  auto stored = storage_.get(storage::Namespace::kData, storage_key);
  if (!stored.is_ok()) return stored.status();
  if (!stored->has_value()) return VersionedObject();
  return VersionedObject::decode(**stored);
}

void Node::handle_get(const ClientRequest& request) {
  ++stats_.gets;
  const std::uint32_t partition =
      partition_of(key_position(request.bucket, request.key), config_.partition_count);
  auto object = read_object(storage::encode_storage_key(partition, request.bucket, request.key));
  if (!object.is_ok()) {
    reply_error(request.request_id, object.status());
    return;
  }
  ClientReply reply;
  reply.request_id = request.request_id;
  reply.values = object->live_values();
  reply.context = encode_context(ReadContext{object->context(), config_.node_id});
  effects_.push_back(ReplyEffect{std::move(reply)});
}

void Node::handle_write(const ClientRequest& request, std::uint64_t now_ms) {
  const bool is_delete = request.op == ClientOp::kDelete;
  ++(is_delete ? stats_.deletes : stats_.puts);
  auto context = decode_context(request.context);
  if (!context.is_ok()) {
    reply_error(request.request_id, context.status());
    return;
  }
  const std::uint32_t partition =
      partition_of(key_position(request.bucket, request.key), config_.partition_count);
  const std::string storage_key =
      storage::encode_storage_key(partition, request.bucket, request.key);
  auto object = read_object(storage_key);
  if (!object.is_ok()) {
    reply_error(request.request_id, object.status());
    return;
  }
  if (object->siblings_after_update(context->clock) > limits::kSiblingsMax) {
    reply_error(request.request_id,
                Status::invalid_argument(
                    "key has " + std::to_string(object->siblings().size()) +
                    " siblings (limit " + std::to_string(limits::kSiblingsMax) +
                    "); read it and write with its context to reconcile"));
    return;
  }
  object->update(context->clock, actor_id_, now_ms,
                 is_delete ? std::nullopt : std::optional<std::string>(request.value));
  // Keep this node's own entry: a pruned actor would restart its counter and reuse dots.
  object->prune(config_.clock_entries_max, {actor_id_});
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kData, storage_key, object->encode());
  const std::uint64_t token = persist(std::move(batch));
  ClientReply reply;
  reply.request_id = request.request_id;
  pending_writes_.emplace(token, std::move(reply));
}

std::uint64_t Node::persist(storage::WriteBatch batch) {
  const std::uint64_t token = next_token_++;
  effects_.push_back(PersistEffect{token, std::move(batch)});
  return token;
}

void Node::on_persisted(std::uint64_t token, const Status& status) {
  auto it = pending_writes_.find(token);
  if (it == pending_writes_.end()) return;  // Metadata writes have no client waiting.
  ClientReply reply = std::move(it->second);
  pending_writes_.erase(it);
  if (!status.is_ok()) reply.status = status;
  effects_.push_back(ReplyEffect{std::move(reply)});
}

void Node::reply_error(std::uint64_t request_id, Status status) {
  assert(!status.is_ok());
  ++stats_.rejected;
  ClientReply reply;
  reply.request_id = request_id;
  reply.status = std::move(status);
  effects_.push_back(ReplyEffect{std::move(reply)});
}

void Node::on_peer_message(const NodeId& from, const PeerMessage& message, std::uint64_t now_ms) {
  assert(started_);
  (void)now_ms;
  if (const auto* ping = std::get_if<Ping>(&message)) {
    effects_.push_back(SendEffect{from, Pong{ping->sequence, ping->sent_at_ms}});
  } else if (std::holds_alternative<Pong>(message)) {
    ++stats_.pongs_received;
  }
}

void Node::on_tick(std::uint64_t now_ms) {
  assert(started_);
  for (const NodeId& peer : config_.peers) {
    effects_.push_back(SendEffect{peer, Ping{++ping_sequence_, now_ms}});
    ++stats_.pings_sent;
  }
  effects_.push_back(TimerEffect{now_ms + config_.tick_interval_ms});
}

std::vector<Effect> Node::take_effects() {
  std::vector<Effect> out;
  out.swap(effects_);
  return out;
}

}  // namespace ringkv::core
