#include "sim/sim_disk.h"

namespace ringkv::sim {

void SimDisk::apply(Table (&tables)[storage::kNamespaceCount], const storage::WriteBatch& batch) {
  for (const auto& op : batch.ops()) {
    Table& table = tables[static_cast<int>(op.ns)];
    if (op.is_delete) {
      table.erase(op.key);
    } else {
      table[op.key] = op.value;
    }
  }
}

bool SimDisk::fault(double probability) {
  if (random_ == nullptr || probability <= 0 || !random_->chance(probability)) return false;
  ++faults_injected_;
  return true;
}

std::int64_t SimDisk::growth_bytes(const storage::WriteBatch& batch) const {
  std::int64_t growth = 0;
  for (const auto& op : batch.ops()) {
    const Table& table = current_[static_cast<int>(op.ns)];
    auto it = table.find(op.key);
    if (it != table.end()) growth -= static_cast<std::int64_t>(it->first.size() + it->second.size());
    if (!op.is_delete) growth += static_cast<std::int64_t>(op.key.size() + op.value.size());
  }
  return growth;
}

void SimDisk::recompute_stored_bytes() {
  stored_bytes_ = 0;
  for (const Table& table : current_) {
    for (const auto& [key, value] : table) stored_bytes_ += key.size() + value.size();
  }
}

Result<std::optional<std::string>> SimDisk::get(storage::Namespace ns, std::string_view key) {
  if (fault(faults_.read_error_probability)) {
    return Status::io_error("sim disk: read failed (injected EIO)");
  }
  const Table& table = current_[static_cast<int>(ns)];
  auto it = table.find(key);
  if (it == table.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status SimDisk::write(const storage::WriteBatch& batch, storage::WriteCallback done) {
  if (fault(faults_.write_error_probability)) {
    return Status::io_error("sim disk: write failed (injected EIO)");
  }
  const std::int64_t growth = growth_bytes(batch);
  if (faults_.capacity_bytes != 0 && growth > 0 &&
      stored_bytes_ + static_cast<std::uint64_t>(growth) > faults_.capacity_bytes) {
    ++faults_injected_;
    return Status::io_error("sim disk: no space left on device (capacity " +
                            std::to_string(faults_.capacity_bytes) + " bytes)");
  }
  apply(current_, batch);
  stored_bytes_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(stored_bytes_) + growth);
  unsynced_.push_back(batch);
  waiting_.push_back(std::move(done));
  return Status::ok();
}

Status SimDisk::scan(storage::Namespace ns, std::string_view begin, std::string_view end,
                     const storage::ScanVisitor& visit) {
  // A failing scan may first visit some keys, as a read error in the middle of a range would.
  const bool fails = fault(faults_.scan_error_probability);
  const std::uint64_t visit_before_failure = fails ? random_->uniform(8) : UINT64_MAX;
  std::uint64_t visited = 0;
  const Table& table = current_[static_cast<int>(ns)];
  for (auto it = table.lower_bound(begin); it != table.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (visited++ == visit_before_failure) break;
    if (!visit(it->first, it->second)) return Status::ok();
  }
  if (fails) return Status::io_error("sim disk: scan failed (injected EIO)");
  return Status::ok();
}

Status SimDisk::flush() {
  return sync() ? Status::ok() : Status::io_error("sim disk: fsync failed (EIO)");
}

bool SimDisk::sync() {
  std::vector<storage::WriteCallback> callbacks;
  callbacks.swap(waiting_);
  if (fault(faults_.sync_error_probability)) {
    // The writes stay visible but never become durable unless written again.
    unsynced_.clear();
    for (auto& callback : callbacks) callback(Status::io_error("sim disk: fsync failed (EIO)"));
    return false;
  }
  for (const auto& batch : unsynced_) apply(durable_, batch);
  unsynced_.clear();
  for (auto& callback : callbacks) callback(Status::ok());
  return true;
}

void SimDisk::crash() {
  // With torn crashes, the batches written before the one in progress reached the device.
  const std::size_t surviving =
      faults_.torn_crashes && random_ != nullptr && !unsynced_.empty()
          ? static_cast<std::size_t>(random_->uniform(unsynced_.size() + 1))
          : 0;
  for (std::size_t i = 0; i < surviving; ++i) apply(durable_, unsynced_[i]);
  if (surviving > 0) ++faults_injected_;
  for (int i = 0; i < storage::kNamespaceCount; ++i) current_[i] = durable_[i];
  unsynced_.clear();
  waiting_.clear();
  recompute_stored_bytes();
}

std::size_t SimDisk::durable_keys(storage::Namespace ns) const {
  return durable_[static_cast<int>(ns)].size();
}

std::optional<std::string> SimDisk::durable_get(storage::Namespace ns, std::string_view key) const {
  const Table& table = durable_[static_cast<int>(ns)];
  auto it = table.find(key);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

}  // namespace ringkv::sim
