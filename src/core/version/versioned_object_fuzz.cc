// libFuzzer target for the stored-object and context decoders, which read bytes from disk and
// from peers and clients. Properties: decoding never crashes; whatever decodes re-encodes to the
// same bytes (decoders accept only canonical encodings) and merges idempotently.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/version/context.h"
#include "core/version/versioned_object.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringkv::core;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto object = VersionedObject::decode(bytes); object.is_ok()) {
    check(object->encode() == bytes);
    check(VersionedObject::merge(*object, *object) == *object);
  }
  if (auto context = decode_context(bytes); context.is_ok()) {
    check(decode_context(encode_context(*context)).is_ok());
  }
  return 0;
}
