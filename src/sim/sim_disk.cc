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

Result<std::optional<std::string>> SimDisk::get(storage::Namespace ns, std::string_view key) {
  const Table& table = current_[static_cast<int>(ns)];
  auto it = table.find(key);
  if (it == table.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status SimDisk::write(const storage::WriteBatch& batch, storage::WriteCallback done) {
  apply(current_, batch);
  unsynced_.push_back(batch);
  waiting_.push_back(std::move(done));
  return Status::ok();
}

Status SimDisk::scan(storage::Namespace ns, std::string_view begin, std::string_view end,
                     const storage::ScanVisitor& visit) {
  const Table& table = current_[static_cast<int>(ns)];
  for (auto it = table.lower_bound(begin); it != table.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (!visit(it->first, it->second)) break;
  }
  return Status::ok();
}

Status SimDisk::flush() {
  sync();
  return Status::ok();
}

void SimDisk::sync() {
  for (const auto& batch : unsynced_) apply(durable_, batch);
  unsynced_.clear();
  std::vector<storage::WriteCallback> callbacks;
  callbacks.swap(waiting_);
  for (auto& callback : callbacks) callback(Status::ok());
}

void SimDisk::crash() {
  for (int i = 0; i < storage::kNamespaceCount; ++i) current_[i] = durable_[i];
  unsynced_.clear();
  waiting_.clear();
}

std::size_t SimDisk::durable_keys(storage::Namespace ns) const {
  return durable_[static_cast<int>(ns)].size();
}

}  // namespace ringkv::sim
