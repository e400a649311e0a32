// Messages between nodes. The core exchanges these values; the runtime encodes them as protobuf
// (api/peer_codec) inside native-protocol frames, and the simulator passes them as they are.
// Every message is one-way; a node answers over its own connection to the sender.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "core/bucket_registry.h"
#include "core/membership/gossip_messages.h"
#include "core/node_id.h"
#include "core/requests.h"
#include "core/scan/scan_page.h"

namespace ringkv::core {

// Liveness probe; the failure detector builds on these and on replies.
struct Ping {
  std::uint64_t sequence = 0;
  std::uint64_t sent_at_ms = 0;  // Sender's clock, echoed back to measure round trips.
};
// A pong also says which ring the sender runs and how many partitions it still holds data for
// without being their home (ownership transfers pending): the membership handshake that tells a
// joiner its handoff is done and a coordinator when a previous ring's owners may be forgotten.
struct Pong {
  std::uint64_t sequence = 0;
  std::uint64_t echoed_sent_at_ms = 0;
  std::uint64_t ring_version = 0;       // Digest of the sender's ring history (0: unknown).
  std::uint64_t transfers_pending = 0;  // Partitions the sender must still hand off.
  std::uint64_t hints_held = 0;         // Hints the sender holds (tombstones wait for zero).
  // BucketRegistry::digest of the sender's bucket table: a receiver whose own differs sends its
  // table (BucketTable), so tables converge in a round of pings both ways.
  std::uint64_t buckets_digest = 0;
};

// Coordinator -> replica: merge `object` (an encoded VersionedObject) into your copy, persist it
// and acknowledge. operation_id 0 means no acknowledgement is wanted (read repair). A non-empty
// `hint_for` asks a fallback node to keep the object as a hint for that home replica, which is
// down (sloppy quorum, Dynamo section 4.6), until it can be handed back.
struct ReplicaWrite {
  std::uint64_t operation_id = 0;
  std::string bucket;
  std::string key;
  std::string object;
  NodeId hint_for;
};
struct ReplicaWriteAck {
  std::uint64_t operation_id = 0;
  Status status;
};
// Hint delivery, ownership transfer and rebuild use ReplicaWrite/ReplicaWriteAck too; the owner
// bits of the operation id (operation_id.h) route each acknowledgement to the component that sent
// the write. The deliverer deletes a hint only after the owner acknowledged it durable.

// Coordinator -> replica: send me your copy of the key.
struct ReplicaRead {
  std::uint64_t operation_id = 0;
  std::string bucket;
  std::string key;
};
struct ReplicaReadReply {
  std::uint64_t operation_id = 0;
  Status status;
  std::string object;  // Encoded VersionedObject; empty when the replica has no copy.
};

// A node outside a key's home replicas hands the whole client request to one of them (or, while
// it is not part of a cluster yet, to a seed). A receiver whose ring says it is not a home
// replica either (the ring changed while the request travelled) forwards it again; `hops` counts
// the forwards so far and is bounded by kForwardHopsMax, so a request never circles.
inline constexpr std::uint32_t kForwardHopsMax = 3;
struct ForwardRequest {
  std::uint64_t forward_id = 0;
  ClientRequest request;
  std::uint32_t hops = 0;
};
struct ForwardReply {
  std::uint64_t forward_id = 0;
  ClientReply reply;
};

// Merkle-tree anti-entropy for one partition (core/antientropy/anti_entropy_manager.h). Both sides
// run the same
// steps; each message answers the previous one:
//   kHashes  {level, indices, hashes}: the sender's hashes of the nodes at `level` that are
//            children of `indices` (differing nodes one level up; the root at level 0). The
//            receiver keeps the differing ones and answers with their children's hashes, or, at
//            the leaf level,
//   kKeys    {indices = leaves, keys, key_hashes}: the sender's keys and entry hashes under those
//            leaves. The receiver answers with
//   kEntries {keys, objects, wanted}: its objects for keys the sender lacks, and the keys both
//            hold differently or only the sender holds (wanted). The answer (`final`) carries the
//            wanted objects; after merging them, the receiver sends back (final, level 1) its
//            copies that still differ from what it received (it held something newer or
//            concurrent), so a version that supersedes the other crosses the network once.
//   kDone    nothing differs (any step).
struct AntiEntropy {
  enum class Kind : std::uint8_t { kHashes = 0, kKeys = 1, kEntries = 2, kDone = 3 };
  Kind kind = Kind::kHashes;
  std::uint64_t exchange_id = 0;
  std::uint32_t partition = 0;
  std::uint32_t level = 0;
  std::vector<std::uint32_t> indices;
  std::vector<std::uint64_t> hashes;
  std::vector<std::string> keys;  // Storage keys (kKeys, kEntries).
  std::vector<std::uint64_t> key_hashes;
  std::vector<std::string> objects;  // Parallel to keys (kEntries).
  std::vector<std::string> wanted;
  bool final = false;
};

// Membership gossip (core/membership/gossip_messages.h), carried like any peer message.
struct Gossip {
  GossipMessage message;
};

// Key scans (core/node_scan.cc): the coordinator asks a replica of `partition` for one page of
// `bucket`'s keys after `after` (core/scan/scan_page.h), at most `limit` of them (or a count of
// them); the replica answers from its own storage. A page that could not be read fully is an
// error, never a short page.
struct ScanRequest {
  std::uint64_t operation_id = 0;
  std::string bucket;
  std::uint32_t partition = 0;
  std::string after;  // Empty: from the partition's first key.
  std::uint32_t limit = 0;  // 1 to kScanCountMax; ignored when counting.
  ScanFilter filter;
  bool count_only = false;
};
struct ScanReply {
  std::uint64_t operation_id = 0;
  Status status;
  ScanPage page;  // When status is ok.
};

// Bucket properties (core/bucket_registry.h): the sender's whole table, merged entry by entry.
struct BucketTable {
  std::vector<BucketEntry> entries;
};

using PeerMessage = std::variant<Ping, Pong, ReplicaWrite, ReplicaWriteAck, ReplicaRead,
                                 ReplicaReadReply, ForwardRequest, ForwardReply, Gossip,
                                 AntiEntropy, ScanRequest, ScanReply, BucketTable>;

// A short, stable description for traces and logs ("replica-write op=3 b/k").
std::string describe(const PeerMessage& message);

}  // namespace ringkv::core
