// libFuzzer target for scan cursors (core/scan/scan_cursor.h), which clients send back. Properties:
// nothing crashes or reads out of bounds; a cursor that decodes re-encodes to exactly itself (one
// position, one cursor), with a partition inside the ring and a key within the key limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/limits.h"
#include "core/scan/scan_cursor.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ringkv;
  const std::string_view cursor(reinterpret_cast<const char*>(data), size);
  for (std::uint32_t partition_count : {1u, 256u, 4096u}) {
    auto position = core::decode_scan_cursor(cursor, partition_count);
    if (!position.is_ok()) {
      check(position.status().code() == StatusCode::kInvalidArgument);
      continue;
    }
    check(position->partition < partition_count);
    check(position->after.size() <= limits::kKeyMaxBytes);
    const std::string again = core::encode_scan_cursor(*position);
    check(again == cursor || (cursor.empty() && again == "0"));
  }
  return 0;
}
