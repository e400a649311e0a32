#include "runtime/settings.h"

#include <concepts>
#include <cstdio>
#include <span>
#include <sstream>
#include <type_traits>

#include "api/resp_commands.h"
#include "common/host_port.h"
#include "common/limits.h"
#include "core/bucket.h"
#include "core/membership/membership_state.h"
#include "core/overloaded.h"

namespace ringkv::runtime {
namespace {

using core::Overloaded;

constexpr std::uint64_t kSecondMs = 1000;
constexpr std::uint64_t kMinuteMs = 60 * kSecondMs;
constexpr std::uint64_t kHourMs = 60 * kMinuteMs;
constexpr std::uint64_t kDayMs = 24 * kHourMs;
constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;
constexpr std::uint64_t kTiB = 1024 * kGiB;

using C = ServerConfig;
using U32 = NumberSetting<std::uint32_t>;
using U64 = NumberSetting<std::uint64_t>;
using Real = NumberSetting<double>;

std::vector<Setting> build_table() {
  return {
      {"node_id", TextSetting{&C::node_id, check_node_id},
       "Unique name of this node in the cluster (at most 64 characters; no spaces, '=', ',', '@' "
       "or ':')"},
      {"listen", TextSetting{&C::listen, check_host_port},
       "Native protocol address HOST:PORT (port 0 picks a free port, logged at start)"},
      {"data_dir", TextSetting{&C::data_dir}, "Directory of the storage engine's files"},
      {"engine", ChoiceSetting{&C::engine, {"rocksdb", "memory"}},
       "Storage engine: rocksdb is durable, memory is lost at exit (tests, caches)"},
      {"sync", ChoiceSetting{&C::sync, {"always", "batch", "none"}},
       "When writes are fsynced: each before its acknowledgement, in groups, or never"},
      {"value_max_bytes", U64{&C::value_max_bytes, 1, limits::kValueMaxBytesCeiling},
       "Largest value accepted"},
      {"partition_count", U32{&C::partition_count, 1, limits::kPartitionCountMax, true},
       "Q, the ring's partitions; fixed when the cluster is created"},
      {"tick_interval_ms", U32{&C::tick_interval_ms, 1, 60'000},
       "Period of the node's timer (timeouts, retries and pings are checked on ticks)"},
      {"log_level", ChoiceSetting{&C::log_level, {"trace", "debug", "info", "warn", "error"}},
       "Lowest level logged"},
      {"peers", TextSetting{&C::peers, nullptr, true},
       "Static cluster, the same on every node: ID=HOST:PORT[@WEIGHT][/ZONE],... in join order; "
       "empty: a cluster of one"},
      {"seeds", TextSetting{&C::seeds, nullptr, true},
       "Gossip membership: the seed nodes [ID=]HOST:PORT,... (a node may list itself; an "
       "address-only seed must be the address it advertises); excludes peers"},
      {"advertise", TextSetting{&C::advertise, check_optional_host_port},
       "HOST:PORT other nodes and clients use to reach this node; empty: the listen address"},
      {"weight", U32{&C::weight, 1, core::kMemberWeightMax},
       "Share of the ring relative to the other members, fixed at join (gossip membership)"},
      {"zone", TextSetting{&C::zone, check_zone},
       "This node's rack or data centre (up to 64 printable characters without spaces , = @ /): "
       "replicas go to distinct zones first; empty: none"},
      {"auto_join", BoolSetting{&C::auto_join},
       "Join through the seeds at start; false: only observe until `ringkv join`"},
      {"gossip_interval_ms", U32{&C::gossip_interval_ms, 10, 60'000},
       "Period of the gossip exchange with one random live peer (now and then a seed)"},
      {"phi_threshold", Real{&C::phi_threshold, 1.0, 64.0},
       "Failure detector: a peer is treated as down once its phi reaches this"},
      {"anti_entropy", BoolSetting{&C::anti_entropy},
       "Merkle-tree anti-entropy between the replicas of each partition, in the background"},
      {"anti_entropy_interval_ms", U64{&C::anti_entropy_interval_ms, 10, kDayMs},
       "How often each partition is compared with another replica"},
      {"tombstone_grace_ms", U64{&C::tombstone_grace_ms, kSecondMs, 30 * kDayMs},
       "How long after its partition's last write a confirmed tombstone may be reaped"},
      {"transfer_bytes_per_s", U64{&C::transfer_bytes_per_s, 4 * kKiB, 16 * kGiB},
       "Throttle on the ownership transfer and rebuild traffic one node sends"},
      {"resp_listen", TextSetting{&C::resp_listen, check_optional_host_port},
       "Redis protocol address HOST:PORT; empty: RESP is off"},
      {"http_listen", TextSetting{&C::http_listen, check_optional_host_port},
       "HTTP/JSON address HOST:PORT (keys, data types, /stats, /cluster, Prometheus /metrics); "
       "empty: HTTP is off"},
      {"resp_databases", TextSetting{&C::resp_databases, check_resp_databases, true},
       "Buckets of the Redis databases: SELECT n addresses the n-th (database 0 first; names of "
       "1 to 255 bytes without spaces, at most 1024)"},
      {"resp_keys_max", U64{&C::resp_keys_max, 1, api::kRespKeysMaxCeiling},
       "Most keys a Redis KEYS returns; past it, KEYS fails and SCAN must be used"},
      {"allow_flush", BoolSetting{&C::allow_flush},
       "Allow FLUSHDB and FLUSHALL on the Redis port (they delete every key of the database, or "
       "of every database, across the cluster); false: refused"},
      {"request_timeout_ms", U32{&C::request_timeout_ms, 1, 10 * kMinuteMs},
       "How long a coordinator waits for its quorum"},
      {"n", U32{&C::n, 1, core::kReplicasMax}, "Default bucket: replicas per key"},
      {"r", U32{&C::r, 1, core::kReplicasMax},
       "Default bucket: replies a get waits for (at most n)"},
      {"w", U32{&C::w, 1, core::kReplicasMax},
       "Default bucket: durable acknowledgements a put waits for (at most n)"},
      {"conflict", ChoiceSetting{&C::conflict, {"siblings", "lww"}},
       "Default bucket: concurrent string writes are kept as siblings (GET reads the newest, "
       "GETALL all) or the newest write wins and no siblings are kept"},
      {"hinted_handoff", BoolSetting{&C::hinted_handoff},
       "Sloppy quorum: writes for a home replica believed down go to a fallback as hints"},
      {"hint_bytes_max", U64{&C::hint_bytes_max, 4 * kKiB, kTiB},
       "Bound on the hints one node keeps; past it, hint writes are refused"},
  };
}

template <typename T>
std::string number_text(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else {
    return std::to_string(value);
  }
}

// "1 h", "64 MiB": a reading aid after round values of durations and sizes in the docs table.
std::string readable(std::string_view name, std::uint64_t value) {
  struct Unit {
    std::uint64_t size;
    const char* label;
  };
  const bool duration = name.ends_with("_ms");
  const bool size = name.find("bytes") != std::string_view::npos;
  if (!duration && !size) return "";
  static constexpr Unit kDurations[] = {
      {kDayMs, "d"}, {kHourMs, "h"}, {kMinuteMs, "min"}, {kSecondMs, "s"}};
  static constexpr Unit kSizes[] = {{kTiB, "TiB"}, {kGiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}};
  const std::span<const Unit> units = duration ? std::span<const Unit>(kDurations) : kSizes;
  for (const Unit& unit : units) {
    if (value >= unit.size && value % unit.size == 0) {
      const std::string per_s = name.ends_with("_per_s") ? "/s" : "";
      return " (" + std::to_string(value / unit.size) + " " + unit.label + per_s + ")";
    }
  }
  return "";
}

std::string choices_text(const ChoiceSetting& choice, std::string_view separator,
                         std::string_view quote) {
  std::string text;
  for (const auto& option : choice.choices) {
    if (!text.empty()) text += separator;
    text += std::string(quote) + std::string(option) + std::string(quote);
  }
  return text;
}

template <typename T>
std::string range_text(const NumberSetting<T>& number) {
  const std::string range = "[" + number_text(number.min) + ", " + number_text(number.max) + "]";
  return number.power_of_two ? "a power of two in " + range : range;
}

template <typename T>
Status check_number(const Setting& setting, const NumberSetting<T>& number, T value) {
  bool ok = value >= number.min && value <= number.max;  // False for NaN.
  if constexpr (std::is_integral_v<T>) {
    ok = ok && (!number.power_of_two || (value & (value - 1)) == 0);
  }
  return ok ? Status::ok() : bounds_error(setting, number_text(value));
}

}  // namespace

Status bounds_error(const Setting& setting, const std::string& value) {
  const std::string bounds = setting_bounds(setting);
  const bool phrase = bounds.starts_with("a ");
  return Status::invalid_argument(std::string(setting.name) + " must be " + (phrase ? "" : "in ") +
                                  bounds + ", got " + value);
}

Status check_node_id(std::string_view name, const std::string& value) {
  if (value.empty()) return Status::invalid_argument(std::string(name) + " must not be empty");
  if (value.size() > 64 || value.find_first_of(" \t\n=,@:") != std::string::npos) {
    return Status::invalid_argument(std::string(name) + " '" + value +
                                    "' must be at most 64 characters without spaces, '=', ',', "
                                    "'@' or ':'");
  }
  return Status::ok();
}

Status check_host_port(std::string_view name, const std::string& value) {
  auto address = parse_host_port(value, std::string(name));
  return address.is_ok() ? Status::ok() : address.status();
}

Status check_optional_host_port(std::string_view name, const std::string& value) {
  return value.empty() ? Status::ok() : check_host_port(name, value);
}

Status check_zone(std::string_view name, const std::string& value) {
  if (core::is_valid_zone(value)) return Status::ok();
  return Status::invalid_argument(std::string(name) + " '" + value + "' must be at most " +
                                  std::to_string(core::kZoneBytesMax) +
                                  " printable characters without spaces , = @ /");
}

Status check_resp_databases(std::string_view, const std::string& value) {
  auto databases = api::parse_resp_databases(value);
  return databases.is_ok() ? Status::ok() : databases.status();
}

const std::vector<Setting>& server_settings() {
  static const std::vector<Setting> table = build_table();
  return table;
}

const Setting* find_setting(std::string_view name) {
  for (const Setting& setting : server_settings()) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

std::string setting_type(const Setting& setting) {
  return std::visit(
      Overloaded{
          [](const TextSetting& text) -> std::string { return text.list ? "list" : "string"; },
          [](const ChoiceSetting& choice) { return choices_text(choice, " | ", ""); },
          [](const BoolSetting&) -> std::string { return "bool"; },
          [](const U32&) -> std::string { return "uint32"; },
          [](const U64&) -> std::string { return "uint64"; },
          [](const Real&) -> std::string { return "number"; },
      },
      setting.field);
}

std::string setting_value(const Setting& setting, const ServerConfig& config) {
  return std::visit(Overloaded{
                        [&](const TextSetting& text) { return config.*text.member; },
                        [&](const ChoiceSetting& choice) { return config.*choice.member; },
                        [&](const BoolSetting& flag) -> std::string {
                          return config.*flag.member ? "true" : "false";
                        },
                        [&](const auto& number) { return number_text(config.*number.member); },
                    },
                    setting.field);
}

std::string setting_bounds(const Setting& setting) {
  return std::visit(Overloaded{
                        [](const TextSetting&) { return std::string(); },
                        [](const ChoiceSetting&) { return std::string(); },
                        [](const BoolSetting&) { return std::string(); },
                        [](const auto& number) { return range_text(number); },
                    },
                    setting.field);
}

Status check_setting(const Setting& setting, const ServerConfig& config) {
  return std::visit(
      Overloaded{
          [&](const TextSetting& text) {
            return text.check == nullptr ? Status::ok()
                                         : text.check(setting.name, config.*text.member);
          },
          [&](const ChoiceSetting& choice) {
            const std::string& value = config.*choice.member;
            for (const auto& option : choice.choices) {
              if (value == option) return Status::ok();
            }
            return Status::invalid_argument(std::string(setting.name) + " must be one of " +
                                            choices_text(choice, ", ", "'") + ", got '" + value +
                                            "'");
          },
          [](const BoolSetting&) { return Status::ok(); },
          [&](const auto& number) { return check_number(setting, number, config.*number.member); },
      },
      setting.field);
}

void copy_setting(const Setting& setting, const ServerConfig& from, ServerConfig& to) {
  std::visit([&](const auto& field) { to.*field.member = from.*field.member; }, setting.field);
}

std::string settings_toml(const ServerConfig& config) {
  std::string out = "# Every setting of `ringkv serve` (docs/OPERATIONS.md explains them).\n";
  for (const Setting& setting : server_settings()) {
    const std::string bounds = setting_bounds(setting);
    out += "\n# " + std::string(setting.doc) + "\n# " + setting_type(setting) +
           (bounds.empty() ? "" : ", " + bounds) + "\n" + std::string(setting.name) + " = ";
    const std::string value = setting_value(setting, config);
    if (std::holds_alternative<TextSetting>(setting.field) ||
        std::holds_alternative<ChoiceSetting>(setting.field)) {
      out += '"';
      for (const char c : value) {
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
          continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      out += value;
    }
    out += "\n";
  }
  return out;
}

std::string settings_markdown() {
  const ServerConfig defaults;
  std::string out = "| Setting | Type | Default | Bounds | Meaning |\n|---|---|---|---|---|\n";
  for (const Setting& setting : server_settings()) {
    std::string type = setting_type(setting);
    std::string bounds = setting_bounds(setting);
    const std::string value = setting_value(setting, defaults);
    std::string default_cell = value.empty() ? "empty" : "`" + value + "`";
    std::visit(Overloaded{
                   [&](const ChoiceSetting& choice) { type = choices_text(choice, ", ", "`"); },
                   [&]<std::integral T>(const NumberSetting<T>& number) {
                     bounds = (number.power_of_two ? "a power of two in [" : "[") +
                              std::to_string(number.min) + readable(setting.name, number.min) +
                              ", " + std::to_string(number.max) +
                              readable(setting.name, number.max) + "]";
                     default_cell += readable(setting.name, defaults.*number.member);
                   },
                   [](const auto&) {},
               },
               setting.field);
    std::string doc(setting.doc);
    for (std::size_t at = doc.find('|'); at != std::string::npos; at = doc.find('|', at + 2)) {
      doc.replace(at, 1, "\\|");
    }
    out += "| `" + std::string(setting.name) + "` | " + type + " | " + default_cell + " | " +
           bounds + " | " + doc + " |\n";
  }
  return out;
}

}  // namespace ringkv::runtime
