#include "sim/simulator.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <stdexcept>

namespace ringkv::sim {
namespace {

// Per-node generators are derived from the run's seed and the node's index, so adding a node
// does not change the streams of the others.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
  core::SplitMix64 mix(seed ^ (0xa0761d6478bd642fULL * (index + 1)));
  return mix.next_u64();
}

const char* op_name(core::ClientOp op) {
  switch (op) {
    case core::ClientOp::kGet:
      return "get";
    case core::ClientOp::kPut:
      return "put";
    case core::ClientOp::kDelete:
      return "del";
    case core::ClientOp::kUpdate:
      return "update";
    case core::ClientOp::kScan:
      return "scan";
  }
  return "?";
}

}  // namespace

Simulator::Simulator(SimConfig config)
    : config_(std::move(config)), random_(config_.seed), trace_state_(XXH3_createState()) {
  assert(config_.latency_min_ms <= config_.latency_max_ms);
  assert(config_.fsync_min_ms <= config_.fsync_max_ms);
  XXH3_64bits_reset_withSeed(trace_state_, config_.seed);
}

Simulator::~Simulator() {
  XXH3_freeState(trace_state_);
}

void Simulator::trace(const std::string& line) {
  const std::string stamped = std::to_string(now_ms_) + " " + line;
  XXH3_64bits_update(trace_state_, stamped.data(), stamped.size() + 1);  // Include the NUL.
  if (keep_trace_lines_) trace_lines_.push_back(stamped);
}

std::uint64_t Simulator::trace_hash() const {
  return XXH3_64bits_digest(trace_state_);
}

void Simulator::add_nodes(const std::vector<core::NodeId>& ids) {
  for (const auto& id : ids) {
    assert(!nodes_.contains(id));
    SimNode sim_node;
    sim_node.disk = std::make_unique<SimDisk>(&random_);
    sim_node.random =
        std::make_unique<core::SplitMix64>(derive_seed(config_.seed, node_ids_.size()));
    nodes_.emplace(id, std::move(sim_node));
    node_ids_.push_back(id);
  }
  for (const auto& id : ids) start_node(id);
}

void Simulator::start_node(const core::NodeId& id) {
  SimNode& sim_node = nodes_.at(id);
  core::NodeConfig node_config = config_.node_template;
  node_config.node_id = id;
  if (!node_config.seeds.empty()) {
    node_config.address = id + ":7000";
  } else if (node_config.members.empty()) {
    // A static cluster of every node added, in the order they were added.
    for (const auto& member : node_ids_) {
      node_config.members.push_back({core::MembershipEvent::Kind::kJoin, member, 1});
    }
  }
  if (auto it = changes_.find(id); it != changes_.end()) {
    for (const auto& change : it->second) change(node_config);
  }
  ++sim_node.incarnation;
  sim_node.sync_scheduled = false;
  sim_node.clock_offset_ms =
      config_.clock_offset_ms_max == 0 ? 0 : random_.uniform(config_.clock_offset_ms_max + 1);
  const std::uint64_t wall_skew =
      config_.wall_skew_ms_max == 0 ? 0 : random_.uniform(config_.wall_skew_ms_max + 1);
  node_config.wall_clock_offset_ms = static_cast<std::int64_t>(config_.wall_clock_epoch_ms) +
                                     static_cast<std::int64_t>(wall_skew) -
                                     static_cast<std::int64_t>(sim_node.clock_offset_ms);
  sim_node.node = std::make_unique<core::Node>(node_config, *sim_node.disk, *sim_node.random);
  const Status status = sim_node.node->start(clock_of(sim_node));
  if (!status.is_ok()) {
    // As a process whose start fails exits: the node stays down until restarted.
    trace("start-failed " + id + " " + status.to_string());
    sim_node.node.reset();
    if (!sim_node.disk->faults().any()) {
      throw std::runtime_error("node " + id + " failed to start: " + status.to_string());
    }
    return;
  }
  trace("start " + id + " incarnation=" + std::to_string(sim_node.incarnation));
  drain(id);
}

void Simulator::crash(const core::NodeId& id) {
  SimNode& sim_node = nodes_.at(id);
  if (!sim_node.node) return;
  trace("crash " + id);
  sim_node.node.reset();
  sim_node.disk->crash();
  // Clients waiting on the crashed node see their connection break.
  for (auto it = pending_replies_.begin(); it != pending_replies_.end();) {
    if (it->second.node == id) {
      core::ClientReply reply;
      reply.request_id = it->first;
      reply.status = Status::unavailable("node " + id + " crashed");
      ReplyHandler handler = std::move(it->second.handler);
      it = pending_replies_.erase(it);
      handler(reply);
    } else {
      ++it;
    }
  }
}

void Simulator::configure(const core::NodeId& id, std::function<void(core::NodeConfig&)> change) {
  changes_[id].push_back(std::move(change));
}

void Simulator::wipe(const core::NodeId& id) {
  crash(id);
  nodes_.at(id).disk = std::make_unique<SimDisk>(&random_);
  trace("wipe " + id);
  start_node(id);
}

