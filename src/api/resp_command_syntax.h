// A command's argument syntax, from the one-line notation of its table entry
// (RespCommandSpec::syntax, api/resp_planner.h) to the argument tree COMMAND DOCS publishes
// (Redis's "arguments": name, type, token, optional/multiple flags, nested arguments), from
// which redis-cli builds its hints.
//
// Notation, as Redis's documentation writes a command's arguments:
//   name            an argument; `key` or a name ending in "key" is a key, `name:integer`,
//                   `name:double`, `name:pattern`, `name:unix-time` give a type, else a string
//   TOKEN           a literal word (all capitals): alone a pure token, at the start of a group
//                   the token of what follows it (`EX seconds`, `AUTH username password`)
//   [ ... ]         optional
//   a | b           one of (inside brackets, or a whole syntax: a container's subcommands)
//   item ...        repeated
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ringkv::api {

struct RespArgumentDoc {
  std::string name;
  std::string type;   // key, string, integer, double, pattern, unix-time, pure-token, oneof, block
  std::string token;  // The literal word before the argument; empty: none.
  bool optional = false;
  bool multiple = false;
  std::vector<RespArgumentDoc> arguments;  // Of a oneof or block.
};

// Parses `syntax`; InvalidArgument naming the problem and the syntax for a malformed one.
Result<std::vector<RespArgumentDoc>> parse_resp_syntax(std::string_view syntax);

// The arguments as redis-cli shows them in a hint: `key value [NX|XX] [GET]`, `key [key ...]`.
std::string render_resp_syntax(const std::vector<RespArgumentDoc>& arguments);

}  // namespace ringkv::api
