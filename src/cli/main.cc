// ringkv: the command-line entry point. `ringkv serve` runs a node; `get`, `put` and `del` talk to
// one through the client library. Every setting of `serve` can come from the TOML file given with
// --config and from a flag of the same name (flags win); flags accept '_' or '-' between words.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/base64.h"
#include "cli/bench/bench_command.h"
#include "cli/cli_flags.h"
#include "cli/serve_flags.h"
#include "ringkv/client.h"
#include "runtime/config.h"
#include "runtime/server.h"
#include "runtime/settings.h"
#include "sim/scenario.h"

namespace {

using ringkv::Status;

using ringkv::cli::add_setting;

struct ServeFlags {
  std::string config_path;
  ringkv::runtime::ServerConfig overrides;
};

int run_serve(const ServeFlags& flags, const CLI::App& serve) {
  ringkv::runtime::ServerConfig config;
  if (!flags.config_path.empty()) {
    if (Status status = ringkv::runtime::load_config_file(flags.config_path, config);
        !status.is_ok()) {
      std::cerr << "error: " << status.message() << "\n";
      return 2;
    }
  }
  // Flags given on the command line override the file.
  ringkv::cli::apply_given_settings(serve, flags.overrides, config);
  if (Status status = config.validate(); !status.is_ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  ringkv::runtime::Server server(config);
  if (Status status = server.open(); !status.is_ok()) {
    std::cerr << "error: " << status.to_string() << "\n";
    return 1;
  }
  Status status = server.run();
  if (!status.is_ok()) {
    std::cerr << "error: " << status.to_string() << "\n";
    return 1;
  }
  return 0;
}

struct ClientFlags {
  std::string server = "127.0.0.1:7001";
  std::string bucket = "default";
  std::string key;
  std::string value;
  std::string value_file;  // put: read the value from this file ("-": standard input)
  std::string context;     // base64, as printed by get
  std::uint32_t timeout_ms = 5000;
  bool local = false;  // get: the contacted node's own replica only
};

std::unique_ptr<ringkv::client::Client> connect_or_exit(const ClientFlags& flags) {
  ringkv::client::ClientOptions options;
  options.request_timeout = std::chrono::milliseconds(flags.timeout_ms);
  auto client = ringkv::client::Client::connect(flags.server, options);
  if (!client.is_ok()) {
    std::cerr << "error: " << client.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(client).value();
}

ringkv::Result<std::string> decode_context_flag(const std::string& text) {
  if (text.empty()) return std::string();
  auto bytes = ringkv::api::base64_decode(text);
  if (!bytes.is_ok()) {
    return Status::invalid_argument("--context is not a context printed by get: " +
                                    bytes.status().message());
  }
  return bytes;
}

int run_get(const ClientFlags& flags) {
  auto client = connect_or_exit(flags);
  ringkv::client::RequestOptions options;
  options.local = flags.local;
  auto result = client->get(flags.bucket, flags.key, options);
  if (!result.is_ok()) {
    std::cerr << "error: " << result.status().to_string() << "\n";
    return 1;
  }
  if (!result->found()) {
    std::cout << "(not found)\n";
  } else if (result->values.size() == 1) {
    std::cout << result->values[0] << "\n";
  } else {
    std::cout << "(" << result->values.size() << " siblings)\n";
    for (std::size_t i = 0; i < result->values.size(); ++i) {
      std::cout << "sibling " << i + 1 << ": " << result->values[i] << "\n";
    }
  }
  std::cout << "context: " << ringkv::api::base64_encode(result->context) << "\n";
  return result->found() ? 0 : 3;
}

int run_write(const ClientFlags& flags, bool is_delete) {
  auto context = decode_context_flag(flags.context);
  if (!context.is_ok()) {
    std::cerr << "error: " << context.status().message() << "\n";
    return 2;
  }
  std::string value = flags.value;
  if (!is_delete && !flags.value_file.empty()) {
    std::ifstream file_stream;
    if (flags.value_file != "-") {
      file_stream.open(flags.value_file, std::ios::binary);
      if (!file_stream) {
        std::cerr << "error: cannot read --value-file " << flags.value_file << "\n";
        return 2;
      }
    }
    std::istream& in = flags.value_file == "-" ? std::cin : file_stream;
    value.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto client = connect_or_exit(flags);
  const Status status = is_delete ? client->del(flags.bucket, flags.key, *context)
                                  : client->put(flags.bucket, flags.key, value, *context);
  if (!status.is_ok()) {
    std::cerr << "error: " << status.to_string() << "\n";
    return 1;
  }
  std::cout << "OK\n";
  return 0;
}

struct ScanFlags {
  ClientFlags client;
  ringkv::client::ScanOptions options;
  bool count_keys = false;
};

// Prints every live key of the bucket, one per line, calling the node until the cursor comes
// back "0"; with --count-keys, only how many there are (an estimate under churn).
int run_scan(const ScanFlags& flags) {
  auto client = connect_or_exit(flags.client);
  if (flags.count_keys) {
    auto count = client->count_keys(flags.client.bucket, flags.options);
    if (!count.is_ok()) {
      std::cerr << "error: " << count.status().to_string() << "\n";
      return 1;
    }
    std::cout << *count << "\n";
    return 0;
  }
  std::string cursor = "0";
  do {
    auto page = client->scan(flags.client.bucket, cursor, flags.options);
    if (!page.is_ok()) {
      std::cerr << "error: " << page.status().to_string() << "\n";
      return 1;
    }
    for (const auto& key : page->keys) std::cout << key << "\n";
    cursor = std::move(page->cursor);
  } while (cursor != "0");
  return 0;
}

// Prints each member's share of the ring and zone, the zone spread of the default n's home
// replicas and, with --partitions, every partition's owner.
int run_ring(const ClientFlags& flags, bool list_partitions) {
  auto client = connect_or_exit(flags);
  const auto& members = client->members();
  std::uint32_t total_weight = 0;
  for (const auto& member : members) total_weight += member.weight;
  std::printf("%u partitions, %zu nodes\n", client->partition_count(), members.size());
  std::printf("%-12s %-22s %-12s %6s %10s %8s %8s\n", "node", "address", "zone", "weight",
              "partitions", "share", "target");
  std::map<std::string, std::string> zone_of;
  for (const auto& member : members) {
    const double share = 100.0 * member.partitions / client->partition_count();
    const double target = 100.0 * member.weight / total_weight;
    std::printf("%-12s %-22s %-12s %6u %10u %7.2f%% %7.2f%%\n", member.id.c_str(),
                member.address.c_str(), member.zone.empty() ? "-" : member.zone.c_str(),
                member.weight, member.partitions, share, target);
    zone_of[member.id] = member.zone.empty() ? "\x01" + member.id : member.zone;
  }
  // Zone spread: how many partitions have their n home replicas in k distinct zones (a node
  // without a zone counts as a zone of its own).
  const std::uint32_t n = client->default_n();
  std::map<std::size_t, std::uint32_t> spread;
  for (std::uint32_t p = 0; p < client->partition_count(); ++p) {
    std::set<std::string> zones;
    for (const auto& id : client->preference_list(p, n)) zones.insert(zone_of[id]);
    ++spread[zones.size()];
  }
  std::printf("zone spread (n=%u): ", n);
  bool first = true;
  for (const auto& [zones, partitions] : spread) {
    std::printf("%s%u partitions in %zu zone%s", first ? "" : ", ", partitions, zones,
                zones == 1 ? "" : "s");
    first = false;
  }
  std::printf("\n");
  if (list_partitions) {
    const auto owners = client->partition_owners();
    for (std::size_t p = 0; p < owners.size(); ++p) std::printf("%zu %s\n", p, owners[p].c_str());
  }
  return 0;
}

// A member's state for `status`: down when it did not answer, else joining | up | leaving as the
// cluster declared it.
std::string member_state(const ringkv::client::MemberStatus& s) {
  if (!s.reachable) return "down";
  return s.member.state;
}

struct MembershipFlags {
  std::string server = "127.0.0.1:7001";
  std::uint32_t weight = 0;
  std::string node;
  bool wait = false;
  std::uint32_t wait_s = 600;
};

// join/leave/remove: sent to one node; with --wait, polls until the change has settled (a joiner
// is up, a leaver is gone, everyone's transfers are done).
int run_membership(const MembershipFlags& flags, ringkv::client::MembershipAction action) {
  auto state = ringkv::client::membership_command(flags.server, action, flags.weight, flags.node);
  if (!state.is_ok()) {
    std::cerr << "error: " << state.status().to_string() << "\n";
    return 1;
  }
  std::printf("%s\n", state->c_str());
  if (!flags.wait) return 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (action == ringkv::client::MembershipAction::kLeave) {
      // The leaver stops once it handed everything off: a refused connection means it is done.
      auto client = ringkv::client::Client::connect(flags.server);
      if (!client.is_ok()) {
        std::printf("left\n");
        return 0;
      }
      continue;
    }
    auto client = ringkv::client::Client::connect(flags.server);
    if (!client.is_ok()) continue;
    bool settled = true;
    bool saw_server = action != ringkv::client::MembershipAction::kJoin;
    for (const auto& s : (*client)->status()) {
      if (!s.reachable) continue;
      if (s.transfers_pending != 0 || s.member.state != "up") settled = false;
      if (s.member.address == flags.server) saw_server = true;
    }
    settled = settled && saw_server;
    if (settled) {
      std::printf("settled\n");
      return 0;
    }
  }
  std::cerr << "error: not settled within " << flags.wait_s << " s\n";
  return 1;
}

nlohmann::ordered_json anti_entropy_json(const ringkv::client::MemberStatus& s) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& entry : s.anti_entropy) {
    if (entry.last_exchange_age_ms < 0 && entry.keys_repaired == 0) continue;
    out.push_back({{"partition", entry.partition},
                   {"last_exchange_age_ms", entry.last_exchange_age_ms},
                   {"keys_repaired", entry.keys_repaired}});
  }
  return out;
}

// Every member with its state, weight, ownership, hints and pending transfers; --json for tools.
int run_status(const ClientFlags& flags, bool json, bool anti_entropy) {
  auto client = connect_or_exit(flags);
  const auto statuses = client->status();
  const std::uint32_t partitions = client->partition_count();
  if (anti_entropy && !json) {
    // Per member and partition: when it last compared trees with another replica, what it fixed.
    std::printf("%-10s %9s %18s %13s\n", "node", "partition", "last exchange", "keys repaired");
    for (const auto& s : statuses) {
      for (const auto& entry : s.anti_entropy) {
        if (entry.last_exchange_age_ms < 0 && entry.keys_repaired == 0) continue;
        const std::string age = entry.last_exchange_age_ms < 0
                                    ? "never"
                                    : std::to_string(entry.last_exchange_age_ms / 1000) + " s ago";
        std::printf("%-10s %9u %18s %13llu\n", s.member.id.c_str(), entry.partition, age.c_str(),
                    static_cast<unsigned long long>(entry.keys_repaired));
      }
    }
    return 0;
  }
  if (json) {
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    for (const auto& s : statuses) {
      nlohmann::ordered_json counters = nlohmann::ordered_json::object();
      for (const auto& [name, value] : s.counters) counters[name] = value;
      members.push_back({{"id", s.member.id},
                         {"address", s.member.address},
                         {"state", member_state(s)},
                         {"reachable", s.reachable},
                         {"weight", s.member.weight},
                         {"zone", s.member.zone},
                         {"partitions", s.member.partitions},
                         {"ownership", static_cast<double>(s.member.partitions) / partitions},
                         {"hints_held", s.hints_held},
                         {"hint_bytes", s.hint_bytes},
                         {"transfers_pending", s.transfers_pending},
                         {"transfer_keys_in_flight", s.transfer_keys_in_flight},
                         {"actor_id", s.actor_id},
                         {"uptime_ms", s.uptime_ms},
                         {"peers_believed_down", s.peers_believed_down},
                         {"counters", counters},
                         {"anti_entropy", anti_entropy_json(s)},
                         {"error", s.error}});
    }
    nlohmann::ordered_json out = {{"partition_count", partitions}, {"members", members}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-10s %-22s %-8s %-10s %6s %10s %8s %10s %10s  %s\n", "node", "address", "state",
              "zone", "weight", "partitions", "share", "hints", "transfers", "sees down");
  for (const auto& s : statuses) {
    std::string down;
    for (const auto& peer : s.peers_believed_down) down += (down.empty() ? "" : ",") + peer;
    std::printf("%-10s %-22s %-8s %-10s %6u %10u %7.2f%% %10s %10s  %s\n", s.member.id.c_str(),
                s.member.address.c_str(), member_state(s).c_str(),
                s.member.zone.empty() ? "-" : s.member.zone.c_str(), s.member.weight,
                s.member.partitions, 100.0 * s.member.partitions / partitions,
                s.reachable ? std::to_string(s.hints_held).c_str() : "-",
                s.reachable ? std::to_string(s.transfers_pending).c_str() : "-",
                s.reachable ? (down.empty() ? "-" : down.c_str()) : s.error.c_str());
  }
  return 0;
}

struct SimFlags {
  std::uint64_t seed = 0;  // 0: run --seeds seeds starting at --first-seed.
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 100;
  bool trace = false;
  ringkv::sim::ScenarioOptions scenario;
};

// Soaks many seeds, or replays one seed (with --trace, every event it processed).
int run_sim(const SimFlags& flags) {
  const std::uint64_t first = flags.seed != 0 ? flags.seed : flags.first_seed;
  const std::uint64_t count = flags.seed != 0 ? 1 : flags.seeds;
  std::uint64_t failures = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    ringkv::sim::ScenarioOptions options = flags.scenario;
    options.seed = seed;
    options.keep_trace = flags.trace;
    const auto result = ringkv::sim::run_scenario(options);
    for (const auto& line : result.trace) std::printf("%s\n", line.c_str());
    std::printf("seed %llu: %s  trace %016llx  events %llu  acknowledged %llu  faults %llu  "
                "hints delivered %llu  keys handed off %llu  tombstones reaped %llu\n",
                static_cast<unsigned long long>(seed),
                result.check.is_ok() ? "ok" : result.check.to_string().c_str(),
                static_cast<unsigned long long>(result.trace_hash),
                static_cast<unsigned long long>(result.events),
                static_cast<unsigned long long>(result.acknowledged_writes),
                static_cast<unsigned long long>(result.faults),
                static_cast<unsigned long long>(result.hints_delivered),
                static_cast<unsigned long long>(result.keys_handed_off),
                static_cast<unsigned long long>(result.tombstones_reaped));
    std::fflush(stdout);
    if (!result.check.is_ok()) ++failures;
  }
  if (count > 1) {
    std::printf("%llu of %llu seeds failed\n", static_cast<unsigned long long>(failures),
                static_cast<unsigned long long>(count));
  }
  return failures == 0 ? 0 : 1;
}

void add_client_flags(CLI::App& command, ClientFlags& flags, bool with_context) {
  add_setting(command, "server", flags.server, "Node to talk to, HOST:PORT")->capture_default_str();
  add_setting(command, "bucket", flags.bucket, "Bucket (namespace) of the key")->capture_default_str();
  add_setting(command, "timeout_ms", flags.timeout_ms, "Request timeout")->capture_default_str();
  if (with_context) {
    add_setting(command, "context", flags.context, "Context printed by `get` (base64)");
  }
  command.add_option("KEY", flags.key, "Key")->required();
}

struct BucketFlags {
  std::string server = "127.0.0.1:7001";
  std::string bucket;
  std::vector<std::string> properties;  // set: NAME=VALUE
  bool json = false;
};

void print_bucket(const ringkv::client::BucketInfo& info, const std::string& label) {
  std::string line = label;
  for (const auto& [name, value] : info.properties) line += " " + name + "=" + value;
  if (info.own) {
    line += " (version " + std::to_string(info.version) + ", set through " + info.set_by + ")";
  } else if (!label.empty() && label != "defaults") {
    line += " (no properties of its own: the defaults)";
  }
  std::printf("%s\n", line.c_str());
}

// bucket set|get|list|reset: sent to one node (set and reset reach the others by gossip).
int run_bucket(const BucketFlags& flags, ringkv::client::BucketAction action) {
  std::vector<std::pair<std::string, std::string>> properties;
  for (const std::string& property : flags.properties) {
    const auto equals = property.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "error: '" << property << "' is not NAME=VALUE (e.g. n=5, conflict=lww)\n";
      return 2;
    }
    properties.emplace_back(property.substr(0, equals), property.substr(equals + 1));
  }
  auto listing = ringkv::client::bucket_command(flags.server, action, flags.bucket, properties);
  if (!listing.is_ok()) {
    std::cerr << "error: " << listing.status().to_string() << "\n";
    return 1;
  }
  if (flags.json) {
    auto to_json = [](const ringkv::client::BucketInfo& info) {
      nlohmann::json props = nlohmann::json::object();
      for (const auto& [name, value] : info.properties) props[name] = value;
      nlohmann::json out{{"props", props}, {"own", info.own}};
      if (!info.name.empty()) out["name"] = info.name;
      if (info.own) {
        out["version"] = info.version;
        out["set_by"] = info.set_by;
      }
      return out;
    };
    nlohmann::json out;
    out["buckets"] = nlohmann::json::array();
    for (const auto& info : listing->buckets) out["buckets"].push_back(to_json(info));
    out["defaults"] = to_json(listing->defaults);
    out["config_ignored"] = listing->config_ignored;
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (action == ringkv::client::BucketAction::kList) {
    print_bucket(listing->defaults, "defaults");
    for (const auto& info : listing->buckets) print_bucket(info, info.name);
  } else {
    for (const auto& info : listing->buckets) print_bucket(info, info.name);
  }
  for (const auto& name : listing->config_ignored) {
    std::printf(
        "note: the config file of %s sets bucket %s differently; the cluster's "
        "properties apply\n",
        flags.server.c_str(), name.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ringkv: a Dynamo-style distributed key-value store"};
  app.require_subcommand(1);

  ServeFlags serve_flags;
  auto& o = serve_flags.overrides;
  CLI::App* serve = app.add_subcommand("serve", "Run a node");
  serve->add_option("--config", serve_flags.config_path, "TOML settings file")->check(CLI::ExistingFile);
  ringkv::cli::add_server_settings(*serve, o);

  bool settings_markdown = false;
  CLI::App* settings = app.add_subcommand(
      "settings", "Print every setting of `serve` with its default, as a TOML file");
  settings->add_flag("--markdown", settings_markdown,
                     "Print the table of docs/OPERATIONS.md instead (tools/settings_doc.sh)");

  ClientFlags get_flags, put_flags, del_flags;
  CLI::App* get = app.add_subcommand("get", "Read a key: its value or all siblings, and a context");
  add_client_flags(*get, get_flags, false);
  get->add_flag("--local", get_flags.local,
                "Read only the contacted node's own replica (no quorum; may be stale or missing)");
  CLI::App* put = app.add_subcommand("put", "Write a value, optionally with a read's context");
  add_client_flags(*put, put_flags, true);
  auto* value_option = put->add_option("VALUE", put_flags.value, "Value");
  add_setting(*put, "value_file", put_flags.value_file, "Read the value from a file ('-': stdin)")
      ->excludes(value_option);
  put->callback([&] {
    if (value_option->count() == 0 && put_flags.value_file.empty()) {
      throw CLI::RequiredError("VALUE or --value-file");
    }
  });
  CLI::App* del = app.add_subcommand("del", "Delete a key, optionally with a read's context");
  add_client_flags(*del, del_flags, true);

  ScanFlags scan_flags;
  CLI::App* scan = app.add_subcommand(
      "scan", "Print every live key of a bucket (or, with --count-keys, how many there are)");
  add_setting(*scan, "server", scan_flags.client.server, "Node to talk to, HOST:PORT")
      ->capture_default_str();
  add_setting(*scan, "bucket", scan_flags.client.bucket, "Bucket (namespace) to scan")
      ->capture_default_str();
  add_setting(*scan, "timeout_ms", scan_flags.client.timeout_ms, "Request timeout")
      ->capture_default_str();
  add_setting(*scan, "match", scan_flags.options.match,
              "Only keys matching this glob pattern (Redis syntax: * ? [abc] [^a] [a-z] \\x)");
  add_setting(*scan, "count", scan_flags.options.count,
              "Keys asked for per call, a hint (default 10, at most 1024)");
  add_setting(*scan, "type", scan_flags.options.type, "Only keys of this Redis type");
  scan->add_flag("--count-keys", scan_flags.count_keys,
                 "Print how many live keys the bucket holds (one replica per partition)");

  ClientFlags ring_flags;
  bool ring_partitions = false;
  CLI::App* ring = app.add_subcommand("ring", "Show ring ownership per node");
  add_setting(*ring, "server", ring_flags.server, "Any node, HOST:PORT")->capture_default_str();
  ring->add_flag("--partitions", ring_partitions, "Also list the owner of every partition");

  ClientFlags status_flags;
  bool status_json = false;
  CLI::App* status = app.add_subcommand("status", "Show every member: state, ownership, hints");
  add_setting(*status, "server", status_flags.server, "Any node, HOST:PORT")
      ->capture_default_str();
  status->add_flag("--json", status_json, "Print JSON");
  bool status_anti_entropy = false;
  status->add_flag("--anti-entropy", status_anti_entropy,
                   "Per partition: last anti-entropy exchange and keys repaired");

  MembershipFlags join_flags, leave_flags, remove_flags;
  CLI::App* join = app.add_subcommand(
      "join", "Make a node started with auto_join=false join the cluster through its seeds");
  add_setting(*join, "server", join_flags.server, "The joining node, HOST:PORT")
      ->capture_default_str();
  add_setting(*join, "weight", join_flags.weight, "Weight (default: the node's setting)");
  CLI::App* leave = app.add_subcommand(
      "leave", "Make a node hand all of its data to the others, then leave and stop");
  add_setting(*leave, "server", leave_flags.server, "The leaving node, HOST:PORT")
      ->capture_default_str();
  CLI::App* remove = app.add_subcommand(
      "remove", "Declare a dead node gone for good; its partitions are rebuilt on the others");
  add_setting(*remove, "server", remove_flags.server, "Any live member, HOST:PORT")
      ->capture_default_str();
  remove->add_option("NODE", remove_flags.node, "Id of the node to remove")->required();
  for (auto [command, flags] : {std::pair{join, &join_flags}, std::pair{leave, &leave_flags},
                                 std::pair{remove, &remove_flags}}) {
    command->add_flag("--wait", flags->wait, "Wait until the change has settled");
    add_setting(*command, "wait_s", flags->wait_s, "Longest wait")->capture_default_str();
  }

  BucketFlags bucket_flags;
  CLI::App* bucket = app.add_subcommand(
      "bucket", "Bucket properties, cluster-wide: set, get, list, reset (docs/OPERATIONS.md)");
  bucket->require_subcommand(1);
  bucket->fallthrough();  // --server and --json after the subcommand too.
  add_setting(*bucket, "server", bucket_flags.server, "Any node, HOST:PORT")->capture_default_str();
  bucket->add_flag("--json", bucket_flags.json, "Print JSON");
  CLI::App* bucket_set = bucket->add_subcommand(
      "set",
      "Set properties: n, r, w, pr, pw (integers; r, w, pr, pw also one|quorum|all), "
      "conflict (siblings|lww), value_max_bytes, siblings_max (0: the default)");
  bucket_set->add_option("NAME", bucket_flags.bucket, "Bucket")->required();
  bucket_set->add_option("PROPERTY", bucket_flags.properties, "NAME=VALUE, one or more")
      ->required();
  CLI::App* bucket_get = bucket->add_subcommand("get", "Show a bucket's properties");
  bucket_get->add_option("NAME", bucket_flags.bucket, "Bucket")->required();
  CLI::App* bucket_list = bucket->add_subcommand(
      "list", "Show the defaults and every bucket with properties of its own");
  CLI::App* bucket_reset = bucket->add_subcommand("reset", "Make a bucket use the defaults again");
  bucket_reset->add_option("NAME", bucket_flags.bucket, "Bucket")->required();

  SimFlags sim_flags;
  CLI::App* sim = app.add_subcommand(
      "sim", "Deterministic simulation: soak many seeds, or replay one seed (--seed N --trace)");
  add_setting(*sim, "seed", sim_flags.seed, "Replay this one seed");
  add_setting(*sim, "first_seed", sim_flags.first_seed, "First seed of a soak")
      ->capture_default_str();
  add_setting(*sim, "seeds", sim_flags.seeds, "Seeds in a soak")->capture_default_str();
  sim->add_flag("--trace", sim_flags.trace, "Print every event of the run");
  add_setting(*sim, "nodes", sim_flags.scenario.nodes, "Simulated nodes")->capture_default_str();
  add_setting(*sim, "clients", sim_flags.scenario.clients, "Simulated clients")
      ->capture_default_str();
  add_setting(*sim, "fault_duration_ms", sim_flags.scenario.fault_duration_ms,
              "Simulated time with faults before healing")
      ->capture_default_str();
  sim->add_flag("--membership-churn", sim_flags.scenario.membership_churn,
                "Gossip membership with a join and a leave under the load, on skewed clocks");
  sim->add_flag("--storage-faults", sim_flags.scenario.storage_faults,
                "Failing disks: reads, scans, writes and fsyncs failing, full disks, torn crashes");
  sim->add_flag("--data-types", sim_flags.scenario.data_types,
                "Redis data types too: counters, sets, hash counters and expiring keys, checked");
  add_setting(*sim, "drop_probability", sim_flags.scenario.drop_probability,
              "Message loss while faults run")
      ->capture_default_str();

  ringkv::bench::BenchOptions bench_options;
  CLI::App* bench = ringkv::bench::add_bench_command(app, bench_options);

  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);
  if (serve->parsed()) return run_serve(serve_flags, *serve);
  if (settings->parsed()) {
    std::cout << (settings_markdown ? ringkv::runtime::settings_markdown()
                                    : ringkv::runtime::settings_toml(ringkv::runtime::ServerConfig{}));
    return 0;
  }
  if (get->parsed()) return run_get(get_flags);
  if (put->parsed()) return run_write(put_flags, false);
  if (del->parsed()) return run_write(del_flags, true);
  if (ring->parsed()) return run_ring(ring_flags, ring_partitions);
  if (scan->parsed()) return run_scan(scan_flags);
  if (status->parsed()) return run_status(status_flags, status_json, status_anti_entropy);
  if (sim->parsed()) return run_sim(sim_flags);
  if (join->parsed()) return run_membership(join_flags, ringkv::client::MembershipAction::kJoin);
  if (leave->parsed()) return run_membership(leave_flags, ringkv::client::MembershipAction::kLeave);
  if (remove->parsed()) {
    return run_membership(remove_flags, ringkv::client::MembershipAction::kRemove);
  }
  if (bucket_set->parsed()) return run_bucket(bucket_flags, ringkv::client::BucketAction::kSet);
  if (bucket_get->parsed()) return run_bucket(bucket_flags, ringkv::client::BucketAction::kGet);
  if (bucket_list->parsed()) return run_bucket(bucket_flags, ringkv::client::BucketAction::kList);
  if (bucket_reset->parsed()) {
    return run_bucket(bucket_flags, ringkv::client::BucketAction::kReset);
  }
  if (bench->parsed()) return ringkv::bench::run_bench(bench_options);
  return 2;
}
