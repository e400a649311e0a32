// Strict varint codecs for membership data; see the header for the guarantees.
#include "core/membership/membership_codec.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "core/varint.h"

namespace ringkv::core {
namespace {

// Reads a varint that must fit in T.
template <typename T>
bool get_small(std::string_view& in, T& value) {
  std::string_view rest = in;
  std::uint64_t wide = 0;
  if (!get_varint(rest, wide) || wide > std::numeric_limits<T>::max()) return false;
  value = static_cast<T>(wide);
  in = rest;
  return true;
}

bool get_id(std::string_view& in, NodeId& id) {
  std::string_view bytes;
  if (!get_bytes(in, bytes) || bytes.empty() || bytes.size() > kNodeIdBytesMax) return false;
  id.assign(bytes);
  return true;
}

bool get_count(std::string_view& in, std::size_t& count) {
  return get_small(in, count) && count <= kMembersMax;
}

}  // namespace

void encode_record(std::string& out, const MemberRecord& r) {
  put_bytes(out, r.id);
  put_bytes(out, r.address);
  put_varint(out, r.weight);
  const std::uint8_t flags = r.zone.empty() ? 0 : kRecordHasZone;
  put_varint(out, static_cast<std::uint64_t>(r.status) | flags);
  put_varint(out, r.join_order);
  put_varint(out, r.leave_order);
  put_varint(out, r.generation);
  put_varint(out, r.version);
  put_varint(out, r.heartbeat);
  if (!r.zone.empty()) put_bytes(out, r.zone);
}

bool decode_record(std::string_view& in, MemberRecord& record) {
  std::string_view rest = in;
  MemberRecord r;
  std::string_view address;
  std::uint8_t status = 0;
  if (!get_id(rest, r.id) || !get_bytes(rest, address) || address.size() > kAddressBytesMax) {
    return false;
  }
  r.address.assign(address);
  if (!get_small(rest, r.weight) || !get_small(rest, status)) return false;
  const std::uint8_t flags = status & ~kRecordStatusMask;
  status &= kRecordStatusMask;
  if ((flags & ~kRecordHasZone) != 0) return false;  // A flag this version does not know.
  if (status > static_cast<std::uint8_t>(MemberStatus::kRemoved)) return false;
  r.status = static_cast<MemberStatus>(status);
  if (!get_varint(rest, r.join_order) || !get_varint(rest, r.leave_order) ||
      !get_varint(rest, r.generation) || !get_varint(rest, r.version) ||
      !get_varint(rest, r.heartbeat)) {
    return false;
  }
  if ((flags & kRecordHasZone) != 0) {
    std::string_view zone;
    // The flag with an empty zone would not re-encode to itself.
    if (!get_bytes(rest, zone) || zone.empty() || zone.size() > kZoneBytesMax) return false;
    r.zone.assign(zone);
  }
  if (!validate_record(r).is_ok()) return false;
  record = std::move(r);
  in = rest;
  return true;
}

void encode_records(std::string& out, const std::vector<MemberRecord>& records) {
  put_varint(out, records.size());
  for (const MemberRecord& record : records) encode_record(out, record);
}

bool decode_records(std::string_view& in, std::vector<MemberRecord>& records) {
  std::string_view rest = in;
  std::size_t count = 0;
  if (!get_count(rest, count)) return false;
  std::vector<MemberRecord> decoded;
  // Every record takes at least 11 bytes, so a forged count cannot make us reserve much.
  if (count > rest.size()) return false;
  decoded.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    MemberRecord record;
    if (!decode_record(rest, record)) return false;
    if (!decoded.empty() && !(decoded.back().id < record.id)) return false;
    decoded.push_back(std::move(record));
  }
  records = std::move(decoded);
  in = rest;
  return true;
}

void encode_digest(std::string& out, const Digest& digest) {
  put_varint(out, digest.size());
  for (const auto& [id, entry] : digest) {
    put_bytes(out, id);
    put_varint(out, entry.generation);
    put_varint(out, entry.version);
    put_varint(out, entry.heartbeat);
    put_varint(out, entry.removed_order);
  }
}

bool decode_digest(std::string_view& in, Digest& digest) {
  std::string_view rest = in;
  std::size_t count = 0;
  if (!get_count(rest, count) || count > rest.size()) return false;
  Digest decoded;
  for (std::size_t i = 0; i < count; ++i) {
    NodeId id;
    DigestEntry entry;
    if (!get_id(rest, id) || !get_varint(rest, entry.generation) ||
        !get_varint(rest, entry.version) || !get_varint(rest, entry.heartbeat) ||
        !get_varint(rest, entry.removed_order)) {
      return false;
    }
    if (!decoded.empty() && !(decoded.rbegin()->first < id)) return false;
    decoded.emplace_hint(decoded.end(), std::move(id), entry);
  }
  digest = std::move(decoded);
  in = rest;
  return true;
}

std::string encode_state(const MembershipState& state) {
  std::string out;
  out.push_back(static_cast<char>(kMembershipFormatVersion));
  put_varint(out, state.size());
  for (const auto& [id, record] : state.members()) encode_record(out, record);
  return out;
}

Result<MembershipState> decode_state(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes.front()) != kMembershipFormatVersion) {
    return Status::corruption("membership table: unknown format version");
  }
  bytes.remove_prefix(1);
  std::vector<MemberRecord> records;
  if (!decode_records(bytes, records) || !bytes.empty()) {
    return Status::corruption("membership table: malformed record list");
  }
  MembershipState state;
  const ApplyOutcome outcome = state.apply(records);
  if (outcome.rejected != 0 || state.size() != records.size()) {
    return Status::corruption("membership table: rejected records");
  }
  return state;
}

}  // namespace ringkv::core
