// Command-line flag helpers shared by every `ringkv` subcommand: each setting is reachable as
// --name_with_underscores (the TOML spelling) and --name-with-dashes.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>

namespace ringkv::cli {

template <typename T>
CLI::Option* add_setting(CLI::App& app, const std::string& name, T& target,
                         const std::string& help) {
  std::string dashed = name;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  const std::string flags = dashed == name ? "--" + name : "--" + name + ",--" + dashed;
  return app.add_option(flags, target, help);
}

}  // namespace ringkv::cli
