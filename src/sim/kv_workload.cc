#include "sim/kv_workload.h"

#include <cassert>

namespace ringkv::sim {

KvWorkload::KvWorkload(Simulator& sim, KvWorkloadConfig config)
    : sim_(sim), config_(config) {
  assert(config_.clients > 0 && config_.keys > 0);
}

const core::NodeId& KvWorkload::pick_node() {
  // Any node may coordinate any request; clients pick one at random, as a load balancer would.
  const auto& ids = config_.coordinators.empty() ? sim_.node_ids() : config_.coordinators;
  assert(!ids.empty());
  return ids[sim_.random().uniform(ids.size())];
}

void KvWorkload::count_failure(const Status& status) {
  ++failed_;
  const std::string& message = status.message();
  // Refusals, not timeouts: a forward that got no answer in a partition is a legitimate failure.
  if (message.find("forwarded to") != std::string::npos) return;
  for (const char* reason : {"ring mismatch", "has left the cluster", "not part of a cluster"}) {
    if (message.find(reason) == std::string::npos) continue;
    if (routing_failures_++ == 0) first_routing_failure_ = status.to_string();
  }
}

void KvWorkload::start() {
  for (int client = 0; client < config_.clients; ++client) {
    sim_.after(sim_.random().uniform(config_.think_time_ms_max + 1),
               [this, client] { run_cycle(client, 0); });
  }
}

void KvWorkload::finish_cycle(int client, int cycle) {
  if (cycle + 1 >= config_.cycles_per_client) {
    ++finished_clients_;
    return;
  }
  sim_.after(sim_.random().uniform(config_.think_time_ms_max + 1),
             [this, client, cycle] { run_cycle(client, cycle + 1); });
}

void KvWorkload::run_cycle(int client, int cycle) {
  const std::string key = "k" + std::to_string(sim_.random().uniform(config_.keys));
  core::ClientRequest get;
  get.op = core::ClientOp::kGet;
  get.bucket = "default";
  get.key = key;
  sim_.submit(pick_node(), get, [this, client, cycle, key](const core::ClientReply& read) {
    if (!read.status.is_ok()) {
      count_failure(read.status);
      finish_cycle(client, cycle);
      return;
    }
    const bool is_delete =
        !read.values.empty() && sim_.random().chance(config_.delete_probability);
    const std::string value =
        (is_delete ? "d" : "c") + std::to_string(client) + "-" + std::to_string(cycle);
    writes_[value] = WriteRecord{key, read.values, false, is_delete};
    core::ClientRequest put;
    put.op = is_delete ? core::ClientOp::kDelete : core::ClientOp::kPut;
    put.bucket = "default";
    put.key = key;
    put.context = read.context;
    if (!is_delete) put.value = value;
    sim_.submit(pick_node(), put, [this, client, cycle, value](const core::ClientReply& write) {
      if (write.status.is_ok()) {
        writes_[value].acknowledged = true;
        ++acknowledged_;
      } else {
        count_failure(write.status);
      }
      finish_cycle(client, cycle);
    });
  });
}

Status KvWorkload::check() {
  std::map<std::string, std::vector<std::string>> final_values;
  int outstanding = config_.keys;
  Status failure;
  for (int k = 0; k < config_.keys; ++k) {
    const std::string key = "k" + std::to_string(k);
    core::ClientRequest get;
    get.op = core::ClientOp::kGet;
    get.bucket = "default";
    get.key = key;
    get.r = config_.final_read_r;  // Read every replica: all surviving versions.
    sim_.submit(pick_node(), get, [&, key](const core::ClientReply& read) {
      --outstanding;
      if (!read.status.is_ok()) {
        failure = Status::internal("final read of " + key + " failed: " + read.status.to_string());
      }
      final_values[key] = read.values;
    });
  }
  sim_.run_for(10'000);
  if (outstanding != 0) return Status::internal("final reads did not complete");
  if (!failure.is_ok()) return failure;

  for (const auto& [key, values] : final_values) {
    std::set<std::string> covered;
    std::vector<std::string> frontier = values;
    for (const auto& [value, record] : writes_) {
      if (record.key == key && record.is_delete) frontier.push_back(value);
    }
    const std::set<std::string> present(values.begin(), values.end());
    for (const auto& [value, record] : writes_) {
      if (record.key != key || !record.acknowledged) continue;
      for (const auto& seen : record.saw) {
        if (present.contains(seen)) {
          return Status::internal("value " + seen + " of " + key + " resurfaced after " +
                                  (record.is_delete ? "delete " : "write ") + value +
                                  " superseded it");
        }
      }
    }
    while (!frontier.empty()) {
      const std::string value = frontier.back();
      frontier.pop_back();
      if (!covered.insert(value).second) continue;
      auto it = writes_.find(value);
      if (it == writes_.end()) return Status::internal("key " + key + " holds unknown value " + value);
      if (it->second.key != key) return Status::internal("value " + value + " appeared under " + key);
      for (const auto& seen : it->second.saw) frontier.push_back(seen);
    }
    for (const auto& [value, record] : writes_) {
      if (record.key == key && record.acknowledged && !record.is_delete &&
          !covered.contains(value)) {
        return Status::internal("acknowledged write " + value + " of " + key + " was lost");
      }
    }
  }
  return Status::ok();
}

}  // namespace ringkv::sim
