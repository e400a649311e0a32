// Peer messages <-> protobuf (PeerEnvelope inside a Request frame).
#include "api/peer_codec.h"

#include "common/limits.h"

// GCC 12 at -O3 reports members of the PeerMessage variant as "may be used uninitialized" when
// the variant is assigned from a temporary: a false positive (every alternative is fully
// constructed before it is assigned), seen since the variant grew its tenth alternative.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ringkv::api {
namespace {

struct ToWire {
  wire::PeerEnvelope& envelope;

  void operator()(const core::Ping& m) const {
    envelope.mutable_ping()->set_sequence(m.sequence);
    envelope.mutable_ping()->set_sent_at_ms(m.sent_at_ms);
  }
  void operator()(const core::Pong& m) const {
    envelope.mutable_pong()->set_sequence(m.sequence);
    envelope.mutable_pong()->set_echoed_sent_at_ms(m.echoed_sent_at_ms);
    envelope.mutable_pong()->set_ring_version(m.ring_version);
    envelope.mutable_pong()->set_transfers_pending(m.transfers_pending);
    envelope.mutable_pong()->set_hints_held(m.hints_held);
    envelope.mutable_pong()->set_buckets_digest(m.buckets_digest);
  }
  void operator()(const core::Gossip& m) const { envelope.set_gossip(core::encode_gossip(m.message)); }
  void operator()(const core::AntiEntropy& m) const {
    auto* out = envelope.mutable_anti_entropy();
    out->set_kind(static_cast<std::uint32_t>(m.kind));
    out->set_exchange_id(m.exchange_id);
    out->set_partition(m.partition);
    out->set_level(m.level);
    out->mutable_indices()->Add(m.indices.begin(), m.indices.end());
    out->mutable_hashes()->Add(m.hashes.begin(), m.hashes.end());
    for (const auto& key : m.keys) out->add_keys(key);
    out->mutable_key_hashes()->Add(m.key_hashes.begin(), m.key_hashes.end());
    for (const auto& object : m.objects) out->add_objects(object);
    for (const auto& key : m.wanted) out->add_wanted(key);
    out->set_final(m.final);
  }
  void operator()(const core::ReplicaWrite& m) const {
    auto* out = envelope.mutable_replica_write();
    out->set_operation_id(m.operation_id);
    out->set_bucket(m.bucket);
    out->set_key(m.key);
    out->set_object(m.object);
    out->set_hint_for(m.hint_for);
  }
  void operator()(const core::ReplicaWriteAck& m) const {
    auto* out = envelope.mutable_replica_write_ack();
    out->set_operation_id(m.operation_id);
    if (!m.status.is_ok()) set_error(*out->mutable_error(), m.status);
  }
  void operator()(const core::ReplicaRead& m) const {
    auto* out = envelope.mutable_replica_read();
    out->set_operation_id(m.operation_id);
    out->set_bucket(m.bucket);
    out->set_key(m.key);
  }
  void operator()(const core::ReplicaReadReply& m) const {
    auto* out = envelope.mutable_replica_read_reply();
    out->set_operation_id(m.operation_id);
    if (!m.status.is_ok()) set_error(*out->mutable_error(), m.status);
    out->set_object(m.object);
  }
  void operator()(const core::ForwardRequest& m) const {
    auto* out = envelope.mutable_forward_request();
    out->set_forward_id(m.forward_id);
    *out->mutable_request() = make_request(m.request);
    out->set_hops(m.hops);
  }
  void operator()(const core::ForwardReply& m) const {
    auto* out = envelope.mutable_forward_reply();
    out->set_forward_id(m.forward_id);
    // The op only selects the result field; reply_from_wire reads values and context back.
    *out->mutable_response() = to_response(m.reply, core::ClientOp::kGet);
  }
  void operator()(const core::ScanRequest& m) const {
    auto* out = envelope.mutable_scan_request();
    out->set_operation_id(m.operation_id);
    out->set_bucket(m.bucket);
    out->set_partition(m.partition);
    out->set_after(m.after);
    out->set_limit(m.limit);
    out->set_match(m.filter.match);
    out->set_type(m.filter.type);
    out->set_count_only(m.count_only);
  }
  void operator()(const core::ScanReply& m) const {
    auto* out = envelope.mutable_scan_reply();
    out->set_operation_id(m.operation_id);
    if (!m.status.is_ok()) {
      set_error(*out->mutable_error(), m.status);
      return;
    }
    for (const auto& key : m.page.keys) out->add_keys(key);
    out->set_count(m.page.count);
    out->set_done(m.page.done);
    out->set_last_key(m.page.last_key);
  }
  void operator()(const core::BucketTable& m) const {
    std::string bytes;
    core::encode_bucket_entries(bytes, m.entries);
    envelope.set_bucket_table(std::move(bytes));
  }
};

// Scan pages are bounded on both sides (core/scan/scan_page.h); a message beyond the bounds is
// refused whole, whatever it says.
Result<core::ScanRequest> scan_request_from_wire(const wire::PeerScanRequest& m) {
  if (m.bucket().empty() || m.bucket().size() > limits::kBucketMaxBytes) {
    return Status::invalid_argument("scan request with a bucket of " +
                                    std::to_string(m.bucket().size()) + " bytes");
  }
  if (m.partition() >= limits::kPartitionCountMax) {
    return Status::invalid_argument("scan request for partition " +
                                    std::to_string(m.partition()));
  }
  if (m.after().size() > limits::kKeyMaxBytes) {
    return Status::invalid_argument("scan request with a position over 64 KiB");
  }
  if (!m.count_only() && (m.limit() == 0 || m.limit() > core::kScanCountMax)) {
    return Status::invalid_argument("scan request for " + std::to_string(m.limit()) +
                                    " keys (1 to " + std::to_string(core::kScanCountMax) + ")");
  }
  core::ScanRequest request;
  request.operation_id = m.operation_id();
  request.bucket = m.bucket();
  request.partition = m.partition();
  request.after = m.after();
  request.limit = m.limit();
  request.filter = core::ScanFilter{m.match(), m.type()};
  request.count_only = m.count_only();
  RINGKV_RETURN_IF_ERROR(core::validate_scan_filter(request.filter));
  return request;
}

Result<core::ScanReply> scan_reply_from_wire(const wire::PeerScanReply& m) {
  core::ScanReply reply;
  reply.operation_id = m.operation_id();
  if (m.has_error()) {
    reply.status = status_from_wire(m.error());
    if (reply.status.is_ok()) reply.status = Status::internal("scan reply error with code 0");
    return reply;
  }
  if (static_cast<std::size_t>(m.keys_size()) > core::kScanCountMax) {
    return Status::invalid_argument("scan reply with " + std::to_string(m.keys_size()) +
                                    " keys (at most " + std::to_string(core::kScanCountMax) +
                                    ")");
  }
  for (const auto& key : m.keys()) {
    if (key.empty() || key.size() > limits::kKeyMaxBytes) {
      return Status::invalid_argument("scan reply with a key of " + std::to_string(key.size()) +
                                      " bytes");
    }
  }
  if (m.last_key().size() > limits::kKeyMaxBytes) {
    return Status::invalid_argument("scan reply with a last key over 64 KiB");
  }
  reply.page.keys.assign(m.keys().begin(), m.keys().end());
  reply.page.count = m.count();
  reply.page.done = m.done();
  reply.page.last_key = m.last_key();
  return reply;
}

}  // namespace