void Simulator::restart(const core::NodeId& id) {
  SimNode& sim_node = nodes_.at(id);
  if (sim_node.node) return;
  start_node(id);
}

bool Simulator::is_up(const core::NodeId& id) const {
  return nodes_.at(id).node != nullptr;
}

core::Node* Simulator::node(const core::NodeId& id) {
  return nodes_.at(id).node.get();
}

SimDisk& Simulator::disk(const core::NodeId& id) {
  return *nodes_.at(id).disk;
}

void Simulator::partition(const std::vector<std::set<core::NodeId>>& groups) {
  partition_group_.clear();
  std::string line = "partition";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    line += " |";
    for (const auto& id : groups[g]) {
      partition_group_[id] = static_cast<int>(g);
      line += " " + id;
    }
  }
  trace(line);
}

void Simulator::heal() {
  partition_group_.clear();
  trace("heal");
}

bool Simulator::can_talk(const core::NodeId& a, const core::NodeId& b) const {
  if (partition_group_.empty()) return true;
  auto ia = partition_group_.find(a);
  auto ib = partition_group_.find(b);
  return ia != partition_group_.end() && ib != partition_group_.end() && ia->second == ib->second;
}

void Simulator::submit(const core::NodeId& node, core::ClientRequest request,
                       ReplyHandler on_reply) {
  request.request_id = next_request_id_++;
  pending_replies_[request.request_id] = PendingReply{node, std::move(on_reply)};
  // Client requests travel over the same simulated network latency as peer messages.
  const std::uint64_t latency =
      config_.latency_min_ms + random_.uniform(config_.latency_max_ms - config_.latency_min_ms + 1);
  schedule(now_ms_ + latency, ClientArrive{node, std::move(request)});
}

core::ClientReply Simulator::call(const core::NodeId& node, core::ClientRequest request,
                                  std::uint64_t wait_ms_max) {
  std::optional<core::ClientReply> result;
  const std::uint64_t request_id = next_request_id_;  // The id submit() assigns.
  submit(node, std::move(request), [&](const core::ClientReply& reply) { result = reply; });
  const std::uint64_t deadline = now_ms_ + wait_ms_max;
  while (!result && now_ms_ < deadline) run_for(10);
  if (!result) {
    pending_replies_.erase(request_id);  // Its handler refers to this frame's `result`.
    return core::ClientReply{
        .status = Status::internal("no reply within " + std::to_string(wait_ms_max) + " ms")};
  }
  return *result;
}

void Simulator::after(std::uint64_t delay_ms, std::function<void()> callback) {
  schedule(now_ms_ + delay_ms, Callback{std::move(callback)});
}

void Simulator::schedule(std::uint64_t at_ms, Event event) {
  queue_.push(Scheduled{at_ms, next_sequence_++, std::move(event)});
}

std::uint64_t Simulator::latency() {
  return config_.latency_min_ms +
         random_.uniform(config_.latency_max_ms - config_.latency_min_ms + 1);
}

void Simulator::refuse(const core::NodeId& from, const core::NodeId& to) {
  auto sender = nodes_.find(from);
  if (sender == nodes_.end() || !sender->second.node) return;
  schedule(now_ms_ + latency(), Unreachable{from, to, sender->second.incarnation});
}

void Simulator::send(const core::NodeId& from, const core::NodeId& to,
                     const core::PeerMessage& message) {
  if (!nodes_.contains(to) || !can_talk(from, to) || random_.chance(config_.drop_probability)) {
    ++messages_dropped_;
    return;
  }
  if (!nodes_.at(to).node) {
    ++messages_dropped_;
    refuse(from, to);
    return;
  }
  const int copies = random_.chance(config_.duplicate_probability) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    // Independent latencies per message reorder them, as a real network may.
    const std::uint64_t latency =
        config_.latency_min_ms +
        random_.uniform(config_.latency_max_ms - config_.latency_min_ms + 1);
    schedule(now_ms_ + latency, Deliver{from, to, message});
  }
}

