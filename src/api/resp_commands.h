// Redis commands as ringkv operations: translates one parsed RESP request into either a reply
// right away (PING, INFO, errors) or core requests to run plus how to compose the RESP reply from
// their results. Pure: no I/O, no clock; the host supplies what INFO, TIME and CLIENT LIST report
// in RespServerInfo, and the connection's state in a RespSession (api/resp_session.h).
//
// Every command addresses the bucket the connection selected: `resp_databases` lists the buckets
// (the first, "default" unless configured, is database 0) and SELECT n picks the n-th. Redis
// semantics on top of versioned values (docs/ARCHITECTURE.md, "Data model and versions"; for
// users: docs/REDIS.md):
//   GET key            the value; nil when absent; an error naming GETALL when it has siblings
//   SET key value      supersedes every version the node knows (Redis's last write wins);
//                      NX / XX / GET read first and write with that read's context, so they are
//                      not atomic across clients: a concurrent writer becomes a sibling, never lost
//   DEL key...         reads each key, deletes those that exist with the read's context, replies
//                      how many existed; EXISTS key..., MGET key... as in Redis
//   GETALL key         [context-base64, value1, value2, ...] (only the context when absent)
//   SETCTX key ctx v   put with a context from GETALL (empty ctx: a blind write, a sibling)
//   DELCTX key ctx     delete with a context from GETALL
// The connection commands: HELLO (RESP3), AUTH (no passwords: as Redis without requirepass),
// CLIENT, SELECT, RESET, QUIT, PING, ECHO; the server's: INFO, TIME, COMMAND, CONFIG GET.
// The keyspace commands (docs/REDIS.md, "SCAN, KEYS, DBSIZE and FLUSHDB across a cluster") run
// the core's distributed key scan (ClientOp::kScan): SCAN one call per command, with numeric
// cursors from the host's ScanCursorTable; KEYS, DBSIZE and FLUSHDB / FLUSHALL every call of a
// scan, bounded by resp_keys_max (KEYS) and refused unless allow_flush (FLUSHDB, FLUSHALL).
//
// MULTI / EXEC / DISCARD: after MULTI every command is checked (known, right number of
// arguments), queued and answered +QUEUED; one refused there makes EXEC answer EXECABORT and run
// nothing. EXEC runs the queued commands in order, each once the previous one has finished, and
// answers the array of their replies (a failed command's error in its place, as Redis does). A
// transaction is NOT isolated: other connections' commands on the same keys interleave with it,
// and a command that failed does not undo the ones before it. WATCH is refused for that reason;
// UNWATCH is accepted (nothing is ever watched).
// Commands of Redis families ringkv does not implement (lists, sorted sets, pub/sub, scripting,
// blocking, streams, ...) get an error naming the family instead of "unknown command".
// Thread-safety: free functions; a RespStep's continuation is called once, on the host's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/resp_session.h"
#include "api/scan_cursor_table.h"
#include "common/status.h"
#include "core/requests.h"

namespace ringkv::api {

// The bucket of database 0 unless resp_databases says otherwise.
inline constexpr std::string_view kRespDefaultBucket = "default";

// SCAN's numeric cursors (api/scan_cursor_table.h): the newest this many, and at most these bytes
// of core cursors, are remembered per node. A scanner that waits while 65536 other SCAN calls
// that did not finish their scans are made on the same node finds its cursor forgotten.
inline constexpr std::size_t kRespScanCursorsMax = 65536;
inline constexpr std::size_t kRespScanCursorBytesMax = 64 * 1024 * 1024;
// KEYS: resp_keys_max's default and ceiling, and the bytes of keys it returns at most whatever
// the setting says (a reply past either is refused, never cut short).
inline constexpr std::uint64_t kRespKeysMaxDefault = 100'000;
inline constexpr std::uint64_t kRespKeysMaxCeiling = 10'000'000;
inline constexpr std::size_t kRespKeysBytesMax = 512 * 1024 * 1024;

// The process's memory as the host measures it (INFO memory).
struct RespMemoryInfo {
  std::uint64_t used_bytes = 0;  // Resident set: ringkv has no allocator accounting of its own.
  std::uint64_t rss_bytes = 0;
  std::uint64_t peak_bytes = 0;  // Highest resident set so far.
  std::uint64_t total_system_bytes = 0;
};

// One database's key counts (INFO keyspace's `db0:keys=N,expires=0,avg_ttl=0`).
struct RespKeyspaceInfo {
  std::uint64_t keys = 0;
  std::uint64_t expires = 0;
};

// What only the host knows. It keeps one and refreshes the changing fields before each command;
// the hooks are called only by the commands that need them, so they may be slow.
struct RespServerInfo {
  std::string os;  // INFO's os: "Linux 6.1.0-18-amd64 x86_64" (uname); empty: omitted.
  std::uint16_t tcp_port = 0;
  std::int64_t process_id = 0;
  std::uint64_t uptime_seconds = 0;
  std::uint64_t now_ms = 0;       // A monotonic clock: connection ages and idle times.
  std::int64_t unix_time_us = 0;  // The wall clock, for TIME.
  std::uint64_t connected_clients = 0;
  std::uint64_t max_clients = 0;  // Connections beyond this are refused.
  std::uint64_t total_connections_received = 0;
  std::uint64_t rejected_connections = 0;  // Refused past the connection limit.
  std::uint64_t total_commands_processed = 0;
  std::uint64_t instantaneous_ops_per_sec = 0;  // Over the last ~1.6 s (api/resp_stats.h).
  std::uint64_t value_max_bytes = 0;
  // resp_databases: the bucket of each database number; never empty.
  std::vector<std::string> databases = {std::string(kRespDefaultBucket)};
  // resp_keys_max: KEYS fails rather than return more keys than this.
  std::uint64_t keys_max = kRespKeysMaxDefault;
  // allow_flush: FLUSHDB and FLUSHALL delete every key; false: they are refused.
  bool allow_flush = false;
  // SCAN's cursors, shared by every connection of the host (a client's pool may continue a scan
  // on another connection). Never null; SCAN replies change it, on the host's thread.
  std::shared_ptr<ScanCursorTable> scan_cursors =
      std::make_shared<ScanCursorTable>(kRespScanCursorsMax, kRespScanCursorBytesMax, 1);

