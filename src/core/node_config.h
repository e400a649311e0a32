// NodeConfig: every setting of the deterministic node, with its defaults and validation; NodeStats:
// the node's counters. The runtime fills NodeConfig from the settings table (flags and TOML); the
// simulator from its scenarios.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "core/bucket.h"
#include "core/membership/gossiper.h"
#include "core/ring/ring.h"

namespace ringkv::core {

struct NodeConfig {
  NodeId node_id;
  // The cluster's membership history (join order decides the ring); every node must be given the
  // same list. Empty: a cluster of this node alone.
  std::vector<MembershipEvent> members;
  std::uint32_t partition_count = 256;  // Q: a power of two, fixed at cluster creation.
  BucketProperties default_bucket;
  // Buckets of the config file: they seed the cluster's bucket table (Node::set_bucket_properties)
  // for each bucket it does not know yet.
  std::map<std::string, BucketProperties> buckets;
  std::size_t value_max_bytes = limits::kValueMaxBytesDefault;
  std::size_t clock_entries_max = limits::kClockEntriesMaxDefault;
  std::uint64_t tick_interval_ms = 100;
  std::uint64_t request_timeout_ms = 2000;
  // A write forwarded to a home replica that has not answered after this long is forwarded to
  // the next one too (a replica just killed, paused, or cut off): well before the request times
  // out. A write coordinated twice this way holds one value under two dots and reads as one
  // value (VersionedObject::live_values); the next write with the read's context supersedes both.
  std::uint64_t forward_retry_ms = 500;
  // Sloppy quorum and hinted handoff (Dynamo section 4.6): writes for a home replica that is
  // down go to the next healthy node of the preference list, which keeps them as hints.
  bool hinted_handoff = true;
  std::uint64_t hint_bytes_max = 256ull * 1024 * 1024;  // Per node; beyond it hints are refused.
  std::uint64_t hint_delivery_interval_ms = 500;  // Between scans while nothing is in flight.
  // Hints in flight to their owners at once; when a round is fully acknowledged the next one
  // starts at once, so delivery streams at the owner's pace.
  std::size_t hints_per_delivery_max = 512;
  // Failure detection (phi accrual, Hayashibara et al. 2004) on every message from a peer, pings
  // included: a peer is treated as down when choosing replicas once phi reaches phi_threshold;
  // peer_down_after_ms is the silence tolerated beyond the usual interval (the detector's
  // acceptable pause). It decides who is asked first, never who owns data.
  std::uint64_t peer_down_after_ms = 2000;
  double phi_threshold = 8.0;

  // Dynamic membership (docs/ARCHITECTURE.md, "Membership, handoff and rebuild"). Non-empty
  // `seeds` turns it on: membership comes from gossip with the seeds (ids; the host knows their
  // addresses), is persisted in the metadata namespace and survives restarts, and `members` must
  // be empty. Empty: the static cluster above.
  std::vector<NodeId> seeds;
  std::string address;       // This node's "HOST:PORT", announced to the cluster.
  std::uint32_t weight = 1;  // Partitions claimed relative to other members; fixed at join.
  // This node's rack or data centre (docs/OPERATIONS.md, "Zones"): preference lists take distinct
  // zones first. Empty: none. With `members` (static), each join event names its node's zone and
  // this must be empty or equal to the own event's; with seeds, it is gossiped in the own record
  // (a changed zone after a restart is a newer record, and partitions move to fit it).
  std::string zone;
  // Join by itself (once a seed answered, or, for a seed, after join_grace_ms without hearing
  // from another seed): nodes started with the same seeds form one cluster. Off: wait for join().
  bool auto_join = true;
  std::uint64_t join_grace_ms = 3000;
  GossipConfig gossip;
  // Ownership transfer: a node streams the keys it holds but is no longer a home replica of to
  // their home replicas and deletes each once all of them acknowledged it durable (the handoff
  // of docs/ARCHITECTURE.md, "Membership, handoff and rebuild"). Bounded in keys in flight and in
  // bytes per second (shared with rebuilds).
  std::size_t transfer_keys_in_flight_max = 256;
  std::uint64_t transfer_bytes_per_s = 64ull * 1024 * 1024;
  std::uint64_t transfer_interval_ms = 500;  // Between scans while nothing is in flight.

