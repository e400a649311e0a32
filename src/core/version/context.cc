// ReadContext codec. The bytes come from clients, so every fault is an InvalidArgument (the
// client sent something we reject), and the size limit is checked before any parsing.
#include "core/version/context.h"

#include "common/limits.h"
#include "core/varint.h"

namespace ringkv::core {

std::string encode_context(const ReadContext& context) {
  std::string out;
  out.push_back(static_cast<char>(kContextFormatVersion));
  context.clock.encode_to(out);
  put_bytes(out, context.coordinator_hint);
  return out;
}

Result<ReadContext> decode_context(std::string_view bytes) {
  if (bytes.empty()) return ReadContext{};  // A blind write: the client read nothing.
  if (bytes.size() > limits::kContextMaxBytes) {
    return Status::invalid_argument("context is " + std::to_string(bytes.size()) +
                                    " bytes, limit kContextMaxBytes is " +
                                    std::to_string(limits::kContextMaxBytes));
  }
  const auto version = static_cast<std::uint8_t>(bytes.front());
  if (version != kContextFormatVersion) {
    return Status::invalid_argument("context: unknown format version " + std::to_string(version));
  }
  bytes.remove_prefix(1);
  Result<VersionVector> clock = VersionVector::decode_from(bytes);
  if (!clock.is_ok()) return Status::invalid_argument("context: " + clock.status().message());
  ReadContext context;
  context.clock = std::move(clock).value();
  std::string_view hint;
  if (!get_bytes(bytes, hint)) return Status::invalid_argument("context: truncated hint");
  context.coordinator_hint.assign(hint);
  if (!bytes.empty()) return Status::invalid_argument("context: trailing bytes");
  return context;
}

}  // namespace ringkv::core
