// libFuzzer target for the stored-object, context and data-operation decoders, which read bytes
// from disk and from peers and clients. Properties: decoding never crashes; whatever decodes
// re-encodes to the same bytes (decoders accept only canonical encodings; format 1 objects
// re-encode as format 2 and decode to the same object) and merges idempotently; every Redis
// operation applied to a decoded object leaves an object that encodes, decodes and merges.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/datatypes/data_op.h"
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
    if (bytes.front() == static_cast<char>(kObjectFormatVersionPlain)) {
      check(VersionedObject::decode(object->encode()).value() == *object);
    } else {
      check(object->encode() == bytes);
    }
    check(VersionedObject::merge(*object, *object) == *object);
    constexpr std::uint64_t kNow = 1'700'000'000'000;
    for (std::uint8_t code = 1; code <= kDataOpCodeMax; ++code) {
      DataOp op;
      op.code = static_cast<DataOpCode>(code);
      op.args = {"a", "1"};
      op.integer = 1;
      op.expiry = ExpiryKind::kRelativeMs;
      op.expiry_ms = 1000;
      VersionedObject updated = *object;
      if (!apply_data_op(updated, op, 42, kNow).is_ok()) continue;
      auto round = VersionedObject::decode(updated.encode());
      check(round.is_ok() && *round == updated);
      check(VersionedObject::merge(VersionedObject::merge(*object, updated), *object) ==
            VersionedObject::merge(updated, *object));
    }
  }
  if (auto op = decode_data_op(bytes); op.is_ok()) check(encode_data_op(*op) == bytes);
  if (auto context = decode_context(bytes); context.is_ok()) {
    check(decode_context(encode_context(*context)).is_ok());
  }
  return 0;
}
