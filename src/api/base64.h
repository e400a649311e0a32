// Base64 (RFC 4648, with padding) for contexts shown to people and text protocols.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ringkv::api {

std::string base64_encode(std::string_view bytes);
// Rejects characters outside the alphabet and bad padding with InvalidArgument.
Result<std::string> base64_decode(std::string_view text);

}  // namespace ringkv::api
