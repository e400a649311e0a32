// ScanCursorTable: the numeric cursors a Redis client sees, over the core's scan cursors
// (core/scan/scan_cursor.h), for the RESP front end's SCAN.
//
// Redis clients disagree on what a SCAN cursor is: redis-py (parse_scan returns int(cursor)) and
// node-redis parse it as a number, go-redis and redis-rs as an unsigned 64-bit integer, while
// Jedis, Lettuce and hiredis keep the string. The core's cursor names a key, so it is a string
// of up to 87 KiB: the RESP front end hands out numbers instead and keeps the core cursors here.
// "0" stays "0" (start and end); every other cursor gets a fresh decimal id in [1, 2^53) (exact
// in a JavaScript number too). The table remembers the newest `entries_max` ids and at most
// `bytes_max` bytes of cursors, the oldest forgotten first. A client that comes back with an id
// the table forgot (or never gave) gets an error, as Redis answers a cursor it cannot parse,
// never a scan from the start (which could loop forever) or an end (which would lose keys).
//
// One table per node, shared by every RESP connection: a client's pool may continue a scan on
// another connection (redis-py's scan_iter does). Ids start at `first_id` (the host draws it at
// random), so an id from before a restart is unknown rather than someone else's cursor.
// Thread-safety: none; the RESP server's event loop owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace ringkv::api {

class ScanCursorTable {
 public:
  static constexpr std::uint64_t kIdLimit = std::uint64_t{1} << 53;  // Ids are below it.

  ScanCursorTable(std::size_t entries_max, std::size_t bytes_max, std::uint64_t first_id);

  // The cursor to give the client for the core's `cursor`: "0" for "0" (or empty), else a new id.
  std::string to_client(std::string_view cursor);
  // The core's cursor for what the client sent: "0" for "0", the cursor an id stands for, or
  // InvalidArgument ("invalid cursor") for anything else.
  Result<std::string> from_client(std::string_view client_cursor) const;

  std::size_t size() const { return cursors_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  void forget_oldest();

  std::size_t entries_max_;
  std::size_t bytes_max_;
  std::uint64_t next_id_;
  std::unordered_map<std::uint64_t, std::string> cursors_;
  std::deque<std::uint64_t> order_;  // Ids, oldest first.
  std::size_t bytes_ = 0;
};

}  // namespace ringkv::api
