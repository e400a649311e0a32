// Simulator: runs whole ringkv clusters in one process, deterministically (docs/ARCHITECTURE.md,
// "The simulator"; modelled on FoundationDB's sim2 and TigerBeetle's VOPR). Time is simulated, the
// network and the disks are simulated, and every random choice (latency, loss, duplication, fsync
// delay, faults) comes from one generator seeded by SimConfig::seed. A run is therefore a pure
// function of its seed: trace_hash() digests every event processed, and the same seed gives the
// same hash.
//
// Faults: message loss, duplication, reordering (latency jitter), partitions between sets of
// nodes (silent), node crashes (unsynced writes are lost, see SimDisk; a message to a crashed node
// is refused, as a TCP connection to a dead process is, and the sender hears of it) and restarts,
// and failing disks (SimDisk).
// Thread-safety: none.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/node.h"
#include "core/random.h"
#include "sim/dot_oracle.h"
#include "sim/sim_disk.h"

namespace ringkv::sim {

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint64_t latency_min_ms = 1;  // One-way message latency, uniform in [min, max].
  std::uint64_t latency_max_ms = 10;
  double drop_probability = 0.0;
  double duplicate_probability = 0.0;
  std::uint64_t fsync_min_ms = 1;  // Delay from a write to the group fsync that covers it.
  std::uint64_t fsync_max_ms = 5;
  // node_id is filled in per node; empty members become every node added, in order, unless the
  // template has seeds (dynamic membership: nodes gossip, the address of node X is "X:7000").
  core::NodeConfig node_template;
  // Clock skew: each incarnation of a node sees the simulated time plus its own random offset in
  // [0, clock_offset_ms_max] (a real host's steady clock starts anywhere). 0: every node sees the
  // simulated time.
  std::uint64_t clock_offset_ms_max = 0;
  // Wall clocks (expiry, hybrid timestamps): the simulated time plus this epoch plus each
  // incarnation's own skew in [0, wall_skew_ms_max].
  std::uint64_t wall_clock_epoch_ms = 1'700'000'000'000;
  std::uint64_t wall_skew_ms_max = 0;
};

using ReplyHandler = std::function<void(const core::ClientReply&)>;

class Simulator {
 public:
  explicit Simulator(SimConfig config);
  ~Simulator();

  // Adds nodes and starts them. Unless node_template lists members, the cluster is every node
  // added so far, so add a static cluster in one call.
  void add_nodes(const std::vector<core::NodeId>& ids);
  void add_node(const core::NodeId& id) { add_nodes({id}); }
  // Sends a client request to `node`; `on_reply` runs when the node replies (or at once with
  // Unavailable when the node is down). The request id is assigned here.
  void submit(const core::NodeId& node, core::ClientRequest request, ReplyHandler on_reply);

