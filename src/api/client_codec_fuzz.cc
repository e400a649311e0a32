// libFuzzer target for the client library's input path: frames reassembled from arbitrary bytes
// (FrameDecoder) and each frame parsed as a node's response (parse_response), with the context a
// get returns decoded as the client does to route the next write. It links ringkv_wire only, the
// code the client library carries. Properties: nothing crashes or reads out of bounds; a frame
// error is sticky; a reply that parsed re-encodes to a response that parses to the same reply
// (a get's fields, and a scan's).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/client_codec.h"
#include "api/frame_codec.h"
#include "core/version/context.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

bool same_reply(const ringkv::core::ClientReply& a, const ringkv::core::ClientReply& b) {
  return a.request_id == b.request_id && a.status.code() == b.status.code() &&
         a.status.message() == b.status.message() && a.values == b.values &&
         a.context == b.context;
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
    auto reply = api::parse_response(**frame);
    if (!reply.is_ok()) {
      check(reply.status().code() == StatusCode::kCorruption);
      continue;
    }
    if (auto context = core::decode_context(reply->context); context.is_ok()) {
      check(core::decode_context(core::encode_context(*context)).is_ok());
    }
    // The op only selects the result field: a get's carries values and context back.
    std::string bytes;
    api::to_response(*reply, core::ClientOp::kGet).SerializeToString(&bytes);
    auto again = api::parse_response(bytes);
    check(again.is_ok() && same_reply(*again, *reply));
    bytes.clear();
    api::to_response(*reply, core::ClientOp::kScan).SerializeToString(&bytes);
    auto scan = api::parse_response(bytes);
    check(scan.is_ok() && scan->scan.keys == reply->scan.keys &&
          scan->scan.cursor == reply->scan.cursor && scan->scan.count == reply->scan.count);
  }
  return 0;
}
