// The web dashboard's files (src/api/dashboard/), compiled into the binary by CMake
// (cmake/embed_dashboard.cmake), so a node serves its dashboard without anything from the
// internet or the disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ringkv::api {

// The content type and bytes of the file at `path` ("/" is index.html), or nullopt.
std::optional<std::pair<std::string, std::string>> dashboard_asset(std::string_view path);

}  // namespace ringkv::api
