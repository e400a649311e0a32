// ReadContext: the opaque context a get returns and a put hands back. It
// encodes the joined version vector of what the read saw plus the node that answered the read
// fastest, so the following put can be coordinated there (read-your-writes).
//
// Wire form: one format-version byte (kContextFormatVersion), the version vector, the hint
// (varint length + bytes). Clients treat it as opaque bytes (base64 in text protocols).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/version/version_vector.h"

namespace ringkv::core {

inline constexpr std::uint8_t kContextFormatVersion = 1;

struct ReadContext {
  VersionVector clock;
  std::string coordinator_hint;  // Node id that answered fastest; empty when unknown.
  friend bool operator==(const ReadContext&, const ReadContext&) = default;
};

std::string encode_context(const ReadContext& context);
// An empty input decodes to an empty context (a blind write). Malformed input, an unknown format
// version or more than limits::kContextMaxBytes is an InvalidArgument error naming the fault.
Result<ReadContext> decode_context(std::string_view bytes);

}  // namespace ringkv::core