  // Read repair after gets (simulations of anti-entropy turn it off).
  bool read_repair = true;
  // Merkle-tree anti-entropy (docs/ARCHITECTURE.md, "Anti-entropy"): every partition this node is a
  // home replica of is compared with another home replica about every anti_entropy_interval_ms, at
  // most anti_entropy_exchanges_max exchanges in flight per node.
  bool anti_entropy = true;
  std::uint64_t anti_entropy_interval_ms = 60'000;
  std::size_t anti_entropy_exchanges_max = 2;
  // Children per tree node; fanout^depth leaves per partition. A small fanout sends fewer hashes
  // per differing key (bench/antientropy_bench: fanout 4 sent 2.7x the differing bytes, 16 3.2x).
  std::uint32_t tree_fanout = 4;
  std::uint32_t tree_depth = 6;
  // Per exchange step: leaves whose keys are compared, and bytes of objects sent.
  std::size_t anti_entropy_leaves_max = 512;
  std::size_t anti_entropy_bytes_max = 512 * 1024;
  // A tombstone is removed from storage once anti-entropy has confirmed that every home replica
  // of its partition agrees (no live version left anywhere), no node holds hints or pending
  // transfers, and this long has passed since the partition's last local write.
  std::uint64_t tombstone_grace_ms = 3'600'000;
  // The wall clock (unix ms) is now_ms plus this: the host's steady clock drives timers, the wall
  // clock stamps writes (hybrid logical clocks) and decides expiry, which must mean the same on
  // every node. Hosts set it from their system clock at start.
  std::int64_t wall_clock_offset_ms = 0;

  // Rejects settings the node cannot run with; the message names the setting.
  Status validate() const;
};

struct NodeStats {
  std::uint64_t gets = 0;
  std::uint64_t puts = 0;
  std::uint64_t deletes = 0;
  std::uint64_t updates = 0;          // Data-type writes (ClientOp::kUpdate) received.
  std::uint64_t expired_deletes = 0;  // Keys read past their expiry that this node deleted.
  std::uint64_t rejected = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t read_repairs = 0;
  std::uint64_t replica_writes = 0;
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  std::uint64_t hints_stored = 0;     // Hint writes accepted for down replicas.
  std::uint64_t hints_refused = 0;    // Refused because hint_bytes_max was reached.
  std::uint64_t hints_delivered = 0;  // Acknowledged by their owner and deleted.
  std::uint64_t hints_adopted = 0;    // Owner no longer home for the key: merged into own data.
  std::uint64_t storage_errors = 0;   // Reads, scans and writes the storage engine failed.
  std::uint64_t stand_in_puts = 0;    // Coordinated here because every home replica was down.
  std::uint64_t forwards_retried = 0;   // Forwards sent to another home replica as well.
  std::uint64_t peers_unreachable = 0;  // Times the host reported a peer's link refused or reset.
  std::uint64_t transfer_keys_sent = 0;     // Handoff sends (one per key per round).
  std::uint64_t transfer_keys_handed_off = 0;  // Acknowledged by every home replica and deleted.
  std::uint64_t transfer_bytes_handed_off = 0;
  std::uint64_t rebuild_keys_sent = 0;  // Copies sent to new replicas of a removed member.
  std::uint64_t rebuilds_done = 0;      // (partition, new replica) streams finished.
  std::uint64_t ring_changes = 0;
  std::uint64_t ae_exchanges_started = 0;
  std::uint64_t ae_exchanges_completed = 0;
  std::uint64_t ae_keys_repaired = 0;  // Local copies changed by what an exchange brought.
  std::uint64_t ae_bytes_sent = 0;     // Hashes, keys and objects sent in exchanges.
  std::uint64_t tombstones_reaped = 0;
  std::uint64_t actors_retired = 0;  // Partition actors retired by erases (core/actor_epochs.h).
  std::uint64_t scans = 0;  // Scan calls coordinated (each returns one page of keys or a count).
  std::uint64_t bucket_changes = 0;  // Bucket table entries taken (set here or by gossip).
};

}  // namespace ringkv::core
