// The settings table and what it drives: the TOML loader (each kind of setting, type and bounds
// errors, unknown keys), ServerConfig::validate() and its agreement with the core's own
// NodeConfig::validate() at every bound, and the generated TOML and markdown.
#include "runtime/settings.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include "api/resp_commands.h"
#include "core/overloaded.h"
#include "runtime/config.h"
#include "storage/engine.h"

namespace ringkv::runtime {
namespace {

// Loads `text` as a TOML file over the defaults.
struct Loaded {
  Status status;
  ServerConfig config;
};

Loaded load_toml(const std::string& text) {
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    ("ringkv_settings_test_" + std::to_string(::getpid()) + "_" +
                     std::to_string(counter++) + ".toml");
  std::ofstream(path) << text;
  Loaded loaded;
  loaded.status = load_config_file(path.string(), loaded.config);
  std::filesystem::remove(path);
  return loaded;
}

bool contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(Settings, EveryNameIsUniqueAndDocumentedOnOneLine) {
  std::set<std::string_view> names;
  for (const Setting& setting : server_settings()) {
    EXPECT_TRUE(names.insert(setting.name).second) << setting.name;
    EXPECT_FALSE(setting.doc.empty()) << setting.name;
    EXPECT_EQ(setting.doc.find('\n'), std::string_view::npos) << setting.name;
    EXPECT_EQ(find_setting(setting.name), &setting);
  }
  EXPECT_EQ(find_setting("engin"), nullptr);
}

TEST(Settings, EveryNumericSettingHasAnUpperBoundAndItsDefaultWithin) {
  const ServerConfig defaults;
  EXPECT_TRUE(defaults.validate().is_ok()) << defaults.validate().to_string();
  for (const Setting& setting : server_settings()) {
    std::visit(core::Overloaded{
                   [&]<typename T>(const NumberSetting<T>& number) {
                     EXPECT_LT(number.min, number.max) << setting.name;
                     EXPECT_LE(number.min, defaults.*number.member) << setting.name;
                     EXPECT_GE(number.max, defaults.*number.member) << setting.name;
                   },
                   [](const auto&) {},
               },
               setting.field);
  }
}

TEST(Settings, LoadsEachKindFromToml) {
  const Loaded loaded = load_toml(
      "node_id = \"n7\"\n"                                          // string
      "engine = \"memory\"\n"                                       // choice
      "anti_entropy = false\n"                                      // bool
      "partition_count = 64\n"                                      // uint32
      "tombstone_grace_ms = 7200000\n"                              // uint64
      "phi_threshold = 12.5\n"                                      // number
      "seeds = [\"n7=127.0.0.1:7007\", \"n8=127.0.0.1:7008\"]\n");  // list as an array
  ASSERT_TRUE(loaded.status.is_ok()) << loaded.status.to_string();
  EXPECT_EQ(loaded.config.node_id, "n7");
  EXPECT_EQ(loaded.config.engine, "memory");
  EXPECT_FALSE(loaded.config.anti_entropy);
  EXPECT_EQ(loaded.config.partition_count, 64u);
  EXPECT_EQ(loaded.config.tombstone_grace_ms, 7'200'000u);
  EXPECT_EQ(loaded.config.phi_threshold, 12.5);
  EXPECT_EQ(loaded.config.seeds, "n7=127.0.0.1:7007,n8=127.0.0.1:7008");
  EXPECT_EQ(loaded.config.listen, ServerConfig{}.listen);  // Untouched settings keep defaults.

  const Loaded list_string = load_toml("peers = \"n1=127.0.0.1:7001,n2=127.0.0.1:7002\"\n");
  ASSERT_TRUE(list_string.status.is_ok()) << list_string.status.to_string();
  EXPECT_EQ(list_string.config.peers, "n1=127.0.0.1:7001,n2=127.0.0.1:7002");
  const Loaded integral_number = load_toml("phi_threshold = 9\n");
  ASSERT_TRUE(integral_number.status.is_ok()) << integral_number.status.to_string();
  EXPECT_EQ(integral_number.config.phi_threshold, 9.0);
}

TEST(Settings, TypeErrorsNameTheSettingAndTheExpectedType) {
  const std::pair<std::string, std::string> cases[] = {
      {"node_id = 1", "setting node_id must be a string, got an integer"},
      {"engine = true", "setting engine must be a string"},
      {"auto_join = \"yes\"", "setting auto_join must be true or false, got a string"},
      {"auto_join = 1", "setting auto_join must be true or false"},
      {"n = \"3\"", "setting n must be an integer, got a string"},
      {"n = 3.0", "setting n must be an integer, got a floating-point"},
      {"hint_bytes_max = [1]", "setting hint_bytes_max must be an integer, got an array"},
      {"phi_threshold = \"8\"", "setting phi_threshold must be a number"},
      {"peers = 3", "setting peers must be a string or an array of strings"},
      {"seeds = [\"n1=127.0.0.1:1\", 2]", "setting seeds must be an array of strings"},
  };
  for (const auto& [text, message] : cases) {
    const Loaded loaded = load_toml(text + "\n");
    EXPECT_FALSE(loaded.status.is_ok()) << text;
    EXPECT_TRUE(contains(loaded.status, message)) << text << ": " << loaded.status.to_string();
    EXPECT_TRUE(contains(loaded.status, "config file ")) << loaded.status.to_string();
  }
}

TEST(Settings, UnknownKeysAreErrorsNamingTheKey) {
  for (const std::string key : {"engin", "N", "partitions", "replicas"}) {
    const Loaded loaded = load_toml(key + " = 1\n");
    EXPECT_TRUE(contains(loaded.status, "unknown setting '" + key + "'"))
        << loaded.status.to_string();
  }
  const Loaded table = load_toml("[server]\nnode_id = \"n1\"\n");
  EXPECT_TRUE(contains(table.status, "unknown setting 'server'")) << table.status.to_string();
}

// For every numeric setting, a value just past each bound is refused by the loader and by
// validate(), naming the setting, the value and the bounds.
TEST(Settings, ValuesOutOfBoundsAreRefusedNamingSettingValueAndBounds) {
  for (const Setting& setting : server_settings()) {
    std::visit(
        core::Overloaded{
            [&]<typename T>(const NumberSetting<T>& number) {
              std::vector<std::string> outside;
              if constexpr (std::is_floating_point_v<T>) {
                outside = {std::to_string(number.min - 0.5), std::to_string(number.max + 0.5),
                           "nan"};
              } else {
                outside = {std::to_string(static_cast<std::int64_t>(number.min) - 1),
                           std::to_string(std::uint64_t{number.max} + 1)};
              }
              for (const std::string& value : outside) {
                const Loaded loaded = load_toml(std::string(setting.name) + " = " + value + "\n");
                EXPECT_TRUE(contains(loaded.status, std::string(setting.name) + " must be ") &&
                            contains(loaded.status, setting_bounds(setting)))
                    << setting.name << " = " << value << ": " << loaded.status.to_string();
                if constexpr (std::is_integral_v<T>) {
                  EXPECT_TRUE(contains(loaded.status, "got " + value)) << loaded.status.to_string();
                }
              }
              ServerConfig config;
              config.*number.member = number.max + 1;
              const Status status = config.validate();
              EXPECT_TRUE(contains(status, std::string(setting.name) + " must be ") &&
                          contains(status, setting_bounds(setting)))
                  << status.to_string();
            },
            [](const auto&) {},
        },
        setting.field);
  }
  const Loaded not_power = load_toml("partition_count = 100\n");
  EXPECT_TRUE(
      contains(not_power.status, "partition_count must be a power of two in [1, 4096], got 100"))
      << not_power.status.to_string();
  const Loaded too_many = load_toml("n = 99999999999\n");
  EXPECT_TRUE(contains(too_many.status, "n must be in [1, 16], got 99999999999"))
      << too_many.status.to_string();
}

TEST(Settings, ChoicesAreCheckedAndMatchWhatTheirUsersAccept) {
  const Loaded engine = load_toml("engine = \"leveldb\"\n");
  EXPECT_TRUE(contains(engine.status, "engine must be one of 'rocksdb', 'memory', got 'leveldb'"))
      << engine.status.to_string();
  ServerConfig config;
  config.sync = "sometimes";
  EXPECT_TRUE(contains(config.validate(), "sync must be one of 'always', 'batch', 'none'"));
  const auto choices = [](std::string_view name) {
    return std::get<ChoiceSetting>(find_setting(name)->field).choices;
  };
  for (const auto choice : choices("sync")) {
    EXPECT_TRUE(storage::parse_sync_policy(std::string(choice)).is_ok()) << choice;
  }
  for (const auto choice : choices("log_level")) {
    EXPECT_NE(spdlog::level::from_str(std::string(choice)), spdlog::level::off) << choice;
  }
}

TEST(Settings, FormatRulesNameTheSetting) {
  const std::pair<std::string, std::string> cases[] = {
      {"node_id = \"\"", "node_id must not be empty"},
      {"node_id = \"a=b\"", "node_id 'a=b' must be at most 64 characters"},
      {"listen = \"nowhere\"", "listen must be HOST:PORT"},
      {"advertise = \"nowhere\"", "advertise must be HOST:PORT"},
      {"resp_listen = \"127.0.0.1\"", "resp_listen must be HOST:PORT"},
      {"resp_databases = \"\"", "resp_databases entry 0 is empty"},
      {"resp_databases = \"default,default\"", "resp_databases lists bucket 'default' twice"},
      {"resp_databases = [\"default\", \"my cache\"]",
       "resp_databases entry 'my cache' contains a space"},
  };
  for (const auto& [text, message] : cases) {
    const Loaded loaded = load_toml(text + "\n");
    EXPECT_TRUE(contains(loaded.status, message)) << text << ": " << loaded.status.to_string();
  }
  EXPECT_TRUE(load_toml("advertise = \"\"\nresp_listen = \"\"\n").status.is_ok());
  const Loaded databases = load_toml("resp_databases = [\"default\", \"sessions\"]\n");
  ASSERT_TRUE(databases.status.is_ok()) << databases.status.to_string();
  EXPECT_EQ(databases.config.resp_databases, "default,sessions");
  EXPECT_EQ(ServerConfig{}.resp_databases, "default");
}

TEST(Settings, KeysBoundAndFlushSwitchReachTheRespServer) {
  EXPECT_EQ(ServerConfig{}.resp_keys_max, api::kRespKeysMaxDefault);
  EXPECT_FALSE(ServerConfig{}.allow_flush);
  const Loaded loaded = load_toml("resp_keys_max = 500\nallow_flush = true\n");
  ASSERT_TRUE(loaded.status.is_ok()) << loaded.status.to_string();
  EXPECT_EQ(loaded.config.resp_keys_max, 500u);
  EXPECT_TRUE(loaded.config.allow_flush);
  const Loaded zero = load_toml("resp_keys_max = 0\n");
  EXPECT_TRUE(contains(zero.status, "resp_keys_max must be in [1, 10000000], got 0"))
      << zero.status.to_string();
}

TEST(Settings, RulesAcrossSettingsAreChecked) {
  ServerConfig config;
  config.r = 3;
  config.n = 2;
  EXPECT_TRUE(contains(config.validate(), "r must be at most n, got r=3 with n=2"));
  config.r = 2;
  config.w = 3;
  EXPECT_TRUE(contains(config.validate(), "w must be at most n, got w=3 with n=2"));

  config = ServerConfig{};
  config.peers = "n1=127.0.0.1:7001";
  config.seeds = "n1=127.0.0.1:7001";
  EXPECT_TRUE(contains(config.validate(), "set either peers"));
  config.seeds.clear();
  config.node_id = "n2";
  EXPECT_TRUE(contains(config.validate(), "node_id n2 must be one of the peers"));

  config = ServerConfig{};
  config.data_dir.clear();
  EXPECT_TRUE(contains(config.validate(), "data_dir must be set for the rocksdb engine"));
  config.engine = "memory";
  EXPECT_TRUE(config.validate().is_ok());
}

// What validate() accepts, the core accepts: each numeric setting at its lowest and highest value
// (the others at their defaults) passes ServerConfig::validate() and NodeConfig::validate() after
// conversion, with static membership and with gossip. Cross-setting rules: r and w are at most
// n, so n follows r or w up, and r and w follow n down.
TEST(Settings, SeedsAreIdsWithAddressesOrPlainAddresses) {
  auto seeds = parse_seeds("n1=10.0.0.1:7001,10.0.0.2:7001");
  ASSERT_TRUE(seeds.is_ok()) << seeds.status().to_string();
  ASSERT_EQ(seeds->size(), 2u);
  EXPECT_EQ((*seeds)[0].id, "n1");
  EXPECT_EQ((*seeds)[0].address, "10.0.0.1:7001");
  EXPECT_EQ((*seeds)[1].id, "@10.0.0.2:7001");  // A stand-in until the seed's gossip names it.
  EXPECT_EQ((*seeds)[1].address, "10.0.0.2:7001");
  for (const char* bad : {"10.0.0.1", "n1=10.0.0.1:7001@2", "10.0.0.1:7001,10.0.0.1:7001",
                          "n1=10.0.0.1:7001,n2=10.0.0.1:7001", "=10.0.0.1:7001"}) {
    EXPECT_FALSE(parse_seeds(bad).is_ok()) << bad;
  }
  ServerConfig config;
  config.seeds = "127.0.0.1:7001,127.0.0.1:7002";
  EXPECT_TRUE(config.validate().is_ok()) << config.validate().to_string();
  config.seeds = "127.0.0.1";
  EXPECT_NE(config.validate().message().find("seeds"), std::string::npos)
      << config.validate().to_string();
}

TEST(Settings, ZoneIsCheckedAndPeersTakeAZoneSuffix) {
  EXPECT_TRUE(load_toml("zone = \"dc1.rack-2\"\n").status.is_ok());
  EXPECT_TRUE(load_toml("zone = \"\"\n").status.is_ok());
  for (const char* bad : {"rack a", "a/b", "a,b"}) {
    const Loaded loaded = load_toml(std::string("zone = \"") + bad + "\"\n");
    EXPECT_TRUE(contains(loaded.status, std::string("zone '") + bad + "' must be at most 64"))
        << bad << ": " << loaded.status.to_string();
  }
  const Loaded long_zone = load_toml("zone = \"" + std::string(65, 'z') + "\"\n");
  EXPECT_FALSE(long_zone.status.is_ok());

  auto peers = parse_peers("n1=10.0.0.1:7001/dc-a,n2=10.0.0.2:7001@2/dc-b,n3=10.0.0.3:7001@3");
  ASSERT_TRUE(peers.is_ok()) << peers.status().to_string();
  ASSERT_EQ(peers->size(), 3u);
  EXPECT_EQ((*peers)[0].zone, "dc-a");
  EXPECT_EQ((*peers)[0].weight, 1u);
  EXPECT_EQ((*peers)[1].zone, "dc-b");
  EXPECT_EQ((*peers)[1].weight, 2u);
  EXPECT_EQ((*peers)[1].address, "10.0.0.2:7001");
  EXPECT_EQ((*peers)[2].zone, "");
  for (const char* bad : {"n1=10.0.0.1:7001/", "n1=10.0.0.1:7001/a b", "n1=10.0.0.1:7001/a/b",
                          "n1=10.0.0.1:7001/a@2"}) {
    auto parsed = parse_peers(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_TRUE(contains(parsed.status(), "invalid zone"))
        << bad << ": " << parsed.status().to_string();
  }
  EXPECT_FALSE(parse_seeds("n1=10.0.0.1:7001/dc-a").is_ok());

  // The zone setting of a static node must match its peers entry.
  ServerConfig config;
  config.engine = "memory";
  config.peers = "n1=127.0.0.1:7001/dc-a";
  config.zone = "dc-a";
  EXPECT_TRUE(config.validate().is_ok()) << config.validate().to_string();
  core::NodeConfig node = node_config_from(config);
  node.members = {{.kind = core::MembershipEvent::Kind::kJoin, .node = "n1", .zone = "dc-b"}};
  EXPECT_TRUE(contains(node.validate(), "zone 'dc-a' differs from the zone 'dc-b'"))
      << node.validate().to_string();
}

TEST(Settings, EveryBoundPassesTheCoresValidationToo) {
  const auto check = [](const ServerConfig& config, const std::string& what) {
    ASSERT_TRUE(config.validate().is_ok()) << what << ": " << config.validate().to_string();
    core::NodeConfig alone = node_config_from(config);
    EXPECT_TRUE(alone.validate().is_ok()) << what << ": " << alone.validate().to_string();
    core::NodeConfig static_members = node_config_from(config);
    static_members.members.push_back({core::MembershipEvent::Kind::kJoin, config.node_id, 1});
    EXPECT_TRUE(static_members.validate().is_ok()) << what;
    core::NodeConfig gossip = node_config_from(config);
    gossip.seeds.push_back(config.node_id);
    apply_gossip_settings(config, config.listen, gossip);
    EXPECT_TRUE(gossip.validate().is_ok()) << what << ": " << gossip.validate().to_string();
  };
  for (const Setting& setting : server_settings()) {
    std::visit(core::Overloaded{
                   [&]<typename T>(const NumberSetting<T>& number) {
                     for (const T value : {number.min, number.max}) {
                       ServerConfig config;
                       config.*number.member = value;
                       if (setting.name == "r" || setting.name == "w") {
                         config.n = std::max(config.n, static_cast<std::uint32_t>(value));
                       }
                       if (setting.name == "n") {
                         config.r = std::min(config.r, static_cast<std::uint32_t>(value));
                         config.w = std::min(config.w, static_cast<std::uint32_t>(value));
                       }
                       check(config, std::string(setting.name) + " = " + std::to_string(value));
                     }
                   },
                   [](const auto&) {},
               },
               setting.field);
  }
}

TEST(Settings, GeneratedTomlLoadsBackToTheSameValues) {
  ServerConfig changed;
  changed.node_id = "n9";
  changed.data_dir = "/var/lib/ringkv \"quoted\" \\ dir";
  changed.engine = "memory";
  changed.phi_threshold = 3.25;
  changed.hint_bytes_max = 8192;
  changed.anti_entropy = false;
  const Loaded loaded = load_toml(settings_toml(changed));
  ASSERT_TRUE(loaded.status.is_ok()) << loaded.status.to_string();
  for (const Setting& setting : server_settings()) {
    EXPECT_EQ(setting_value(setting, loaded.config), setting_value(setting, changed))
        << setting.name;
  }
}

TEST(Settings, MarkdownHasOneRowOfFiveCellsPerSetting) {
  const std::string markdown = settings_markdown();
  std::size_t rows = 0;
  std::size_t start = 0;
  while (start < markdown.size()) {
    const std::size_t end = markdown.find('\n', start);
    const std::string line = markdown.substr(start, end - start);
    start = end + 1;
    std::size_t bars = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++bars;
    }
    EXPECT_EQ(bars, 6u) << line;
    ++rows;
  }
  EXPECT_EQ(rows, server_settings().size() + 2);
  EXPECT_NE(markdown.find("| `tombstone_grace_ms` | uint64 | `3600000` (1 h) |"), std::string::npos)
      << markdown;
}

}  // namespace
}  // namespace ringkv::runtime

