#include "sim/fault_workload.h"

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
  switch (sim_.random().uniform(4)) {
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
    default: {
      std::vector<core::NodeId> down;
      for (const auto& id : ids) {
        if (!sim_.is_up(id)) down.push_back(id);
      }
      if (!down.empty()) sim_.restart(down[sim_.random().uniform(down.size())]);
      break;
    }
  }
}

void FaultWorkload::stop() {
  sim_.heal();
  sim_.set_network_faults(0.0, 0.0);
  for (const auto& id : sim_.node_ids()) sim_.restart(id);
}

}  // namespace ringkv::sim
