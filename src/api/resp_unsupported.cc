// The Redis commands of families ringkv does not implement, so a client that sends one learns
// why ("lists are not implemented") instead of reading "unknown command" as a typo or a version
// mismatch. A command the table implements is found there first, so implementing one only needs
// its removal from here for the overlap test (resp_commands_test.cc).
#include <algorithm>
#include <cctype>

#include "api/resp_planner.h"

namespace ringkv::api {
namespace {

struct Family {
  std::string_view name;      // As the error says it: "<name> are not implemented".
  std::string_view commands;  // Lowercase, separated by single spaces.
};

constexpr Family kFamilies[] = {
    {"lists",
     "lpush rpush lpushx rpushx lpop rpop lrange llen lindex lset lrem ltrim linsert "
     "lpos rpoplpush lmove lmpop"},
    {"sorted sets",
     "zadd zrange zrem zscore zcard zincrby zrank zrevrank zcount zrangebyscore "
     "zrevrangebyscore zrangebylex zrevrangebylex zrevrange zlexcount zpopmin zpopmax "
     "zmpop zrandmember zmscore zunion zunionstore zinter zinterstore zintercard zdiff "
     "zdiffstore zrangestore zremrangebyrank zremrangebyscore zremrangebylex zscan"},
    {"blocking commands",
     "blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop wait waitaof"},
    {"pub/sub",
     "subscribe unsubscribe psubscribe punsubscribe publish pubsub ssubscribe "
     "sunsubscribe spublish"},
    {"scripting and functions", "eval evalsha eval_ro evalsha_ro script function fcall fcall_ro"},
    {"streams",
     "xadd xrange xrevrange xlen xread xreadgroup xgroup xack xclaim xautoclaim xdel "
     "xtrim xinfo xpending xsetid"},
    {"geospatial indexes",
     "geoadd geodist geohash geopos georadius georadius_ro georadiusbymember "
     "georadiusbymember_ro geosearch geosearchstore"},
    {"HyperLogLogs", "pfadd pfcount pfmerge pfdebug pfselftest"},
    {"cross-key set operations and random members",
     "sunion sunionstore sinter sinterstore sintercard sdiff sdiffstore smove spop "
     "srandmember"},
    {"bit and range operations on strings",
     "setbit getbit bitcount bitop bitpos bitfield bitfield_ro getrange setrange substr lcs"},
    {"key renames, copies, dumps and object introspection",
     "rename renamenx copy move dump restore migrate object randomkey sort sort_ro touch "
     "swapdb"},
    {"Redis replication and cluster commands",
     "replicaof slaveof sync psync failover cluster readonly readwrite asking"},
};

// Calls `visit` with each command name of `family`.
template <typename Visit>
void for_each_command(const Family& family, Visit visit) {
  std::string_view rest = family.commands;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    visit(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
}

std::string uppercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string_view> resp_unsupported_family(std::string_view name) {
  for (const Family& family : kFamilies) {
    bool found = false;
    for_each_command(family, [&](std::string_view command) {
      found = found || equals_ignore_case(name, command);
    });
    if (found) return family.name;
  }
  return std::nullopt;
}

std::string resp_unsupported_error(std::string_view name, std::string_view family) {
  return "ERR " + uppercase(echoed(name)) + " is not supported by ringkv: " + std::string(family) +
         " are not implemented (see docs/REDIS.md)";
}

std::vector<std::string_view> resp_unsupported_names() {
  std::vector<std::string_view> names;
  for (const Family& family : kFamilies) {
    for_each_command(family, [&](std::string_view command) { names.push_back(command); });
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ringkv::api
