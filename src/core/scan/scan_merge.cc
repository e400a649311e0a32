#include "core/scan/scan_merge.h"

#include <algorithm>
#include <optional>

#include "common/invariant.h"

namespace ringkv::core {

ScanMerge merge_scan_pages(const std::vector<const ScanPage*>& pages, std::size_t keys_max,
                           std::size_t bytes_max) {
  RINGKV_INVARIANT(!pages.empty() && keys_max > 0);
  // How far every page reached: the smallest last key of the pages that stopped early.
  std::optional<std::string_view> bound;
  for (const ScanPage* page : pages) {
    if (!page->done && (!bound || page->last_key < *bound)) bound = page->last_key;
  }
  std::vector<std::string_view> keys;
  for (const ScanPage* page : pages) {
    for (const std::string& key : page->keys) {
      if (!bound || key <= *bound) keys.push_back(key);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  ScanMerge merge;
  std::size_t bytes = 0;
  for (std::string_view key : keys) {
    if (merge.keys.size() >= keys_max || (!merge.keys.empty() && bytes + key.size() > bytes_max)) {
      merge.after = merge.keys.back();  // The rest is read again from here.
      return merge;
    }
    bytes += key.size();
    merge.keys.emplace_back(key);
  }
  if (bound) {
    merge.after = std::string(*bound);
  } else {
    merge.partition_done = true;
  }
  return merge;
}

Status validate_scan_page(const ScanPage& page, std::string_view after, bool count_only) {
  if (count_only && !page.keys.empty()) return Status::corruption("a counting scan page with keys");
  if (!page.done && (page.last_key.empty() || page.last_key <= after)) {
    return Status::corruption("a scan page that did not move past its start");
  }
  std::string_view previous = after;
  for (const std::string& key : page.keys) {
    if (key.empty() || (!previous.empty() && key <= previous) ||
        (!page.done && key > page.last_key)) {
      return Status::corruption("a scan page whose keys are out of order or out of its range");
    }
    previous = key;
  }
  return Status::ok();
}

}  // namespace ringkv::core
