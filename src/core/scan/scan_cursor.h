// Scan cursors: where a distributed key scan (core/node_scan.cc, docs/ARCHITECTURE.md, "The path
// of a scan") resumes. A position is (partition, the last key of the bucket already covered in
// that partition); partitions are visited in ring order, 0 to Q-1, and keys within a partition in
// storage order (storage/storage_key.h), so a position names everything before it.
//
// The cursor is that position as an opaque printable string: "0" for the start of a scan (and, in
// a reply, for its end), otherwise "1" followed by unpadded base64url (RFC 4648, section 5) of
// varint(partition) + key. Any node resumes any cursor: a position depends on the key space, not
// on the node or the replicas that produced it, so a scan may move between coordinators.
// Redis clients differ in what they accept as a cursor: redis-py and go-redis parse it as an
// integer, so the RESP front end maps these cursors to numbers (api/scan_cursor_table.h).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ringkv::core {

inline constexpr std::string_view kScanCursorStart = "0";

struct ScanPosition {
  std::uint32_t partition = 0;
  std::string after;  // Keys up to this one (inclusive) are covered; empty: none yet.
  friend bool operator==(const ScanPosition&, const ScanPosition&) = default;
};

// (0, "") encodes as "0"; every other position as "1..." (never "0").
std::string encode_scan_cursor(const ScanPosition& position);
// Accepts "0" (and the empty string, which some clients send for a first call) as the start, and
// exactly the strings encode_scan_cursor writes otherwise. InvalidArgument names the fault: not a
// cursor, a partition beyond `partition_count`, a key over limits::kKeyMaxBytes.
Result<ScanPosition> decode_scan_cursor(std::string_view cursor, std::uint32_t partition_count);

}  // namespace ringkv::core
