// Binary encoding of membership records, digests and whole tables: the bytes gossip carries and a
// host may persist. Integers are LEB128 varints (core/varint.h), strings length-prefixed, lists
// count-prefixed and sorted by member id. Decoding is strict and total: it rejects truncated,
// trailing, non-canonical (unsorted or duplicated ids, padded varints) and invalid content
// (validate_record) and never reads past its input, so every accepted input re-encodes to itself.
//
// A record's status varint carries flags above the status value: kRecordHasZone says a zone
// follows the heartbeat. A record without a zone encodes exactly as records did before zones
// existed, so tables persisted then still decode (and a cluster without zones gossips the same
// bytes); a binary from before zones rejects a record with one.
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/membership/membership_state.h"

namespace ringkv::core {

// Leading byte of an encoded table, so a host can tell formats apart after an upgrade.
inline constexpr std::uint8_t kMembershipFormatVersion = 1;
// Flag bits of a record's status varint (see the file comment).
inline constexpr std::uint8_t kRecordStatusMask = 0x0f;
inline constexpr std::uint8_t kRecordHasZone = 0x10;

void encode_record(std::string& out, const MemberRecord& record);
[[nodiscard]] bool decode_record(std::string_view& in, MemberRecord& record);

// Records sorted by strictly increasing id, at most kMembersMax of them.
void encode_records(std::string& out, const std::vector<MemberRecord>& records);
[[nodiscard]] bool decode_records(std::string_view& in, std::vector<MemberRecord>& records);

void encode_digest(std::string& out, const Digest& digest);
[[nodiscard]] bool decode_digest(std::string_view& in, Digest& digest);

std::string encode_state(const MembershipState& state);
// Errors: kCorruption for anything encode_state could not have produced.
Result<MembershipState> decode_state(std::string_view bytes);

}  // namespace ringkv::core