void Simulator::drain(const core::NodeId& id) {
  SimNode& sim_node = nodes_.at(id);
  while (sim_node.node) {
    std::vector<core::Effect> effects = sim_node.node->take_effects();
    if (effects.empty()) return;
    // Writes the engine refused, reported once every effect of this batch is applied.
    std::vector<std::pair<std::uint64_t, Status>> refused;
    for (auto& effect : effects) {
      if (auto* persist = std::get_if<core::PersistEffect>(&effect)) {
        const std::uint64_t token = persist->token;
        const std::uint64_t incarnation = sim_node.incarnation;
        // The oracle sees a batch once it is durable: a write lost to a crash before its fsync
        // was never sent, so a dot it named may be named again.
        auto batch = std::make_shared<storage::WriteBatch>(std::move(persist->batch));
        const Status status = sim_node.disk->write(
            *batch, [this, id, token, incarnation, batch](const Status& result) {
              if (result.is_ok()) dot_oracle_.observe(id, *batch);
              SimNode& target = nodes_.at(id);
              if (!target.node || target.incarnation != incarnation) return;
              target.node->on_persisted(token, result);
            });
        if (!status.is_ok()) {
          // The engine refused the write (nothing applied): the node hears of it at once, as
          // the runtime tells it.
          trace("write-failed " + id + " " + status.to_string());
          refused.emplace_back(token, status);
          continue;
        }
        if (!sim_node.sync_scheduled) {
          sim_node.sync_scheduled = true;
          const std::uint64_t delay =
              config_.fsync_min_ms +
              random_.uniform(config_.fsync_max_ms - config_.fsync_min_ms + 1);
          schedule(now_ms_ + delay, DiskSync{id, sim_node.incarnation});
        }
      } else if (auto* send_effect = std::get_if<core::SendEffect>(&effect)) {
        send(id, send_effect->to, send_effect->message);
      } else if (auto* reply = std::get_if<core::ReplyEffect>(&effect)) {
        trace("reply " + id + " req=" + std::to_string(reply->reply.request_id) + " " +
              reply->reply.status.to_string() +
              " values=" + std::to_string(reply->reply.values.size()));
        auto it = pending_replies_.find(reply->reply.request_id);
        if (it != pending_replies_.end()) {
          ReplyHandler handler = std::move(it->second.handler);
          pending_replies_.erase(it);
          handler(reply->reply);
        }
      } else if (auto* timer = std::get_if<core::TimerEffect>(&effect)) {
        // Every requested time gets its tick: the node ignores the ones it no longer needs, and
        // collapsing them here could drop the one it does need.
        const std::uint64_t at =
            timer->at_ms > sim_node.clock_offset_ms ? timer->at_ms - sim_node.clock_offset_ms : 0;
        schedule(std::max(at, now_ms_), Tick{id, sim_node.incarnation});
      }
    }
    for (const auto& [token, status] : refused) {
      if (sim_node.node) sim_node.node->on_persisted(token, status);
    }
  }
}

void Simulator::process(const Event& event) {
  if (const auto* deliver = std::get_if<Deliver>(&event)) {
    SimNode& target = nodes_.at(deliver->to);
    // A partition that began while the message was in flight also stops it.
    if (!target.node || !can_talk(deliver->from, deliver->to)) {
      ++messages_dropped_;
      if (!target.node && can_talk(deliver->from, deliver->to)) refuse(deliver->from, deliver->to);
      return;
    }
    trace("deliver " + deliver->from + "->" + deliver->to + " " + core::describe(deliver->message));
    target.node->on_peer_message(deliver->from, deliver->message, clock_of(target));
    drain(deliver->to);
  } else if (const auto* tick = std::get_if<Tick>(&event)) {
    SimNode& target = nodes_.at(tick->node);
    if (!target.node || target.incarnation != tick->incarnation) return;
    trace("tick " + tick->node);
    target.node->on_tick(clock_of(target));
    drain(tick->node);
  } else if (const auto* sync = std::get_if<DiskSync>(&event)) {
    SimNode& target = nodes_.at(sync->node);
    if (!target.node || target.incarnation != sync->incarnation) return;
    target.sync_scheduled = false;
    trace("fsync " + sync->node);
    if (!target.disk->sync()) trace("fsync-failed " + sync->node);
    drain(sync->node);
  } else if (const auto* arrive = std::get_if<ClientArrive>(&event)) {
    SimNode& target = nodes_.at(arrive->node);
    trace(std::string("request ") + arrive->node +
          " req=" + std::to_string(arrive->request.request_id) + " " + op_name(arrive->request.op) +
          " " + arrive->request.key);
    if (!target.node) {
      auto it = pending_replies_.find(arrive->request.request_id);
      if (it == pending_replies_.end()) return;
      ReplyHandler handler = std::move(it->second.handler);
      pending_replies_.erase(it);
      core::ClientReply reply;
      reply.request_id = arrive->request.request_id;
      reply.status = Status::unavailable("node " + arrive->node + " is down");
      handler(reply);
      return;
    }
    target.node->on_client_request(arrive->request, clock_of(target));
    drain(arrive->node);
  } else if (const auto* callback = std::get_if<Callback>(&event)) {
    callback->run();
  } else if (const auto* unreachable = std::get_if<Unreachable>(&event)) {
    SimNode& target = nodes_.at(unreachable->node);
    if (!target.node || target.incarnation != unreachable->incarnation) return;
    trace("unreachable " + unreachable->node + "->" + unreachable->peer);
    target.node->on_peer_unreachable(unreachable->peer, clock_of(target));
    drain(unreachable->node);
  }
}

void Simulator::run_until(std::uint64_t until_ms) {
  while (!queue_.empty() && queue_.top().at_ms <= until_ms) {
    Scheduled next = queue_.top();
    queue_.pop();
    assert(next.at_ms >= now_ms_);
    now_ms_ = next.at_ms;
    ++events_processed_;
    process(next.event);
  }
  if (until_ms > now_ms_) now_ms_ = until_ms;
}

}  // namespace ringkv::sim
