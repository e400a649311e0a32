// RespSession: the state one Redis-protocol connection carries from command to command: its
// protocol (HELLO), identity (CLIENT ID, SETNAME, SETINFO), selected database (SELECT) and open
// transaction (MULTI). The host (runtime/resp_server) owns one per connection, fills the identity
// fields when the connection opens and hands it to every plan_resp_command call
// (api/resp_commands.h); the planners change the rest.
//
// Commands are planned in the order the connection sent them, so a change a command makes here
// (HELLO 3, SELECT 1) applies to every command after it, including pipelined ones, while a
// command planned earlier keeps what it captured: its reply is written in the protocol it was
// planned under and its requests address the bucket selected then. A planner that finishes its
// reply in a continuation (after the node answered) therefore captures what it needs from the
// session (the writer's protocol, the bucket) by value, never the session itself.
// Thread-safety: a plain value, used on the host's event-loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/resp_encoder.h"

namespace ringkv::api {

// MULTI's queue: commands checked (known, right arity) and kept until EXEC or DISCARD. It holds
// at most this many commands and bytes of arguments; past either, the command is refused and the
// transaction aborted (EXECABORT), so one connection cannot hold unbounded memory. The byte bound
// admits at least one command of the largest size the parser accepts (api/resp_parser.h).
inline constexpr std::size_t kRespTransactionCommandsMax = 10000;
inline constexpr std::size_t kRespTransactionBytesMax = 256 * 1024 * 1024;

struct RespTransaction {
  bool active = false;   // Between MULTI and EXEC or DISCARD.
  bool aborted = false;  // A command was refused while queueing: EXEC answers EXECABORT.
  std::vector<std::vector<std::string>> queued;
  std::size_t queued_bytes = 0;  // Sum of the queued commands' argument bytes.
};

struct RespSession {
  // Set by the host when the connection opens; commands never change these.
  std::uint64_t client_id = 0;        // Unique among this node's connections since start.
  std::string address;                // The client's "IP:PORT".
  std::string local_address;          // The "IP:PORT" the client connected to.
  std::int64_t fd = -1;               // The socket's descriptor, as CLIENT LIST shows it.
  std::uint64_t connected_at_ms = 0;  // On RespServerInfo::now_ms's clock.

  // Kept up to date by plan_resp_command.
  std::uint64_t last_command_at_ms = 0;
  std::string last_command;  // Lowercase, with the subcommand: "get", "client|list".

  // Changed by commands.
  RespProtocol protocol = RespProtocol::kResp2;
  std::string name;                // CLIENT SETNAME, HELLO SETNAME; empty: none.
  std::string lib_name;            // CLIENT SETINFO LIB-NAME
  std::string lib_ver;             // CLIENT SETINFO LIB-VER
  std::size_t database = 0;        // SELECT's index into RespServerInfo::databases ...
  std::string bucket = "default";  // ... and the bucket it names, which commands address.
  RespTransaction transaction;

  // A writer for a reply in this connection's current protocol.
  RespWriter writer() const { return RespWriter(protocol); }
};

}  // namespace ringkv::api
