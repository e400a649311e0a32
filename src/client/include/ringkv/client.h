// ringkv::client::Client: the C++ client library of ringkv.
//
// A client connects to any node, fetches the cluster's membership and ring from it, and then
// sends each request straight to a home replica of its key (zero hop): gets to the first
// reachable home replica, puts to the replica named in the context (the one that answered the
// read) or else the first. When a node does not answer, the client marks it down for a while and
// falls back to the next home replica, then to any other node (which forwards the request).
// A write is moved to another node only when it could not be sent; once sent, a lost answer is
// reported ("outcome unknown"), since resending could store the value twice as siblings.
//
// get returns all sibling values plus an opaque context; put and del with that context supersede
// exactly what the read saw. Contexts are opaque bytes: pass back what get returned.
//
// Thread-safety: a Client is not thread-safe; use one per thread. Calls block until a node
// answers or the timeout passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkv/status.h"

namespace ringkv::client {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::size_t value_max_bytes = 1024 * 1024;  // Sizes responses the client will accept.
  // false: send every request to the node given to connect() (it coordinates or forwards).
  bool partition_aware = true;
  // How often the client re-reads the cluster's membership and ring (members join and leave).
  std::chrono::milliseconds cluster_refresh{5000};
};

// Per-request overrides of the bucket's quorum settings; 0 means the bucket's setting.
struct RequestOptions {
  std::uint32_t r = 0;
  std::uint32_t w = 0;
  std::uint32_t timeout_ms = 0;
  // Gets: read only the replica of the node given to connect(), without asking any other node
  // (for operators and tests; the answer may be stale or missing by design).
  bool local = false;
};

struct GetResult {
  std::vector<std::string> values;  // Empty: absent or deleted. More than one: siblings.
  std::string context;              // Opaque; hand it to put/del to supersede what was read.
  bool found() const { return !values.empty(); }
  bool has_siblings() const { return values.size() > 1; }
};

// One call of a key scan (Redis SCAN semantics; docs/ARCHITECTURE.md, "The path of a scan").
struct ScanOptions {
  std::string match;        // Glob pattern (* ? [abc] [^a] [a-z] \x, as Redis); empty: every key.
  std::uint32_t count = 0;  // Keys wanted per call, a hint (0: 10; more than 1024: 1024).
  std::string type;         // Redis type name (string, hash, set, ...); empty: every type.
  std::uint32_t r = 0;      // Replicas that must answer for each partition (0: the bucket's r).
  std::uint32_t timeout_ms = 0;
};

struct ScanPage {
  std::vector<std::string> keys;  // Live keys, distinct within the call; maybe none.
  std::string cursor;             // Pass it to the next call; "0" once the scan is complete.
  bool done() const { return cursor == "0"; }
};

struct Member {
  std::string id;
  std::string address;
  std::uint32_t weight = 1;
  std::uint32_t partitions = 0;
  std::string state = "up";  // joining | up | leaving, as the cluster declared it.
  std::string zone;          // Rack or data centre; empty: none.
};

// Anti-entropy history of one partition on one member.
struct PartitionExchangeStatus {
  std::uint32_t partition = 0;
  std::int64_t last_exchange_age_ms = -1;  // -1: never.
  std::uint64_t keys_repaired = 0;
};

// One member as it reports itself (`ringkv status`); reachable=false when it did not answer.
struct MemberStatus {
  Member member;
  bool reachable = false;
  std::string error;  // Why it could not be asked, when unreachable.
  std::string actor_id;
  std::uint64_t uptime_ms = 0;
  std::uint64_t hints_held = 0;
  std::uint64_t hint_bytes = 0;
  std::uint64_t transfers_pending = 0;  // Partitions it still has to hand off.
  std::uint64_t transfer_keys_in_flight = 0;
  std::string own_state;  // Its own view of its membership state.
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // Sorted by name.
  std::vector<std::string> peers_believed_down;
  std::vector<PartitionExchangeStatus> anti_entropy;  // Every partition, in order.
};

// Operator membership commands, sent to the node at `address` (which need not be a member yet).
enum class MembershipAction { kJoin, kLeave, kRemove };
// Returns the node's membership state afterwards (joining, leaving, ...). `weight` (join, 0: the
// node's configured weight) and `node` (remove) as in MembershipRequest.
Result<std::string> membership_command(const std::string& address, MembershipAction action,
                                       std::uint32_t weight = 0, const std::string& node = {},
                                       ClientOptions options = {});

// Bucket properties as cluster metadata (docs/OPERATIONS.md, "Bucket properties"), through the
// node at `address`: set (properties as name=value pairs: n, r, w, pr, pw, conflict,
// value_max_bytes, siblings_max) and reset change the cluster's table; get and list read it.
struct BucketInfo {
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;  // Every property, in order.
  bool own = false;  // Its own properties; false: the node defaults apply.
  std::uint64_t version = 0;
  std::string set_by;
};
struct BucketListing {
  std::vector<BucketInfo> buckets;  // get, set, reset: the one bucket; list: every own bucket.
  BucketInfo defaults;              // The node's defaults.
  std::vector<std::string> config_ignored;  // Config-file buckets the cluster's entries override.
};
enum class BucketAction { kSet, kGet, kList, kReset };
Result<BucketListing> bucket_command(
    const std::string& address, BucketAction action, const std::string& bucket = {},
    const std::vector<std::pair<std::string, std::string>>& properties = {},
    ClientOptions options = {});

class Client {
 public:
  // `address` is HOST:PORT of any node.
  static Result<std::unique_ptr<Client>> connect(const std::string& address,
                                                 ClientOptions options = {});
  ~Client();

  Result<GetResult> get(std::string_view bucket, std::string_view key,
                        const RequestOptions& options = {});
  Status put(std::string_view bucket, std::string_view key, std::string_view value,
             std::string_view context = {}, const RequestOptions& options = {});
  Status del(std::string_view bucket, std::string_view key, std::string_view context = {},
             const RequestOptions& options = {});

  // One call of a scan of the bucket's keys: start with cursor "0" and call again with the
  // cursor returned until it is "0". Every key live for the whole scan is returned by some call;
  // a call may return no key and a cursor that is not "0". Any node serves any call.
  Result<ScanPage> scan(std::string_view bucket, std::string_view cursor,
                        const ScanOptions& options = {});
  // The bucket's live keys, counted partition by partition on one replica each (a whole scan,
  // without the keys): an estimate while replicas disagree or keys change (Redis DBSIZE).
  Result<std::uint64_t> count_keys(std::string_view bucket, const ScanOptions& options = {});

  // Re-reads membership and ring from any reachable member (done every cluster_refresh anyway).
  Status refresh();
  // The cluster as last fetched: members in join order with their partition counts.
  const std::vector<Member>& members() const;
  std::uint32_t partition_count() const;
  // Owner (member id) of every partition, indexed by partition.
  std::vector<std::string> partition_owners() const;
  // The first `count` nodes (member ids) of the partition's preference list, by the rule the
  // nodes use (distinct zones first, then distinct nodes; docs/ARCHITECTURE.md, "Zones"): the
  // first n are its home replicas. Empty before the ring is known.
  std::vector<std::string> preference_list(std::uint32_t partition, std::size_t count) const;
  // The default bucket's n, as the cluster last reported it.
  std::uint32_t default_n() const;
  // Asks every member for its own status (members that do not answer are marked unreachable).
  std::vector<MemberStatus> status();

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringkv::client
