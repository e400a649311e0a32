#include "api/scan_cursor_table.h"

#include <charconv>

namespace ringkv::api {

ScanCursorTable::ScanCursorTable(std::size_t entries_max, std::size_t bytes_max,
                                 std::uint64_t first_id)
    : entries_max_(entries_max == 0 ? 1 : entries_max),
      bytes_max_(bytes_max),
      next_id_(first_id % kIdLimit == 0 ? 1 : first_id % kIdLimit) {}

std::string ScanCursorTable::to_client(std::string_view cursor) {
  if (cursor.empty() || cursor == "0") return "0";
  const std::uint64_t id = next_id_;
  next_id_ = next_id_ + 1 == kIdLimit ? 1 : next_id_ + 1;
  // An id comes round again only after 2^53 cursors; whatever it stood for then is long gone.
  if (auto old = cursors_.find(id); old != cursors_.end()) {
    bytes_ -= old->second.size();
    cursors_.erase(old);
    std::erase(order_, id);
  }
  cursors_.emplace(id, std::string(cursor));
  order_.push_back(id);
  bytes_ += cursor.size();
  while (cursors_.size() > entries_max_ || (bytes_ > bytes_max_ && cursors_.size() > 1)) {
    forget_oldest();
  }
  return std::to_string(id);
}

Result<std::string> ScanCursorTable::from_client(std::string_view client_cursor) const {
  if (client_cursor == "0") return std::string("0");
  std::uint64_t id = 0;
  const char* end = client_cursor.data() + client_cursor.size();
  const auto [at, error] = std::from_chars(client_cursor.data(), end, id);
  if (client_cursor.empty() || error != std::errc() || at != end) {
    return Status::invalid_argument("invalid cursor");
  }
  auto it = cursors_.find(id);
  if (it == cursors_.end()) {
    return Status::invalid_argument("invalid cursor (unknown, or forgotten: this node keeps the " +
                                    std::to_string(entries_max_) + " newest)");
  }
  return it->second;
}

void ScanCursorTable::forget_oldest() {
  const std::uint64_t id = order_.front();
  order_.pop_front();
  auto it = cursors_.find(id);
  bytes_ -= it->second.size();
  cursors_.erase(it);
}

}  // namespace ringkv::api
