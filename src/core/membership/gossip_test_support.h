// Test support for the gossip tests (included by *_test.cc only): a deterministic in-memory
// cluster of Gossipers. Messages are delivered instantly and in order, one exchange to completion
// before the next node acts; nodes can be paused (they neither tick nor receive, like a crashed or
// partitioned process) and restarted. Every run is a function of its seed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/membership/gossip_messages.h"
#include "core/membership/gossiper.h"
#include "core/random.h"

namespace ringkv::core::gossip_testing {

class SimCluster {
 public:
  explicit SimCluster(std::uint64_t seed, GossipConfig config = {})
      : random_(seed), config_(std::move(config)) {}

  // Starts (or restarts, under `generation`) a node; the old instance, if any, is discarded.
  Gossiper& start(const NodeId& id, std::vector<NodeId> seeds, std::uint64_t generation = 1) {
    Node& node = nodes_[id];
    node.gossiper.reset();  // It refers to the generator replaced next.
    node.random = std::make_unique<SplitMix64>(random_.next_u64());
    node.gossiper = std::make_unique<Gossiper>(id, address_of(id), generation, std::move(seeds),
                                               *node.random, config_);
    node.paused = false;
    return *node.gossiper;
  }
  // Starts a node and declares it a member right away (a cluster formed at once).
  Gossiper& start_member(const NodeId& id, std::vector<NodeId> seeds) {
    Gossiper& gossiper = start(id, std::move(seeds));
    EXPECT_TRUE(gossiper.join(1).is_ok());
    return gossiper;
  }
  void pause(const NodeId& id) { nodes_.at(id).paused = true; }
  void resume(const NodeId& id) { nodes_.at(id).paused = false; }
  Gossiper& node(const NodeId& id) { return *nodes_.at(id).gossiper; }
  std::uint64_t now_ms() const { return now_ms_; }

  // One gossip interval: every running node ticks, in a fresh random order.
  void round() {
    now_ms_ += config_.gossip_interval_ms;
    std::vector<Node*> order;
    for (auto& [id, node] : nodes_) order.push_back(&node);
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[random_.uniform(i)]);
    }
    for (Node* node : order) {
      if (node->paused) continue;
      deliver(node->gossiper->self(), node->gossiper->on_tick(now_ms_));
    }
  }
  void rounds(int count) {
    for (int i = 0; i < count; ++i) round();
  }

  // Every running node holds every running member's own record at its latest static version.
  bool converged() const {
    // Cheap necessary condition first: everybody knows as many members as there are.
    std::size_t members = 0;
    for (const auto& [id, node] : nodes_) members += node.gossiper->is_member() ? 1 : 0;
    for (const auto& [id, node] : nodes_) {
      if (!node.paused && node.gossiper->membership().size() < members) return false;
    }
    // The truth: each running member's own record, in id order like every node's table.
    std::vector<const MemberRecord*> truth;
    for (const auto& [id, node] : nodes_) {
      const MemberRecord* own = node.gossiper->membership().find(id);
      if (!node.paused && own != nullptr) truth.push_back(own);
    }
    for (const auto& [id, node] : nodes_) {
      if (node.paused) continue;
      const auto& table = node.gossiper->membership().members();
      auto it = table.begin();
      for (const MemberRecord* own : truth) {
        while (it != table.end() && it->first < own->id) ++it;
        if (it == table.end() || it->first != own->id || it->second.generation != own->generation ||
            it->second.version != own->version) {
          return false;
        }
      }
    }
    return true;
  }
  // Rounds until converged(), or -1 after `rounds_max`.
  int rounds_to_convergence(int rounds_max) {
    for (int r = 1; r <= rounds_max; ++r) {
      round();
      if (converged()) return r;
    }
    return -1;
  }

  std::uint64_t messages() const { return messages_; }
  std::uint64_t records_sent() const { return records_sent_; }
  std::uint64_t digest_entries_sent() const { return digest_entries_sent_; }

  static std::string address_of(const NodeId& id) { return id + ".test:7000"; }

 private:
  struct Node {
    std::unique_ptr<SplitMix64> random;
    std::unique_ptr<Gossiper> gossiper;
    bool paused = false;
  };
  struct InFlight {
    NodeId from;
    OutgoingGossip gossip;
  };

  void count(const GossipMessage& message) {
    ++messages_;
    if (const auto* digest = std::get_if<GossipDigest>(&message)) {
      digest_entries_sent_ += digest->digest.size();
    } else if (const auto* delta = std::get_if<GossipDelta>(&message)) {
      records_sent_ += delta->records.size();
      digest_entries_sent_ += delta->request.size();
    } else {
      records_sent_ += std::get<GossipDeltaAck>(message).records.size();
    }
  }

  // By id, or by address for a seed stand-in "@HOST:PORT" (the host's transport does the same).
  std::map<NodeId, Node>::iterator find_node(const NodeId& to) {
    if (!is_seed_placeholder(to)) return nodes_.find(to);
    for (auto it = nodes_.begin(); it != nodes_.end(); ++it) {
      if (address_of(it->first) == placeholder_address(to)) return it;
    }
    return nodes_.end();
  }

  void deliver(const NodeId& from, std::vector<OutgoingGossip> outgoing) {
    std::deque<InFlight> queue;
    for (OutgoingGossip& gossip : outgoing) queue.push_back({from, std::move(gossip)});
    while (!queue.empty()) {
      InFlight in_flight = std::move(queue.front());
      queue.pop_front();
      count(in_flight.gossip.message);
      const auto it = find_node(in_flight.gossip.to);
      if (it == nodes_.end() || it->second.paused) continue;  // Lost, like a dead process.
      for (OutgoingGossip& reply :
           it->second.gossiper->on_message(in_flight.from, in_flight.gossip.message, now_ms_)) {
        queue.push_back({it->first, std::move(reply)});
      }
    }
  }

  SplitMix64 random_;
  GossipConfig config_;
  std::map<NodeId, Node> nodes_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t records_sent_ = 0;
  std::uint64_t digest_entries_sent_ = 0;
};

}  // namespace ringkv::core::gossip_testing
