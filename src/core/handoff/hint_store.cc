#include "core/handoff/hint_store.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "common/invariant.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

std::string encode_hint_key(const NodeId& owner, std::string_view storage_key) {
  assert(owner.size() <= 255);
  std::string out;
  out.push_back(static_cast<char>(owner.size()));
  out += owner;
  out += storage_key;
  return out;
}

bool decode_hint_key(std::string_view hint_key, NodeId& owner, std::string_view& storage_key) {
  if (hint_key.empty()) return false;
  const std::size_t length = static_cast<unsigned char>(hint_key[0]);
  if (hint_key.size() < 1 + length) return false;
  owner.assign(hint_key.substr(1, length));
  storage_key = hint_key.substr(1 + length);
  return true;
}

}  // namespace

Status HintStore::start(const NodeConfig& config, storage::Engine& storage,
                        std::uint64_t now_ms) {
  hints_held_ = 0;
  hint_bytes_ = 0;
  next_delivery_ms_ = now_ms + config.hint_delivery_interval_ms;
  return storage.scan(storage::Namespace::kHints, "", "",
                      [&](std::string_view key, std::string_view value) {
                        ++hints_held_;
                        hint_bytes_ += key.size() + value.size();
                        return true;
                      });
}

void HintStore::store(NodeContext& node, const NodeId& from, const ReplicaWrite& message) {
  auto reply_error = [&](Status status) {
    if (message.operation_id != 0) {
      node.send(from, ReplicaWriteAck{message.operation_id, std::move(status)});
    }
  };
  RINGKV_INVARIANT(message.hint_for != node.config().node_id);  // That is a replica write.
  if (!valid_location(message.bucket, message.key) || message.hint_for.size() > 255) {
    reply_error(Status::invalid_argument("hint with an invalid bucket, key or owner"));
    return;
  }
  auto incoming = VersionedObject::decode(message.object);
  if (!incoming.is_ok()) {
    reply_error(incoming.status());
    return;
  }
  const std::string hint_key =
      encode_hint_key(message.hint_for, node.storage_key_of(message.bucket, message.key));
  auto stored = node.storage().get(storage::Namespace::kHints, hint_key);
  if (!stored.is_ok()) {
    reply_error(stored.status());
    return;
  }
  VersionedObject hint;
  std::size_t old_bytes = 0;
  if (stored->has_value()) {
    auto existing = VersionedObject::decode(**stored);
    if (existing.is_ok()) hint = std::move(existing).value();
    old_bytes = hint_key.size() + (*stored)->size();
  }
  hint.merge_from(*incoming);
  std::string bytes = hint.encode();
  const std::uint64_t new_total = hint_bytes_ - old_bytes + hint_key.size() + bytes.size();
  const NodeConfig& config = node.config();
  if (new_total > config.hint_bytes_max) {
    ++node.stats().hints_refused;
    reply_error(Status::unavailable("hint storage on " + config.node_id + " is full: " +
                                    std::to_string(hint_bytes_) +
                                    " bytes held, limit hint_bytes_max is " +
                                    std::to_string(config.hint_bytes_max)));
    return;
  }
  hint_bytes_ = new_total;
  if (old_bytes == 0) ++hints_held_;
  ++node.stats().hints_stored;
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kHints, hint_key, bytes);
  const std::uint64_t token = node.persist(std::move(batch), HintStoreDone{});
  writes_.emplace(token, PendingWrite{PendingWrite::Kind::kStore, from, message.operation_id});
}

void HintStore::on_tick(NodeContext& node) {
  // Recount first: storage shows every write issued before this tick (effects are applied
  // between events, so a write issued in this event is not visible to this event's reads).
  if (recount_needed_) recount(node);
  std::vector<std::pair<std::string, std::string>> write_backs;
  write_backs.swap(write_backs_);
  for (auto& [hint_key, object] : write_backs) write_back(node, hint_key, object);
  if (node.now_ms() < next_delivery_ms_) return;
  next_delivery_ms_ = node.now_ms() + node.config().hint_delivery_interval_ms;
  deliver(node);
}

