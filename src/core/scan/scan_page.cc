#include "core/scan/scan_page.h"

#include <algorithm>

#include "common/glob.h"
#include "core/datatypes/data_types.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kTypeNames[] = {"string", "list", "set", "zset", "hash", "stream"};

// The smallest string greater than every string starting with `prefix` ("" if none: `prefix` is
// all 0xFF bytes, which a storage key prefix never is, since partitions stay below 2^31).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xFF) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace

bool is_scan_type_name(std::string_view type) {
  return std::find(std::begin(kTypeNames), std::end(kTypeNames), type) != std::end(kTypeNames);
}

Status validate_scan_filter(const ScanFilter& filter) {
  if (filter.match.size() > kScanMatchMaxBytes) {
    return Status::invalid_argument("scan MATCH pattern is " + std::to_string(filter.match.size()) +
                                    " bytes, limit is " + std::to_string(kScanMatchMaxBytes));
  }
  if (!filter.type.empty() && !is_scan_type_name(filter.type)) {
    return Status::invalid_argument("unknown scan TYPE '" +
                                    filter.type.substr(0, kScanTypeMaxBytes) +
                                    "' (string, list, set, zset, hash or stream)");
  }
  return Status::ok();
}

Result<ScanPage> read_scan_page(storage::Engine& storage, std::uint32_t partition,
                                std::string_view bucket, std::string_view after,
                                std::uint32_t limit, const ScanFilter& filter, bool count_only,
                                std::uint64_t wall_ms) {
  const std::string prefix = storage::encode_storage_key(partition, bucket, "");
  std::string begin = prefix;
  if (!after.empty()) {
    begin.append(after);
    begin.push_back('\0');  // The smallest key after `after`.
  }
  const std::string end = prefix_end(prefix);
  const GlobPattern pattern(filter.match);
  const bool match_all = filter.match.empty() || pattern.matches_everything();
  const std::uint32_t examined_max =
      count_only ? kScanCountExaminedPerPageMax : kScanExaminedPerPageMax;
  limit = std::clamp<std::uint32_t>(limit, 1, kScanCountMax);

  ScanPage page;
  std::size_t bytes = 0;
  std::uint32_t examined = 0;
  bool stopped = false;
  const Status status = storage.scan(
      storage::Namespace::kData, begin, end,
      [&](std::string_view storage_key, std::string_view value) {
        const std::string_view key = storage_key.substr(prefix.size());
        bool wanted = match_all || pattern.matches(key);
        if (wanted) {
          auto object = VersionedObject::decode(value);
          if (object.is_ok()) {
            const ValueType type = type_of(*object, wall_ms);
            wanted = type != ValueType::kNone &&
                     (filter.type.empty() || value_type_name(type) == filter.type);
          } else {
            wanted = filter.type.empty();
          }
        }
        if (wanted && !count_only && !page.keys.empty() && bytes + key.size() > kScanPageBytesMax) {
          stopped = true;  // This key starts the next page.
          return false;
        }
        ++examined;
        page.last_key.assign(key);
        if (wanted) {
          ++page.count;
          if (!count_only) {
            bytes += key.size();
            page.keys.emplace_back(key);
          }
        }
        if (examined >= examined_max || (!count_only && page.keys.size() >= limit)) {
          stopped = true;
          return false;
        }
        return true;
      });
  if (!status.is_ok()) {
    return Status(status.code(), "scan of partition " + std::to_string(partition) +
                                     " failed: " + status.message());
  }
  page.done = !stopped;
  if (page.done) page.last_key.clear();
  return page;
}

}  // namespace ringkv::core
