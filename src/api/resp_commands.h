// Redis commands as ringkv operations: translates one parsed RESP request into either a reply
// right away (PING, INFO, errors) or core requests to run plus how to compose the RESP reply from
// their results. Pure: no I/O, no clock; the host supplies what INFO reports in RespServerInfo.
//
// Every command addresses the bucket "default" (RESP has no buckets). Redis semantics on top of
// versioned values (docs/ARCHITECTURE.md, "Data model and versions"; for users:
// docs/OPERATIONS.md, "Talking to ringkv"):
//   GET key            the value; nil when absent; an error naming GETALL when it has siblings
//   SET key value      supersedes every version the node knows (Redis's last write wins);
//                      NX / XX / GET read first and write with that read's context, so they are
//                      not atomic across clients: a concurrent writer becomes a sibling, never lost
//   DEL key...         reads each key, deletes those that exist with the read's context, replies
//                      how many existed; EXISTS key..., MGET key... as in Redis
//   GETALL key         [context-base64, value1, value2, ...] (only the context when absent)
//   SETCTX key ctx v   put with a context from GETALL (empty ctx: a blind write, a sibling)
//   DELCTX key ctx     delete with a context from GETALL
// plus what redis-cli and redis-benchmark need to start: COMMAND, CONFIG GET, INFO, SELECT 0,
// CLIENT SETNAME/SETINFO, ECHO, QUIT.
// Thread-safety: free functions; a RespStep's continuation is called once, on the host's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/requests.h"

namespace ringkv::api {

inline constexpr std::string_view kRespBucket = "default";

// What INFO reports that only the host knows.
struct RespServerInfo {
  std::uint16_t tcp_port = 0;
  std::uint64_t uptime_seconds = 0;
  std::int64_t process_id = 0;
  std::uint64_t connected_clients = 0;
  std::uint64_t total_connections_received = 0;
  std::uint64_t total_commands_processed = 0;
  std::uint64_t value_max_bytes = 0;
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
};

// Plans one command (name and arguments as parsed). Never fails: errors become error replies.
RespCommandPlan plan_resp_command(std::vector<std::string> args, const RespServerInfo& info);

// The RESP error text for a core failure: "TOOLARGE <message>" for limits, "ERR <message>" for
// rejected input, "ERR <Code>: <message>" for failures the client may retry (timeouts, I/O).
std::string resp_error_text(const Status& status);

// How many commands plan_resp_command knows (COMMAND COUNT).
std::size_t resp_command_count();

}  // namespace ringkv::api