namespace ringkv::runtime {
namespace {

TEST(ConfigFile, BucketTablesSeedTheirPropertiesOverTheDefaultBucketsSettings) {
  const Loaded loaded = load_toml(
      "n = 4\n"
      "[buckets.sessions]\nconflict = \"lww\"\nw = \"one\"\n"
      "[buckets.strict]\nw = \"all\"\nn = 5\nvalue_max_bytes = 1024\n");
  ASSERT_TRUE(loaded.status.is_ok()) << loaded.status.to_string();
  ASSERT_EQ(loaded.config.buckets.size(), 2u);
  const core::BucketProperties& sessions = loaded.config.buckets.at("sessions");
  EXPECT_EQ(sessions.n, 4u);  // From the file's default n.
  EXPECT_EQ(sessions.w, 1u);
  EXPECT_EQ(sessions.conflict, core::ConflictPolicy::kLww);
  const core::BucketProperties& strict = loaded.config.buckets.at("strict");
  EXPECT_EQ(strict.n, 5u);
  EXPECT_EQ(strict.w, 5u);  // n first, whatever the order in the file.
  EXPECT_EQ(strict.value_max_bytes, 1024u);
  EXPECT_EQ(node_config_from(loaded.config).buckets.size(), 2u);
}

TEST(ConfigFile, BadBucketTablesNameTheBucketAndTheProperty) {
  auto error_of = [](const std::string& text) { return load_toml(text).status.message(); };
  EXPECT_NE(error_of("buckets = 3\n").find("buckets must be a table"), std::string::npos);
  EXPECT_NE(error_of("[buckets]\nb = 3\n").find("[buckets.b] must be a table"), std::string::npos);
  EXPECT_NE(error_of("[buckets.b]\ncolour = \"red\"\n")
                .find("[buckets.b]: unknown bucket "
                      "property 'colour'"),
            std::string::npos);
  EXPECT_NE(error_of("[buckets.b]\nr = 5\n").find("bucket b: r must be in [1, n=3], got 5"),
            std::string::npos);
  EXPECT_NE(error_of("[buckets.b]\nn = -2\n").find("n must not be negative"), std::string::npos);
  EXPECT_NE(error_of("[buckets.b]\nn = 2.5\n").find("n must be an integer or a string"),
            std::string::npos);
}

}  // namespace
}  // namespace ringkv::runtime
