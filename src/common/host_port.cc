#include "common/host_port.h"

namespace ringkv {

Result<HostPort> parse_host_port(const std::string& address, const std::string& setting_name) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::invalid_argument(setting_name + " must be HOST:PORT, got '" + address + "'");
  }
  HostPort result;
  result.host = address.substr(0, colon);
  if (result.host.size() > 2 && result.host.front() == '[' && result.host.back() == ']') {
    result.host = result.host.substr(1, result.host.size() - 2);
  }
  const std::string port = address.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return Status::invalid_argument(setting_name + " has an invalid port '" + port + "'");
  }
  result.port = static_cast<std::uint16_t>(std::stoul(port));
  return result;
}

}  // namespace ringkv