  // Submits `request` and runs the simulation until its reply arrives (for scripted tests). After
  // `wait_ms_max` of simulated time without one, returns an Internal "no reply" status.
  core::ClientReply call(const core::NodeId& node, core::ClientRequest request,
                         std::uint64_t wait_ms_max = 10'000);

  // Runs `callback` at now + delay_ms of simulated time (client think time, fault schedules).
  void after(std::uint64_t delay_ms, std::function<void()> callback);

  // Changes one node's configuration from its next start on (before add_node: from the first).
  void configure(const core::NodeId& id, std::function<void(core::NodeConfig&)> change);
  // Crashes the node, replaces its disk by an empty one (a wiped data directory) and restarts it
  // under the same id.
  void wipe(const core::NodeId& id);

  void crash(const core::NodeId& id);
  void restart(const core::NodeId& id);
  bool is_up(const core::NodeId& id) const;
  // Nodes in different groups cannot exchange messages until heal(); nodes in no group are cut
  // off from everyone.
  void partition(const std::vector<std::set<core::NodeId>>& groups);
  void heal();
  // Changes message loss and duplication from now on (checkers run on a quiet network).
  void set_network_faults(double drop_probability, double duplicate_probability) {
    config_.drop_probability = drop_probability;
    config_.duplicate_probability = duplicate_probability;
  }

  // Processes events in time order until simulated time reaches `until_ms` or nothing is left.
  void run_until(std::uint64_t until_ms);
  void run_for(std::uint64_t duration_ms) { run_until(now_ms_ + duration_ms); }

  std::uint64_t now_ms() const { return now_ms_; }
  std::uint64_t trace_hash() const;
  std::uint64_t events_processed() const { return events_processed_; }
  std::uint64_t messages_dropped() const { return messages_dropped_; }
  core::Random& random() { return random_; }
  const std::vector<core::NodeId>& node_ids() const { return node_ids_; }
  core::Node* node(const core::NodeId& id);  // nullptr when down.
  SimDisk& disk(const core::NodeId& id);
  // Records every traced event as text (for debugging a failing seed).
  void keep_trace_lines(bool keep) { keep_trace_lines_ = keep; }
  const std::vector<std::string>& trace_lines() const { return trace_lines_; }
  // Dots reused by two different writes (see DotOracle), over every node's durable writes.
  const DotOracle& dot_oracle() const { return dot_oracle_; }

 private:
  struct Deliver {
    core::NodeId from, to;
    core::PeerMessage message;
  };
  struct Tick {
    core::NodeId node;
    std::uint64_t incarnation;
  };
  struct DiskSync {
    core::NodeId node;
    std::uint64_t incarnation;
  };
  struct ClientArrive {
    core::NodeId node;
    core::ClientRequest request;
  };
  struct Callback {
    std::function<void()> run;
  };
  // `node` learns that its connection to `peer` was refused or reset (the peer is down).
  struct Unreachable {
    core::NodeId node, peer;
    std::uint64_t incarnation;
  };
  using Event = std::variant<Deliver, Tick, DiskSync, ClientArrive, Callback, Unreachable>;
  struct Scheduled {
    std::uint64_t at_ms;
    std::uint64_t sequence;  // Ties broken by scheduling order: deterministic.
    Event event;
    bool operator>(const Scheduled& other) const {
      return at_ms != other.at_ms ? at_ms > other.at_ms : sequence > other.sequence;
    }
  };
  struct SimNode {
    std::unique_ptr<SimDisk> disk;
    std::unique_ptr<core::SplitMix64> random;
    std::unique_ptr<core::Node> node;  // Null while crashed.
    std::uint64_t incarnation = 0;
    bool sync_scheduled = false;
    std::uint64_t clock_offset_ms = 0;
  };
  std::uint64_t clock_of(const SimNode& sim_node) const {
    return now_ms_ + sim_node.clock_offset_ms;
  }

  void schedule(std::uint64_t at_ms, Event event);
  void process(const Event& event);
  void start_node(const core::NodeId& id);
  void drain(const core::NodeId& id);
  void send(const core::NodeId& from, const core::NodeId& to, const core::PeerMessage& message);
  // A message from `from` met a crashed `to`: like a refused or reset TCP connection, the sender
  // hears of it one network latency later. (A partition is silent: messages just vanish.)
  void refuse(const core::NodeId& from, const core::NodeId& to);
  std::uint64_t latency();
  bool can_talk(const core::NodeId& a, const core::NodeId& b) const;
  void trace(const std::string& line);

  SimConfig config_;
  core::SplitMix64 random_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t events_processed_ = 0;
  std::uint64_t messages_dropped_ = 0;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue_;
  std::vector<core::NodeId> node_ids_;
  std::map<core::NodeId, SimNode> nodes_;
  std::map<core::NodeId, std::vector<std::function<void(core::NodeConfig&)>>> changes_;
  struct PendingReply {
    core::NodeId node;
    ReplyHandler handler;
  };
  std::map<std::uint64_t, PendingReply> pending_replies_;
  std::map<core::NodeId, int> partition_group_;  // Empty when healed.
  XXH3_state_t* trace_state_;
  bool keep_trace_lines_ = false;
  std::vector<std::string> trace_lines_;
  DotOracle dot_oracle_;
};

}  // namespace ringkv::sim
