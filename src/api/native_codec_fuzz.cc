// libFuzzer target for the native protocol's input path: frames reassembled from arbitrary bytes
// (FrameDecoder) and each frame parsed as a client request, cluster query or peer message
// (parse_incoming). Properties: nothing crashes or reads out of bounds; a frame error is sticky;
// a client request that parsed re-encodes to a request that parses to the same fields, and so
// does a peer's scan page request or reply (the bounds it passed hold for the copy too).
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
      check(copy.scan.cursor == request->scan.cursor && copy.scan.count == request->scan.count &&
            copy.scan.match == request->scan.match && copy.scan.type == request->scan.type &&
            copy.scan.count_only == request->scan.count_only);
    } else if (const auto* delivery = std::get_if<api::PeerDelivery>(&*incoming)) {
      const auto* scan = std::get_if<core::ScanRequest>(&delivery->message);
      const auto* reply = std::get_if<core::ScanReply>(&delivery->message);
      if (scan == nullptr && reply == nullptr) continue;
      std::string bytes;
      api::make_peer_frame(delivery->from, delivery->message).SerializeToString(&bytes);
      std::uint64_t again_id = 0;
      auto again = api::parse_incoming(bytes, &again_id);
      check(again.is_ok());
      const auto& copy = std::get<api::PeerDelivery>(*again).message;
      if (scan != nullptr) {
        const auto& s = std::get<core::ScanRequest>(copy);
        check(s.operation_id == scan->operation_id && s.bucket == scan->bucket &&
              s.partition == scan->partition && s.after == scan->after &&
              s.limit == scan->limit && s.filter == scan->filter &&
              s.count_only == scan->count_only);
      } else {
        const auto& r = std::get<core::ScanReply>(copy);
        check(r.operation_id == reply->operation_id &&
              r.status.code() == reply->status.code() && r.page.keys == reply->page.keys &&
              r.page.count == reply->page.count && r.page.done == reply->page.done &&
              r.page.last_key == reply->page.last_key);
      }
    }
  }
  return 0;
}