  // INFO memory; unset: the section reports only what is configured (maxmemory).
  std::function<RespMemoryInfo()> memory;
  // INFO keyspace: the key count of a bucket, or nothing when it is not known (no db line, which
  // tools read as empty). Must answer at once: the RESP server answers from a cached count that
  // it refreshes in the background (api/resp_keyspace_cache.h). Unset: no db lines.
  std::function<std::optional<RespKeyspaceInfo>(std::string_view bucket)> keyspace;
  // CLIENT LIST: calls `visit` with every open connection of this RESP port, oldest first.
  // Unset: the calling connection alone.
  std::function<void(const std::function<void(const RespSession&)>& visit)> for_each_client;
};

struct RespStep;
// Receives the replies of a step's requests, in the order of the requests.
using RespContinuation = std::function<RespStep(std::vector<core::ClientReply> replies)>;

// One step of a command. With no requests, `reply` holds the RESP bytes to send and the command
// is finished. Otherwise the host submits every request (they may run concurrently) and calls
// `then` with their replies once all have arrived; it returns the next step.
struct RespStep {
  std::string reply;
  std::vector<core::ClientRequest> requests;
  RespContinuation then;
  bool close_connection = false;  // QUIT: close once the reply is written.

  bool finished() const { return requests.empty(); }
};

struct RespCommandPlan {
  RespStep first;
  // The keys the command touches and whether it writes them. A connection runs a command only
  // once no earlier command of its own still runs on one of these keys with a conflicting access
  // (either one writes), so `SET k v` followed by a pipelined `GET k` reads v, as in Redis.
  std::vector<std::string> keys;
  bool writes = false;
  // A single blind overwrite (plain SET): such writes of one key keep their order on their own
  // (one coordinator applies them in submission order), so they may overlap each other, though
  // not reads or other writes. This keeps `redis-benchmark -P 16 -t set` pipelined.
  bool ordered_write = false;
  // The command reads every key of the connection's bucket (SCAN, KEYS, DBSIZE), or with
  // `writes` may write any key of any bucket (FLUSHDB, FLUSHALL). A reader of every key starts
  // once no earlier write of the connection still runs, and later writes wait for it; a writer
  // of every key waits for every earlier command and every later one waits for it. So a
  // pipelined `SET k v` then `SCAN 0` finds k, as in Redis.
  bool all_keys = false;
};

// Plans one command (name and arguments as parsed) of the connection `session`, updating the
// session as the command says (HELLO, SELECT, CLIENT SETNAME, MULTI, ...). Never fails: errors
// become error replies.
RespCommandPlan plan_resp_command(std::vector<std::string> args, RespSession& session,
                                  const RespServerInfo& info);

// The RESP error text for a core failure: "TOOLARGE <message>" for limits, "ERR <message>" for
// rejected input, "ERR <Code>: <message>" for failures the client may retry (timeouts, I/O).
std::string resp_error_text(const Status& status);

// How many commands plan_resp_command implements (COMMAND COUNT).
std::size_t resp_command_count();

// The steps that count `bucket`'s live keys (DBSIZE, and the host's INFO keyspace count): scan
// calls with count_only from the start until the cursor is "0", summed. `done` gets the total or
// the first failure and returns the last step (its reply).
RespStep count_keys_steps(std::string bucket,
                          std::function<RespStep(Result<std::uint64_t> keys)> done);

// The `resp_databases` setting: comma-separated bucket names, database 0 first. Each is a valid
// bucket name (1 to 255 bytes, no spaces or control characters), none twice, at least one and
// at most kRespDatabasesMax. Errors name the setting.
inline constexpr std::size_t kRespDatabasesMax = 1024;
Result<std::vector<std::string>> parse_resp_databases(std::string_view setting);

}  // namespace ringkv::api
