// The command-line flags of `ringkv serve`: one per entry of the settings table
// (runtime/settings.h), as --name_with_underscores and --name-with-dashes, each written into a
// ServerConfig of overrides. A flag given on the command line wins over the TOML file.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/cli_flags.h"
#include "runtime/config.h"
#include "runtime/settings.h"

namespace ringkv::cli {

// The help line of a setting: its doc, default and bounds.
inline std::string setting_help(const runtime::Setting& setting) {
  const std::string value = runtime::setting_value(setting, runtime::ServerConfig{});
  const std::string bounds = runtime::setting_bounds(setting);
  std::string help = std::string(setting.doc) + " (default " + (value.empty() ? "empty" : value);
  if (!bounds.empty()) help += "; " + bounds;
  if (std::holds_alternative<runtime::ChoiceSetting>(setting.field)) {
    help += "; " + runtime::setting_type(setting);
  }
  return help + ")";
}

// Registers a flag for every setting; parsed values land in `overrides`, which must outlive
// `serve`.
inline void add_server_settings(CLI::App& serve, runtime::ServerConfig& overrides) {
  for (const runtime::Setting& setting : runtime::server_settings()) {
    std::visit(
        [&](const auto& field) {
          add_setting(serve, std::string(setting.name), overrides.*field.member,
                      setting_help(setting));
        },
        setting.field);
  }
}

// Copies into `config` each setting whose flag was given on the command line.
inline void apply_given_settings(const CLI::App& serve, const runtime::ServerConfig& overrides,
                                 runtime::ServerConfig& config) {
  for (const runtime::Setting& setting : runtime::server_settings()) {
    if (serve.get_option("--" + std::string(setting.name))->count() > 0) {
      runtime::copy_setting(setting, overrides, config);
    }
  }
}

}  // namespace ringkv::cli
