#include "sim/fault_workload.h"

#include <algorithm>
#include <set>
#include <vector>

namespace ringkv::sim {

void FaultWorkload::start() { schedule_next(); }

void FaultWorkload::schedule_next() {
  const std::uint64_t delay = 1 + sim_.random().uniform(config_.interval_ms_max);
  if (sim_.now_ms() + delay >= config_.until_ms) return;
  sim_.after(delay, [this] {
    inject();
    schedule_next();
  });
}

void FaultWorkload::inject() {
  const auto& ids = sim_.node_ids();
  ++faults_;
  switch (sim_.random().uniform(config_.storage_faults ? 6 : 4)) {
    case 0: {
      if (!config_.partitions) break;
      // Each node joins one of two or three groups at random.
      const std::uint64_t group_count = 2 + sim_.random().uniform(2);
      std::vector<std::set<core::NodeId>> groups(group_count);
      for (const auto& id : ids) groups[sim_.random().uniform(group_count)].insert(id);
      sim_.partition(groups);
      break;
    }
    case 1:
      sim_.heal();
      break;
    case 2: {
      if (!config_.crashes) break;
      std::vector<core::NodeId> up;
      for (const auto& id : ids) {
        if (sim_.is_up(id)) up.push_back(id);
      }
      if (ids.size() - up.size() >= config_.max_down || up.empty()) break;
      sim_.crash(up[sim_.random().uniform(up.size())]);
      break;
    }
    case 3: {
      std::vector<core::NodeId> down;
      for (const auto& id : ids) {
        if (!sim_.is_up(id)) down.push_back(id);
      }
      if (!down.empty()) sim_.restart(down[sim_.random().uniform(down.size())]);
      break;
    }
    case 4:
      inject_disk_fault();
      break;
    default: {
      const auto& id = ids[sim_.random().uniform(ids.size())];
      sim_.disk(id).set_faults(DiskFaults{.torn_crashes = true});
      break;
    }
  }
}

void FaultWorkload::inject_disk_fault() {
  const auto& ids = sim_.node_ids();
  const auto& id = ids[sim_.random().uniform(ids.size())];
  DiskFaults faults{.torn_crashes = true};
  if (sim_.random().chance(0.25)) {
    // Full: nothing more fits (deletes still go through).
    faults.capacity_bytes = std::max<std::uint64_t>(sim_.disk(id).stored_bytes(), 1);
  } else {
    auto rate = [&] { return sim_.random().chance(0.5) ? sim_.random().uniform_unit() * 0.3 : 0.0; };
    faults.read_error_probability = rate();
    faults.scan_error_probability = rate();
    faults.write_error_probability = rate();
    faults.sync_error_probability = rate();
  }
  sim_.disk(id).set_faults(faults);
}

void FaultWorkload::stop() {
  sim_.heal();
  sim_.set_network_faults(0.0, 0.0);
  for (const auto& id : sim_.node_ids()) sim_.disk(id).set_faults(DiskFaults{});
  for (const auto& id : sim_.node_ids()) sim_.restart(id);
}

}  // namespace ringkv::sim
