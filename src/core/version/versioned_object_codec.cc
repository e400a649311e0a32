// VersionedObject's binary form (wire form documented in versioned_object.h). Stored objects and
// peer messages are decoded from untrusted bytes, so decode() is total: it bounds every count by
// the input, checks every invariant the in-memory type relies on, and never reads out of bounds.
#include "common/limits.h"
#include "core/varint.h"
#include "common/invariant.h"
#include "core/version/versioned_object.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kKindValue = 0;
constexpr std::uint64_t kKindTombstone = 1;

void encode_sibling(std::string& out, const Sibling& sibling) {
  RINGKV_INVARIANT(sibling.dot.counter >= 1);
  RINGKV_INVARIANT(!sibling.tombstone || sibling.value.empty());
  put_varint(out, sibling.dot.actor);
  put_varint(out, sibling.dot.counter);
  put_varint(out, sibling.timestamp_ms);
  put_varint(out, sibling.tombstone ? kKindTombstone : kKindValue);
  if (!sibling.tombstone) put_bytes(out, sibling.value);
}

Result<Sibling> decode_sibling(std::string_view& in) {
  Sibling sibling;
  std::uint64_t kind = 0;
  if (!get_varint(in, sibling.dot.actor) || !get_varint(in, sibling.dot.counter) ||
      !get_varint(in, sibling.timestamp_ms) || !get_varint(in, kind)) {
    return Status::corruption("object: truncated sibling");
  }
  if (sibling.dot.counter == 0) return Status::corruption("object: sibling with zero counter");
  if (kind == kKindTombstone) {
    sibling.tombstone = true;
    return sibling;
  }
  if (kind != kKindValue) return Status::corruption("object: unknown sibling kind");
  std::string_view value;
  if (!get_bytes(in, value)) return Status::corruption("object: truncated sibling value");
  sibling.value.assign(value);
  return sibling;
}

}  // namespace

std::string VersionedObject::encode() const {
  // An upper bound of the encoded size (a varint is at most 10 bytes), so encoding never
  // reallocates.
  constexpr std::size_t kVarintBytesMax = 10;
  std::size_t bytes_max = 1 + kVarintBytesMax * (2 + 3 * context_.size() + 5 * siblings_.size());
  for (const Sibling& sibling : siblings_) bytes_max += sibling.value.size();
  std::string out;
  out.reserve(bytes_max);
  out.push_back(static_cast<char>(kObjectFormatVersion));
  context_.encode_to(out);
  put_varint(out, siblings_.size());
  for (const Sibling& sibling : siblings_) encode_sibling(out, sibling);
  return out;
}

Result<VersionedObject> VersionedObject::decode(std::string_view bytes) {
  if (bytes.empty()) return Status::corruption("object: empty input");
  const auto version = static_cast<std::uint8_t>(bytes.front());
  if (version != kObjectFormatVersion) {
    return Status::corruption("object: unknown format version " + std::to_string(version));
  }
  bytes.remove_prefix(1);
  Result<VersionVector> context = VersionVector::decode_from(bytes);
  if (!context.is_ok()) return context.status();
  VersionedObject object;
  object.context_ = std::move(context).value();
  std::uint64_t count = 0;
  if (!get_varint(bytes, count)) return Status::corruption("object: truncated sibling count");
  if (count > limits::kStoredSiblingsMax) {
    return Status::corruption("object: more siblings than limit kStoredSiblingsMax (" +
                              std::to_string(limits::kStoredSiblingsMax) + ")");
  }
  object.siblings_.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    Result<Sibling> sibling = decode_sibling(bytes);
    if (!sibling.is_ok()) return sibling.status();
    if (!object.siblings_.empty() && !(object.siblings_.back().dot < sibling->dot)) {
      return Status::corruption("object: siblings unsorted or duplicated");
    }
    if (!object.context_.covers(sibling->dot)) {
      return Status::corruption("object: sibling dot not covered by the context");
    }
    object.siblings_.push_back(std::move(sibling).value());
  }
  if (!bytes.empty()) return Status::corruption("object: trailing bytes");
  return object;
}

}  // namespace ringkv::core
