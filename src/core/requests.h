// Client requests and replies as the core sees them, after a protocol front end (native, RESP,
// HTTP) has parsed and validated the bytes. Every front end maps onto these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ringkv::core {

// kUpdate: a Redis data-type write; `value` holds an encoded DataOp (core/datatypes/data_op.h)
// that the coordinator applies to its replica's object.
enum class ClientOp : std::uint8_t { kGet, kPut, kDelete, kUpdate, kScan };

// What a scan call asks for (ClientOp::kScan; core/node_scan.cc, docs/ARCHITECTURE.md, "The path
// of a scan"). A scan walks the bucket's keys partition by partition; each call returns some of
// them and a cursor to call again with, until the cursor comes back "0".
struct ScanQuery {
  std::string cursor;      // "0" or empty: from the start; else the cursor of the last reply.
  std::uint32_t count = 0;  // Keys wanted from this call, a hint as in Redis (0: 10; max 1024).
  std::string match;        // Glob pattern (common/glob.h, Redis semantics); empty: every key.
  std::string type;         // Redis type name (string, hash, set, ...); empty: every type.
  // Count the live keys instead of returning them (DBSIZE): each partition is counted on one
  // replica, so the total is an estimate when replicas disagree or keys change during the scan.
  bool count_only = false;
};

// What a scan call returns.
struct ScanResult {
  // Live keys (not deleted) passing the filter, distinct within the call. A key live for the
  // whole scan is returned by some call; with a stable ring, by exactly one.
  std::vector<std::string> keys;
  std::string cursor;       // Where the next call starts; "0" when the scan is complete.
  std::uint64_t count = 0;  // count_only: live keys covered by this call.
};

struct ClientRequest {
  std::uint64_t request_id = 0;  // Chosen by the host; unique among its in-flight requests.
  ClientOp op = ClientOp::kGet;
  std::string bucket;
  std::string key;
  std::string context;  // Encoded ReadContext from an earlier get; empty for a blind write.
  std::string value;    // Put only.
  // Put/delete without a context: when true, the write supersedes every version the coordinator
  // knows (Redis SET/DEL semantics); when false, a context-less write becomes a sibling of what
  // is there. Truly concurrent writes still become siblings either way.
  bool supersede_known = false;
  // Per-request overrides of the bucket's quorum settings and the request timeout (0: default).
  std::uint32_t r = 0;
  std::uint32_t w = 0;
  std::uint32_t timeout_ms = 0;
  // How many of the R replies / W acknowledgements must come from home replicas (not fallbacks).
  std::uint32_t pr = 0;
  std::uint32_t pw = 0;
  // Get only: answer from the receiving node's own replica, without asking any other node (for
  // operators and tests: `ringkv get --local`).
  bool local = false;
  // Get only: also return the merged object (ClientReply::object), for front ends that read data
  // types (RESP).
  bool with_object = false;
  // Scan only (`key`, `value` and `context` stay empty; `r` and `timeout_ms` apply).
  ScanQuery scan;
};

struct ClientReply {
  std::uint64_t request_id = 0;
  Status status;
  // Get: live sibling values (one when there is no conflict, none when absent or deleted).
  std::vector<std::string> values;
  // Get: the encoded ReadContext of what was read (also for an absent key, so a later put or
  // delete can supersede tombstones). Put/delete: empty.
  std::string context;
  // Get with `with_object`: the merged object, encoded (empty when absent or expired).
  std::string object;
  // Update: the encoded OpResult the coordinator computed.
  std::string result;
  // Get with `with_object`: the coordinator's clock when it merged the object (unix ms), the
  // time its data-type views (expiry) are read at.
  std::uint64_t now_ms = 0;
  // Scan only.
  ScanResult scan;
};

}  // namespace ringkv::core
