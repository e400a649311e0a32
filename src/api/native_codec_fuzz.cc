// libFuzzer target for the native protocol's input path: frames reassembled from arbitrary bytes
// (FrameDecoder) and each frame parsed as a client request, cluster query or peer message
// (parse_incoming). Properties: nothing crashes or reads out of bounds; a frame error is sticky;
// a client request that parsed re-encodes to a request that parses to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/frame_codec.h"
#include "api/native_codec.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringkv;
  api::FrameDecoder decoder(4096);
  decoder.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  for (int frames = 0; frames < 64; ++frames) {
    auto frame = decoder.next();
    if (!frame.is_ok()) {
      check(frame.status().code() == StatusCode::kTooLarge);
      check(!decoder.next().is_ok());  // Sticky: the stream cannot be resynchronized.
      return 0;
    }
    if (!frame->has_value()) return 0;
    std::uint64_t request_id = 0;
    auto incoming = api::parse_incoming(**frame, &request_id);
    if (!incoming.is_ok()) continue;
    if (const auto* request = std::get_if<core::ClientRequest>(&*incoming)) {
      std::string bytes;
      api::make_request(*request).SerializeToString(&bytes);
      std::uint64_t again_id = 0;
      auto again = api::parse_incoming(bytes, &again_id);
      check(again.is_ok());
      const auto& copy = std::get<core::ClientRequest>(*again);
      check(copy.key == request->key && copy.bucket == request->bucket &&
            copy.value == request->value && copy.context == request->context &&
            copy.op == request->op && again_id == request_id);
    }
  }
  return 0;
}
