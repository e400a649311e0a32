// HOST:PORT addresses as written in settings, flags and CLI arguments ("127.0.0.1:7001",
// "[::1]:7001", "localhost:7001").
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ringkv {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// `setting_name` names the setting or argument in the error message.
Result<HostPort> parse_host_port(const std::string& address, const std::string& setting_name);

}  // namespace ringkv
