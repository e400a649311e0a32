// The coordinator's side of one scan step: the union of the pages that several replicas of a
// partition returned after the same position (core/node_scan.cc; docs/ARCHITECTURE.md, "The path
// of a scan").
//
// A key that reached only some replicas (a write acknowledged by W of N, a replica that missed
// it) is found as long as one of the replicas asked holds it, so the scan asks R replicas and
// takes the union of their pages. Each page covers a different stretch of the key space (up to
// its own last key), so the union is complete only up to the smallest last key among the pages
// that did not reach the end: keys beyond it are dropped here and read again by the next step.
// This is what makes the scan's guarantee hold (every key live on one of the replicas asked for
// the whole scan is returned; with a stable ring, none twice): positions only move forward, and
// never past a key one of the pages could still be missing.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/scan/scan_page.h"

namespace ringkv::core {

struct ScanMerge {
  std::vector<std::string> keys;  // Ascending, distinct.
  std::string after;              // The partition's new position (when !partition_done).
  bool partition_done = false;    // Every key of the partition after the old position was covered.
};

// Merges `pages` (at least one), taking at most `keys_max` keys (at least 1) and `bytes_max`
// bytes of keys (the first key always). When it takes fewer than the union holds, the position
// stops at the last key taken.
ScanMerge merge_scan_pages(const std::vector<const ScanPage*>& pages, std::size_t keys_max,
                           std::size_t bytes_max);

// Checks a page that came from another node against the position it was asked for: keys
// strictly ascending, after `after`, none beyond `last_key`, and a page that is not done has
// moved past `after` (so a scan always advances). Corruption names the fault.
Status validate_scan_page(const ScanPage& page, std::string_view after, bool count_only);

}  // namespace ringkv::core