wire::Request make_peer_frame(const core::NodeId& from, const core::PeerMessage& message,
                              const std::string& from_address) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  auto* envelope = request.mutable_peer();
  envelope->set_from(from);
  if (!from_address.empty()) envelope->set_from_address(from_address);
  std::visit(ToWire{*envelope}, message);
  return request;
}

Result<PeerDelivery> peer_from_wire(const wire::PeerEnvelope& envelope) {
  PeerDelivery delivery;
  delivery.from = envelope.from();
  if (delivery.from.empty()) return Status::corruption("peer message without a sender");
  if (envelope.from_address().size() > 255) {
    return Status::invalid_argument("peer message with an oversize sender address");
  }
  delivery.from_address = envelope.from_address();
  switch (envelope.body_case()) {
    case wire::PeerEnvelope::kPing:
      delivery.message = core::Ping{envelope.ping().sequence(), envelope.ping().sent_at_ms()};
      break;
    case wire::PeerEnvelope::kPong:
      delivery.message =
          core::Pong{envelope.pong().sequence(),     envelope.pong().echoed_sent_at_ms(),
                     envelope.pong().ring_version(), envelope.pong().transfers_pending(),
                     envelope.pong().hints_held(),   envelope.pong().buckets_digest()};
      break;
    case wire::PeerEnvelope::kAntiEntropy: {
      const auto& m = envelope.anti_entropy();
      if (m.kind() > 3) return Status::unsupported("unknown anti-entropy step " + std::to_string(m.kind()));
      core::AntiEntropy message;
      message.kind = static_cast<core::AntiEntropy::Kind>(m.kind());
      message.exchange_id = m.exchange_id();
      message.partition = m.partition();
      message.level = m.level();
      message.indices.assign(m.indices().begin(), m.indices().end());
      message.hashes.assign(m.hashes().begin(), m.hashes().end());
      message.keys.assign(m.keys().begin(), m.keys().end());
      message.key_hashes.assign(m.key_hashes().begin(), m.key_hashes().end());
      message.objects.assign(m.objects().begin(), m.objects().end());
      message.wanted.assign(m.wanted().begin(), m.wanted().end());
      message.final = m.final();
      delivery.message = std::move(message);
      break;
    }
    case wire::PeerEnvelope::kGossip: {
      auto gossip = core::decode_gossip(envelope.gossip());
      if (!gossip.is_ok()) return gossip.status();
      delivery.message = core::Gossip{std::move(gossip).value()};
      break;
    }
    case wire::PeerEnvelope::kReplicaWrite: {
      const auto& m = envelope.replica_write();
      delivery.message =
          core::ReplicaWrite{m.operation_id(), m.bucket(), m.key(), m.object(), m.hint_for()};
      break;
    }
    case wire::PeerEnvelope::kReplicaWriteAck: {
      const auto& m = envelope.replica_write_ack();
      delivery.message = core::ReplicaWriteAck{m.operation_id(), status_from_wire(m.error())};
      break;
    }
    case wire::PeerEnvelope::kReplicaRead: {
      const auto& m = envelope.replica_read();
      delivery.message = core::ReplicaRead{m.operation_id(), m.bucket(), m.key()};
      break;
    }
    case wire::PeerEnvelope::kReplicaReadReply: {
      const auto& m = envelope.replica_read_reply();
      delivery.message =
          core::ReplicaReadReply{m.operation_id(), status_from_wire(m.error()), m.object()};
      break;
    }
    case wire::PeerEnvelope::kForwardRequest: {
      const auto& m = envelope.forward_request();
      auto request = request_from_wire(m.request());
      if (!request.is_ok()) return request.status();
      delivery.message =
          core::ForwardRequest{m.forward_id(), std::move(request).value(), m.hops()};
      break;
    }
    case wire::PeerEnvelope::kForwardReply: {
      const auto& m = envelope.forward_reply();
      delivery.message = core::ForwardReply{m.forward_id(), reply_from_wire(m.response())};
      break;
    }
    case wire::PeerEnvelope::kScanRequest: {
      auto request = scan_request_from_wire(envelope.scan_request());
      if (!request.is_ok()) return request.status();
      delivery.message = std::move(request).value();
      break;
    }
    case wire::PeerEnvelope::kScanReply: {
      auto reply = scan_reply_from_wire(envelope.scan_reply());
      if (!reply.is_ok()) return reply.status();
      delivery.message = std::move(reply).value();
      break;
    }
    case wire::PeerEnvelope::kBucketTable: {
      std::string_view in = envelope.bucket_table();
      core::BucketTable table;
      if (!core::decode_bucket_entries(in, table.entries) || !in.empty()) {
        return Status::corruption("malformed bucket table from " + delivery.from);
      }
      delivery.message = std::move(table);
      break;
    }
    case wire::PeerEnvelope::BODY_NOT_SET:
      return Status::unsupported("unknown peer message type from " + delivery.from);
  }
  return delivery;
}

}  // namespace ringkv::api
