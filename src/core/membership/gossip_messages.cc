// Gossip message codec: a format version byte, a type tag, then the membership codec's lists.
#include "core/membership/gossip_messages.h"

#include <utility>

#include "core/membership/membership_codec.h"

namespace ringkv::core {
namespace {

enum class Tag : std::uint8_t { kDigest = 1, kDelta = 2, kDeltaAck = 3 };

Result<GossipMessage> corrupt(const char* what) {
  return Status::corruption(std::string("gossip message: malformed ") + what);
}

}  // namespace

std::string encode_gossip(const GossipMessage& message) {
  std::string out;
  out.push_back(static_cast<char>(kGossipFormatVersion));
  if (const auto* digest = std::get_if<GossipDigest>(&message)) {
    out.push_back(static_cast<char>(Tag::kDigest));
    encode_digest(out, digest->digest);
  } else if (const auto* delta = std::get_if<GossipDelta>(&message)) {
    out.push_back(static_cast<char>(Tag::kDelta));
    encode_records(out, delta->records);
    encode_digest(out, delta->request);
  } else {
    out.push_back(static_cast<char>(Tag::kDeltaAck));
    encode_records(out, std::get<GossipDeltaAck>(message).records);
  }
  return out;
}

Result<GossipMessage> decode_gossip(std::string_view bytes) {
  if (bytes.size() < 2) return corrupt("header");
  if (static_cast<std::uint8_t>(bytes[0]) != kGossipFormatVersion) {
    return Status::unsupported("gossip message: unknown format version");
  }
  const auto tag = static_cast<Tag>(static_cast<std::uint8_t>(bytes[1]));
  bytes.remove_prefix(2);
  switch (tag) {
    case Tag::kDigest: {
      GossipDigest digest;
      if (!decode_digest(bytes, digest.digest) || !bytes.empty()) return corrupt("digest");
      return GossipMessage(std::move(digest));
    }
    case Tag::kDelta: {
      GossipDelta delta;
      if (!decode_records(bytes, delta.records) || !decode_digest(bytes, delta.request) ||
          !bytes.empty()) {
        return corrupt("delta");
      }
      return GossipMessage(std::move(delta));
    }
    case Tag::kDeltaAck: {
      GossipDeltaAck ack;
      if (!decode_records(bytes, ack.records) || !bytes.empty()) return corrupt("delta ack");
      return GossipMessage(std::move(ack));
    }
  }
  return corrupt("type tag");
}

std::string describe(const GossipMessage& message) {
  if (const auto* digest = std::get_if<GossipDigest>(&message)) {
    return "gossip-digest entries=" + std::to_string(digest->digest.size());
  }
  if (const auto* delta = std::get_if<GossipDelta>(&message)) {
    return "gossip-delta records=" + std::to_string(delta->records.size()) +
           " request=" + std::to_string(delta->request.size());
  }
  return "gossip-delta-ack records=" +
         std::to_string(std::get<GossipDeltaAck>(message).records.size());
}

}  // namespace ringkv::core
