// VersionedObject's binary form (wire form documented in versioned_object.h). Stored objects and
// peer messages are decoded from untrusted bytes, so decode() is total: it bounds every count by
// the input, checks every invariant the in-memory type relies on, and never reads out of bounds.
// Format 1 objects (written before the data types) decode into plain values and tombstones;
// encode() always writes format 2.
#include <algorithm>

#include "common/invariant.h"
#include "common/limits.h"
#include "core/varint.h"
#include "core/version/versioned_object.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kPlainKindValue = 0;
constexpr std::uint64_t kPlainKindTombstone = 1;

// The index of `actor` among the context's entries (sorted by actor); the context covers it.
std::uint64_t actor_index(const VersionVector& context, ActorId actor) {
  const auto& entries = context.entries();
  const auto at = std::lower_bound(entries.begin(), entries.end(), actor,
                                   [](const ClockEntry& e, ActorId a) { return e.actor < a; });
  RINGKV_INVARIANT(at != entries.end() && at->actor == actor);
  return static_cast<std::uint64_t>(at - entries.begin());
}

void encode_entry(std::string& out, const VersionVector& context, const Sibling& entry) {
  RINGKV_INVARIANT(entry.dot.counter >= 1);
  RINGKV_INVARIANT(entry_kind_has_value(entry.kind) || entry.value.empty());
  RINGKV_INVARIANT(entry_kind_has_field(entry.kind) || entry.field.empty());
  put_varint(out, actor_index(context, entry.dot.actor));
  put_varint(out, entry.dot.counter);
  put_varint(out, entry.timestamp_ms);
  put_varint(out, entry.logical);
  put_varint(out, static_cast<std::uint64_t>(entry.kind));
  if (entry_kind_has_field(entry.kind)) put_bytes(out, entry.field);
  if (entry_kind_has_value(entry.kind)) put_bytes(out, entry.value);
}

Result<Sibling> decode_entry(std::string_view& in, const VersionVector& context) {
  Sibling entry;
  std::uint64_t index = 0;
  std::uint64_t logical = 0;
  std::uint64_t kind = 0;
  if (!get_varint(in, index) || !get_varint(in, entry.dot.counter) ||
      !get_varint(in, entry.timestamp_ms) || !get_varint(in, logical) || !get_varint(in, kind)) {
    return Status::corruption("object: truncated entry");
  }
  if (index >= context.size()) return Status::corruption("object: entry actor not in the context");
  entry.dot.actor = context.entries()[static_cast<std::size_t>(index)].actor;
  if (entry.dot.counter == 0) return Status::corruption("object: entry with zero counter");
  if (logical > UINT32_MAX) return Status::corruption("object: entry clock out of range");
  entry.logical = static_cast<std::uint32_t>(logical);
  if (!is_known_entry_kind(kind)) return Status::corruption("object: unknown entry kind");
  entry.kind = static_cast<EntryKind>(kind);
  entry.tombstone = entry.kind == EntryKind::kTombstone;
  std::string_view bytes;
  if (entry_kind_has_field(entry.kind)) {
    if (!get_bytes(in, bytes)) return Status::corruption("object: truncated entry field");
    entry.field.assign(bytes);
  }
  if (entry_kind_has_value(entry.kind)) {
    if (!get_bytes(in, bytes)) return Status::corruption("object: truncated entry value");
    entry.value.assign(bytes);
  }
  return entry;
}

Result<Sibling> decode_plain_sibling(std::string_view& in) {
  Sibling sibling;
  std::uint64_t kind = 0;
  if (!get_varint(in, sibling.dot.actor) || !get_varint(in, sibling.dot.counter) ||
      !get_varint(in, sibling.timestamp_ms) || !get_varint(in, kind)) {
    return Status::corruption("object: truncated sibling");
  }
  if (sibling.dot.counter == 0) return Status::corruption("object: sibling with zero counter");
  if (kind == kPlainKindTombstone) {
    sibling.tombstone = true;
    sibling.kind = EntryKind::kTombstone;
    return sibling;
  }
  if (kind != kPlainKindValue) return Status::corruption("object: unknown sibling kind");
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
  std::size_t bytes_max = 1 + kVarintBytesMax * (2 + 3 * context_.size() + 7 * siblings_.size());
  for (const Sibling& sibling : siblings_) bytes_max += sibling.value.size() + sibling.field.size();
  std::string out;
  out.reserve(bytes_max);
  out.push_back(static_cast<char>(kObjectFormatVersion));
  context_.encode_to(out);
  put_varint(out, siblings_.size());
  for (const Sibling& sibling : siblings_) encode_entry(out, context_, sibling);
  return out;
}

Result<VersionedObject> VersionedObject::decode(std::string_view bytes) {
  if (bytes.empty()) return Status::corruption("object: empty input");
  const auto version = static_cast<std::uint8_t>(bytes.front());
  if (version != kObjectFormatVersion && version != kObjectFormatVersionPlain) {
    return Status::corruption("object: unknown format version " + std::to_string(version));
  }
  const bool plain = version == kObjectFormatVersionPlain;
  bytes.remove_prefix(1);
  Result<VersionVector> context = VersionVector::decode_from(bytes);
  if (!context.is_ok()) return context.status();
  VersionedObject object;
  object.context_ = std::move(context).value();
  std::uint64_t count = 0;
  if (!get_varint(bytes, count)) return Status::corruption("object: truncated sibling count");
  const std::size_t count_max = plain ? limits::kStoredSiblingsMax : limits::kStoredEntriesMax;
  if (count > count_max) {
    return Status::corruption(
        plain ? "object: more siblings than limit kStoredSiblingsMax (" +
                    std::to_string(limits::kStoredSiblingsMax) + ")"
              : "object: more entries than limit kStoredEntriesMax (" +
                    std::to_string(limits::kStoredEntriesMax) + ")");
  }
  // Every entry takes at least 6 bytes, so a count the input cannot hold is refused before
  // anything is reserved.
  if (count > bytes.size()) return Status::corruption("object: truncated entries");
  object.siblings_.reserve(static_cast<std::size_t>(count));
  std::size_t string_siblings = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    Result<Sibling> sibling =
        plain ? decode_plain_sibling(bytes) : decode_entry(bytes, object.context_);
    if (!sibling.is_ok()) return sibling.status();
    if (!object.siblings_.empty() && !entry_less(object.siblings_.back(), *sibling)) {
      return Status::corruption("object: siblings unsorted or duplicated");
    }
    if (!object.context_.covers(sibling->dot)) {
      return Status::corruption("object: sibling dot not covered by the context");
    }
    if (sibling->kind == EntryKind::kValue || sibling->kind == EntryKind::kTombstone) {
      if (++string_siblings > limits::kStoredSiblingsMax) {
        return Status::corruption("object: more siblings than limit kStoredSiblingsMax (" +
                                  std::to_string(limits::kStoredSiblingsMax) + ")");
      }
    }
    object.siblings_.push_back(std::move(sibling).value());
  }
  if (!bytes.empty()) return Status::corruption("object: trailing bytes");
  return object;
}

}  // namespace ringkv::core