void HintStore::deliver(NodeContext& node) {
  if (hints_held_ == 0 || node.ring() == nullptr) return;
  const std::uint64_t now_ms = node.now_ms();
  std::set<std::string> in_flight;
  for (const auto& [id, delivery] : deliveries_) in_flight.insert(delivery.hint_key);
  std::size_t handled = 0;
  const Status status = node.storage().scan(
      storage::Namespace::kHints, "", "", [&](std::string_view hint_key, std::string_view value) {
        NodeId owner;
        std::string_view storage_key;
        if (!decode_hint_key(hint_key, owner, storage_key)) return true;
        auto decoded = storage::decode_storage_key(storage_key);
        if (!decoded.is_ok()) return true;
        const auto home = node.home_replicas(decoded->bucket, decoded->key,
                                             node.bucket_properties(decoded->bucket).n);
        if (owner == node.config().node_id ||
            std::find(home.begin(), home.end(), owner) == home.end()) {
          adopt(node, std::string(hint_key), *decoded, value);  // Undeliverable.
          return ++handled < node.config().hints_per_delivery_max;
        }
        if (!node.believes_alive(owner) || in_flight.contains(std::string(hint_key))) return true;
        const std::uint64_t operation_id = node.next_operation_id(OperationOwner::kHintDelivery);
        deliveries_.emplace(operation_id,
                            Delivery{owner, std::string(hint_key), std::string(value),
                                     now_ms + node.config().request_timeout_ms});
        node.send(owner, ReplicaWrite{operation_id, decoded->bucket, decoded->key,
                                      std::string(value), {}});
        return ++handled < node.config().hints_per_delivery_max;
      });
  // A failed scan is retried next round; the hints stay counted meanwhile.
  if (!status.is_ok()) ++node.stats().storage_errors;
  if (!deliveries_.empty()) node.request_timer(now_ms + node.config().request_timeout_ms);
}

void HintStore::adopt(NodeContext& node, const std::string& hint_key,
                      const storage::DecodedKey& key, std::string_view object) {
  auto hint = VersionedObject::decode(object);
  auto local = node.read_local(key.bucket, key.key);
  if (!local.is_ok() || !hint.is_ok()) {
    ++node.stats().storage_errors;  // Kept and counted; tried again next round.
    return;
  }
  local->merge_from(*hint);
  storage::WriteBatch batch;
  batch.del(storage::Namespace::kHints, hint_key);
  const std::uint64_t token =
      node.write_object(key.bucket, key.key, *local, std::move(batch), HintStoreDone{});
  writes_.emplace(token, PendingWrite{PendingWrite::Kind::kAdopted, {}, 0, hint_key,
                                      std::string(object)});
}

void HintStore::on_ack(NodeContext& node, const NodeId& from, const ReplicaWriteAck& message) {
  auto it = deliveries_.find(message.operation_id);
  if (it == deliveries_.end() || it->second.owner != from) return;  // Late or spoofed.
  Delivery delivery = std::move(it->second);
  deliveries_.erase(it);
  if (!message.status.is_ok()) return;  // Kept; sent again next round.
  auto current = node.storage().get(storage::Namespace::kHints, delivery.hint_key);
  // A hint that changed since it was sent carries news the owner has not acknowledged yet.
  if (!current.is_ok() || !current->has_value() || **current != delivery.object) return;
  storage::WriteBatch batch;
  batch.del(storage::Namespace::kHints, delivery.hint_key);
  remove(node, PendingWrite::Kind::kDelivered, std::move(delivery.hint_key),
         std::move(delivery.object), std::move(batch));
  if (deliveries_.empty()) {
    // The owner keeps up: stream the next round now rather than after the interval.
    next_delivery_ms_ = node.now_ms();
    node.request_timer(node.now_ms());
  }
}

