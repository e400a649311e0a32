// The settings table of `ringkv serve`: every setting is declared once, with its name, type,
// bounds and one line of documentation; its default is the ServerConfig member initializer. The
// TOML loader, the command-line flags, ServerConfig::validate() and the settings table of
// docs/OPERATIONS.md (printed by `ringkv settings --markdown`) are all driven by this table, so
// adding a setting means one ServerConfig member and one entry here.
// Thread-safety: the table is built once, on first use, and never changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "runtime/config.h"

namespace ringkv::runtime {

// A free-form string. `check`, when set, is the setting's format rule (an address, a node id);
// rules that involve other settings belong to ServerConfig::validate(). A `list` is written in
// TOML as one comma-separated string or as an array of strings.
struct TextSetting {
  std::string ServerConfig::*member;
  Status (*check)(std::string_view name, const std::string& value) = nullptr;
  bool list = false;
};

// A string that must be one of `choices`.
struct ChoiceSetting {
  std::string ServerConfig::*member;
  std::vector<std::string_view> choices;
};

struct BoolSetting {
  bool ServerConfig::*member;
};

// A number in [min, max] (both inclusive).
template <typename T>
struct NumberSetting {
  T ServerConfig::*member;
  T min;
  T max;
  bool power_of_two = false;
};

using SettingField =
    std::variant<TextSetting, ChoiceSetting, BoolSetting, NumberSetting<std::uint32_t>,
                 NumberSetting<std::uint64_t>, NumberSetting<double>>;

struct Setting {
  std::string_view name;  // The TOML key; the flag is --name (and --name-with-dashes).
  SettingField field;
  std::string_view doc;  // One line, shown by --help and in docs/OPERATIONS.md.
};

// Every setting, in the order docs/OPERATIONS.md lists them. Names are unique.
const std::vector<Setting>& server_settings();
// nullptr when no setting has this name.
const Setting* find_setting(std::string_view name);

// The type as the docs and error messages write it: string, list, bool, uint32, uint64, number,
// or the choices ("always | batch | none").
std::string setting_type(const Setting& setting);
// The setting's value in `config`, as it would be written in the TOML file (strings unquoted).
std::string setting_value(const Setting& setting, const ServerConfig& config);
// The accepted range ("1 to 4096, a power of two"); empty for text and bool settings.
std::string setting_bounds(const Setting& setting);

// Checks the setting's value in `config` against its type's rules: bounds, choices or format.
// The message names the setting, the value and what is accepted.
Status check_setting(const Setting& setting, const ServerConfig& config);
// "<name> must be in <bounds>, got <value>" for a numeric setting.
Status bounds_error(const Setting& setting, const std::string& value);
// Copies the setting's value from `from` to `to` (a command-line flag overriding the file).
void copy_setting(const Setting& setting, const ServerConfig& from, ServerConfig& to);

// A TOML file setting every setting to its value in `config`, each after a comment with its doc,
// type and bounds (`ringkv settings` prints it for the defaults).
std::string settings_toml(const ServerConfig& config);
// The markdown table of every setting: name, type, default, bounds, meaning.
std::string settings_markdown();

// Format rules used by the table (exposed for tests): a node id, a HOST:PORT, an optional one.
Status check_node_id(std::string_view name, const std::string& value);
Status check_host_port(std::string_view name, const std::string& value);
Status check_optional_host_port(std::string_view name, const std::string& value);
// A zone name (core::is_valid_zone); empty is "no zone".
Status check_zone(std::string_view name, const std::string& value);
// resp_databases: api::parse_resp_databases accepts it (its messages name the setting).
Status check_resp_databases(std::string_view name, const std::string& value);

}  // namespace ringkv::runtime
