// The flags of `ringkv serve`, registered from the settings table: both spellings of every
// setting, every kind parsed from its flag, and only the flags given overriding the file.
#include "cli/serve_flags.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/overloaded.h"

namespace ringkv::cli {
namespace {

using runtime::ServerConfig;
using runtime::Setting;

// Parses `args` (without the program name) as `ringkv serve` flags over `file`.
ServerConfig parse_over(const ServerConfig& file, const std::vector<std::string>& args) {
  ServerConfig overrides;
  CLI::App serve;
  add_server_settings(serve, overrides);
  std::vector<const char*> argv = {"serve"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  serve.parse(static_cast<int>(argv.size()), argv.data());
  ServerConfig config = file;
  apply_given_settings(serve, overrides, config);
  return config;
}

TEST(ServeFlags, EverySettingHasBothSpellings) {
  ServerConfig overrides;
  CLI::App serve;
  add_server_settings(serve, overrides);
  for (const Setting& setting : runtime::server_settings()) {
    std::string dashed(setting.name);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    EXPECT_NO_THROW(serve.get_option("--" + std::string(setting.name))) << setting.name;
    EXPECT_NO_THROW(serve.get_option("--" + dashed)) << setting.name;
  }
}

// Each setting, given on its own as a flag with a value other than its default, changes that
// setting and no other.
TEST(ServeFlags, EachGivenFlagOverridesItsSettingOnly) {
  const ServerConfig file;
  for (const Setting& setting : runtime::server_settings()) {
    const std::string value = std::visit(
        core::Overloaded{
            [](const runtime::TextSetting&) -> std::string { return "n2=127.0.0.1:7002"; },
            [](const runtime::ChoiceSetting& choice) { return std::string(choice.choices.back()); },
            [&](const runtime::BoolSetting& flag) -> std::string {
              return file.*flag.member ? "false" : "true";
            },
            [&](const auto& number) {
              return runtime::setting_value(setting, [&] {
                ServerConfig at_max;
                at_max.*number.member = number.max;
                return at_max;
              }());
            },
        },
        setting.field);
    ASSERT_NE(value, runtime::setting_value(setting, file)) << setting.name;
    const ServerConfig config = parse_over(file, {"--" + std::string(setting.name), value});
    for (const Setting& other : runtime::server_settings()) {
      EXPECT_EQ(runtime::setting_value(other, config),
                &other == &setting ? value : runtime::setting_value(other, file))
          << "--" << setting.name << " " << value << ": " << other.name;
    }
  }
}

TEST(ServeFlags, FlagsWinOverTheFileAndTheFileOverDefaults) {
  ServerConfig file;
  file.node_id = "from-file";
  file.listen = "127.0.0.1:9999";
  file.engine = "memory";
  file.partition_count = 128;
  const ServerConfig config =
      parse_over(file, {"--node-id", "n5", "--partition_count", "64", "--auto-join", "false",
                        "--phi-threshold", "9.5", "--tombstone-grace-ms", "5000"});
  EXPECT_EQ(config.node_id, "n5");
  EXPECT_EQ(config.partition_count, 64u);
  EXPECT_FALSE(config.auto_join);
  EXPECT_EQ(config.phi_threshold, 9.5);
  EXPECT_EQ(config.tombstone_grace_ms, 5000u);
  EXPECT_EQ(config.listen, "127.0.0.1:9999");
  EXPECT_EQ(config.engine, "memory");
  EXPECT_EQ(config.n, ServerConfig{}.n);
}

TEST(ServeFlags, HelpShowsTheDefaultAndTheBounds) {
  const std::string help = setting_help(*runtime::find_setting("partition_count"));
  EXPECT_NE(help.find("default 256"), std::string::npos) << help;
  EXPECT_NE(help.find("a power of two in [1, 4096]"), std::string::npos) << help;
  const std::string sync = setting_help(*runtime::find_setting("sync"));
  EXPECT_NE(sync.find("always | batch | none"), std::string::npos) << sync;
}

}  // namespace
}  // namespace ringkv::cli
