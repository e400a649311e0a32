// Node: the deterministic state machine of one ringkv node (DESIGN.md sections 1 and 4).
//
// A host (runtime/ over Asio, or sim/) feeds it events: client requests, peer messages, storage
// completions and ticks, each with the current time in milliseconds. The node answers with effects
// (effects.h) that the host applies in the documented order. It reads its storage through the
// injected engine (point reads only) and writes only through PersistEffects, so the host decides
// how and when bytes reach the disk, and a simulator can crash it between write and sync.
//
// This node coordinates every request on its own replica; replication across a ring
// builds on the same events and effects.
// Thread-safety: none. A host drives one node from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "core/effects.h"
#include "core/random.h"
#include "core/version/versioned_object.h"
#include "storage/engine.h"

namespace ringkv::core {

struct NodeConfig {
  NodeId node_id;
  std::uint32_t partition_count = 256;  // Q: a power of two, fixed at cluster creation.
  std::size_t value_max_bytes = limits::kValueMaxBytesDefault;
  std::size_t clock_entries_max = limits::kClockEntriesMaxDefault;
  std::uint64_t tick_interval_ms = 100;
  std::vector<NodeId> peers;  // Other nodes this node probes with pings.

  // Rejects settings the node cannot run with; the message names the setting.
  Status validate() const;
};

struct NodeStats {
  std::uint64_t gets = 0;
  std::uint64_t puts = 0;
  std::uint64_t deletes = 0;
  std::uint64_t rejected = 0;
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
};

class Node {
 public:
  Node(NodeConfig config, storage::Engine& storage, Random& random);

  // Loads this storage incarnation's actor id, or creates and persists a new one (a wiped data
  // directory gets a new actor, see version_vector.h). Call once before any other event.
  Status start(std::uint64_t now_ms);

  void on_client_request(ClientRequest request, std::uint64_t now_ms);
  void on_peer_message(const NodeId& from, const PeerMessage& message, std::uint64_t now_ms);
  void on_persisted(std::uint64_t token, const Status& status);
  void on_tick(std::uint64_t now_ms);

  // The effects produced since the last call, in the order they must be applied.
  std::vector<Effect> take_effects();

  ActorId actor_id() const { return actor_id_; }
  const NodeConfig& config() const { return config_; }
  const NodeStats& stats() const { return stats_; }
  std::size_t pending_writes() const { return pending_writes_.size(); }

 private:
  Status validate_request(const ClientRequest& request) const;
  Result<VersionedObject> read_object(const std::string& storage_key);
  void handle_get(const ClientRequest& request);
  void handle_write(const ClientRequest& request, std::uint64_t now_ms);
  void reply_error(std::uint64_t request_id, Status status);
  std::uint64_t persist(storage::WriteBatch batch);

  NodeConfig config_;
  storage::Engine& storage_;
  Random& random_;
  ActorId actor_id_ = 0;
  bool started_ = false;
  std::uint64_t next_token_ = 1;
  std::uint64_t ping_sequence_ = 0;
  // Writes waiting for durability: token -> the reply to send once persisted.
  std::unordered_map<std::uint64_t, ClientReply> pending_writes_;
  std::vector<Effect> effects_;
  NodeStats stats_;
};

}  // namespace ringkv::core
