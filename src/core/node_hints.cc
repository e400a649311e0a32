// Hinted handoff (Dynamo paper section 4.6): a fallback node keeps writes meant for a home
// replica that is down in its hints namespace, keyed by the intended owner, and hands them back
// when the owner answers again. A hint is deleted only after the owner acknowledged it durable;
// hint storage per node is bounded by hint_bytes_max.
#include <cassert>
#include <set>

#include "core/key_position.h"
#include "core/node.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

// Hint key: owner id length (1 byte), owner id, then the data storage key. Hints for one owner
// are one range, in partition order.
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

Status Node::load_hint_totals() {
  hints_held_ = 0;
  hint_bytes_ = 0;
  return storage_.scan(storage::Namespace::kHints, "", "",
                       [&](std::string_view key, std::string_view value) {
                         ++hints_held_;
                         hint_bytes_ += key.size() + value.size();
                         return true;
                       });
}

void Node::store_hint(const NodeId& from, const ReplicaWrite& message) {
  auto reply_error = [&](Status status) {
    if (message.operation_id != 0) {
      effects_.push_back(SendEffect{from, ReplicaWriteAck{message.operation_id, std::move(status)}});
    }
  };
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
      encode_hint_key(message.hint_for, storage_key_of(message.bucket, message.key));
  auto stored = storage_.get(storage::Namespace::kHints, hint_key);
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
  if (new_total > config_.hint_bytes_max) {
    ++stats_.hints_refused;
    reply_error(Status::unavailable("hint storage on " + config_.node_id + " is full: " +
                                    std::to_string(hint_bytes_) +
                                    " bytes held, limit hint_bytes_max is " +
                                    std::to_string(config_.hint_bytes_max)));
    return;
  }
  hint_bytes_ = new_total;
  if (old_bytes == 0) ++hints_held_;
  ++stats_.hints_stored;
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kHints, hint_key, bytes);
  const std::uint64_t token = next_token_++;
  if (message.operation_id == 0) {
    persists_.emplace(token, NothingWaits{});
  } else {
    persists_.emplace(token, ReplicaWriteDone{from, message.operation_id});
  }
  effects_.push_back(PersistEffect{token, std::move(batch)});
}

void Node::deliver_hints(std::uint64_t now_ms) {
  if (hints_held_ == 0) return;
  std::set<std::string> in_flight;
  for (const auto& [id, delivery] : hint_deliveries_) in_flight.insert(delivery.hint_key);
  std::size_t sent = 0;
  const Status status = storage_.scan(
      storage::Namespace::kHints, "", "", [&](std::string_view hint_key, std::string_view value) {
        NodeId owner;
        std::string_view storage_key;
        if (!decode_hint_key(hint_key, owner, storage_key)) return true;
        if (!believes_alive(owner) || in_flight.contains(std::string(hint_key))) return true;
        auto decoded = storage::decode_storage_key(storage_key);
        if (!decoded.is_ok()) return true;
        const std::uint64_t operation_id = next_operation_id_++;
        hint_deliveries_.emplace(operation_id,
                                 HintDelivery{owner, std::string(hint_key), std::string(value),
                                              now_ms + config_.request_timeout_ms});
        effects_.push_back(SendEffect{owner, ReplicaWrite{operation_id, decoded->bucket,
                                                          decoded->key, std::string(value), {}}});
        return ++sent < config_.hints_per_delivery_max;
      });
  (void)status;  // A failed scan is retried next round.
  if (sent > 0) request_timer(now_ms + config_.request_timeout_ms);
}

bool Node::on_hint_delivered(const NodeId& from, const ReplicaWriteAck& message) {
  auto it = hint_deliveries_.find(message.operation_id);
  if (it == hint_deliveries_.end() || it->second.owner != from) return false;
  HintDelivery delivery = std::move(it->second);
  hint_deliveries_.erase(it);
  if (!message.status.is_ok()) return true;  // Kept; sent again next round.
  auto current = storage_.get(storage::Namespace::kHints, delivery.hint_key);
  // A hint that changed since it was sent carries news the owner has not acknowledged yet.
  if (!current.is_ok() || !current->has_value() || **current != delivery.object) return true;
  storage::WriteBatch batch;
  batch.del(storage::Namespace::kHints, delivery.hint_key);
  const std::uint64_t token = next_token_++;
  persists_.emplace(token, NothingWaits{});
  effects_.push_back(PersistEffect{token, std::move(batch)});
  --hints_held_;
  hint_bytes_ -= delivery.hint_key.size() + delivery.object.size();
  ++stats_.hints_delivered;
  if (hint_deliveries_.empty() && hints_held_ > 0) {
    // The owner keeps up: stream the next round now rather than after the interval.
    next_hint_delivery_ms_ = now_ms_;
    request_timer(now_ms_);
  }
  return true;
}

}  // namespace ringkv::core