void HintStore::remove(NodeContext& node, PendingWrite::Kind kind, std::string hint_key,
                       std::string object, storage::WriteBatch batch) {
  const std::uint64_t token = node.persist(std::move(batch), HintStoreDone{});
  writes_.emplace(token, PendingWrite{kind, {}, 0, std::move(hint_key), std::move(object)});
}

void HintStore::on_persisted(NodeContext& node, std::uint64_t token, const Status& status) {
  auto it = writes_.find(token);
  RINGKV_INVARIANT(it != writes_.end());
  PendingWrite write = std::move(it->second);
  writes_.erase(it);
  if (write.kind == PendingWrite::Kind::kStore) {
    if (write.operation_id != 0) node.send(write.from, ReplicaWriteAck{write.operation_id, status});
    if (!status.is_ok()) recount_later(node);
    return;
  }
  if (!status.is_ok()) {
    // Whether the delete reached the disk is unknown: write the hint back, merged with whatever
    // was stored for the key since (its owner merges a hint delivered twice like any replica
    // write), so it is delivered or adopted again; then count again from storage.
    ++node.stats().storage_errors;
    write_back(node, std::move(write.hint_key), std::move(write.object));
    return;
  }
  // Only now is the hint gone for good.
  RINGKV_INVARIANT(hints_held_ > 0);
  RINGKV_INVARIANT(hint_bytes_ >= write.hint_key.size() + write.object.size());
  --hints_held_;
  hint_bytes_ -= write.hint_key.size() + write.object.size();
  ++(write.kind == PendingWrite::Kind::kDelivered ? node.stats().hints_delivered
                                                   : node.stats().hints_adopted);
}

void HintStore::write_back(NodeContext& node, std::string hint_key, std::string object) {
  auto current = node.storage().get(storage::Namespace::kHints, hint_key);
  if (!current.is_ok()) {
    // Writing blindly could overwrite a newer hint for the key: tried again next tick, and the
    // hint stays counted meanwhile (it is still among the removals in the counts).
    write_backs_.emplace_back(std::move(hint_key), std::move(object));
    return;
  }
  VersionedObject hint;
  if (auto old = VersionedObject::decode(object); old.is_ok()) hint = std::move(*old);
  if (current->has_value()) {
    if (auto newer = VersionedObject::decode(**current); newer.is_ok()) hint.merge_from(*newer);
  }
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kHints, hint_key, hint.encode());
  const std::uint64_t token = node.persist(std::move(batch), HintStoreDone{});
  writes_.emplace(token, PendingWrite{PendingWrite::Kind::kStore});
  recount_later(node);
}

void HintStore::recount_later(NodeContext& node) {
  // Until then the counts err high (the failed write is still counted), never low.
  recount_needed_ = true;
  node.request_timer(node.now_ms());
}

void HintStore::recount(NodeContext& node) {
  std::uint64_t held = 0, bytes = 0;
  const Status status = node.storage().scan(storage::Namespace::kHints, "", "",
                                            [&](std::string_view key, std::string_view value) {
                                              ++held;
                                              bytes += key.size() + value.size();
                                              return true;
                                            });
  recount_needed_ = !status.is_ok();
  if (recount_needed_) return;  // Keep the old counts until storage can be read.
  // Removals in flight, and write-backs waiting, are no longer visible but still counted until
  // durable (or written back).
  for (const auto& [token, write] : writes_) {
    if (write.kind == PendingWrite::Kind::kStore) continue;
    ++held;
    bytes += write.hint_key.size() + write.object.size();
  }
  for (const auto& [hint_key, object] : write_backs_) {
    ++held;
    bytes += hint_key.size() + object.size();
  }
  hints_held_ = held;
  hint_bytes_ = bytes;
}

void HintStore::expire(std::uint64_t now_ms) {
  std::erase_if(deliveries_, [&](const auto& entry) { return entry.second.deadline_ms <= now_ms; });
}

}  // namespace ringkv::core
