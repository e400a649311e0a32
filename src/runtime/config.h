// ServerConfig: the settings of `ringkv serve`, read from a TOML file and then from command-line
// flags of the same names (flags win). The member initializers are the defaults; the name, type,
// bounds and documentation of each setting are in the settings table (runtime/settings.h), which
// drives the loader, the flags and validation. Every listen address defaults to loopback, so
// nothing is reachable from other machines until an operator says so.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/host_port.h"
#include "common/limits.h"
#include "common/status.h"
#include "core/node_config.h"
#include "storage/engine.h"

namespace ringkv::runtime {

struct ServerConfig {
  std::string node_id = "n1";
  std::string listen = "127.0.0.1:7001";  // Native protocol address, HOST:PORT (port 0: any).
  std::string data_dir = "./ringkv-data";
  std::string engine = "rocksdb";  // memory | rocksdb
  std::string sync = "batch";      // always | batch | none
  std::uint64_t value_max_bytes = limits::kValueMaxBytesDefault;
  std::uint32_t partition_count = 256;
  std::uint32_t tick_interval_ms = 100;
  std::string log_level = "info";  // trace | debug | info | warn | error
  // The static cluster: "id=HOST:PORT[@WEIGHT][/ZONE],..." in join order, the same on every node.
  // Empty: a cluster of this node alone.
  std::string peers;
  // Dynamic membership: "[id=]HOST:PORT,..." of the seed nodes (this node may be one; an entry
  // without an id must be the address the seed advertises). Nodes with the same seeds form one
  // cluster by gossip; membership is persisted in data_dir. Excludes `peers`.
  std::string seeds;
  std::string advertise;     // HOST:PORT announced to the cluster; empty: the listen address.
  std::uint32_t weight = 1;  // Partitions claimed relative to the other members (dynamic only).
  // This node's rack or data centre: replicas go to distinct zones first. Empty: none.
  std::string zone;
  bool auto_join = true;     // Join through the seeds at start; false: wait for `ringkv join`.
  std::uint32_t gossip_interval_ms = 1000;
  double phi_threshold = 8.0;  // Failure detector: suspect a peer once phi reaches this.
  bool anti_entropy = true;    // Merkle-tree exchanges between replicas in the background.
  std::uint64_t anti_entropy_interval_ms = 60'000;  // Per partition, between two exchanges.
  std::uint64_t tombstone_grace_ms = 3'600'000;     // Before a confirmed tombstone is reaped.
  std::uint64_t transfer_bytes_per_s = 64ull * 1024 * 1024;  // Handoff throttle per node.
  std::string resp_listen;  // Redis protocol address HOST:PORT; empty: RESP is off.
  std::string http_listen;  // HTTP/JSON address HOST:PORT (also /metrics); empty: HTTP is off.
  // The buckets Redis's SELECT 0, 1, ... address, comma-separated (api::parse_resp_databases).
  std::string resp_databases = "default";
  std::uint64_t resp_keys_max = 100'000;  // KEYS fails past it (api::kRespKeysMaxDefault).
  bool allow_flush = false;               // FLUSHDB / FLUSHALL delete every key; off: refused.
  std::uint32_t request_timeout_ms = 2000;
  std::uint32_t n = 3;  // Default bucket: replicas, read quorum, write quorum.
  std::uint32_t r = 2;
  std::uint32_t w = 2;
  std::string conflict = "siblings";  // siblings | lww (the default bucket's conflict policy)
  bool hinted_handoff = true;  // Sloppy quorum: fallbacks keep hints for down replicas.
  std::uint64_t hint_bytes_max = 256ull * 1024 * 1024;  // Hint storage bound per node.
  // The config file's [buckets.NAME] tables: they seed the cluster's bucket table for buckets it
  // does not know yet (core::Node::buckets_config_ignored lists the others).
  std::map<std::string, core::BucketProperties> buckets;

  // Rejects bad settings: each against its entry in the settings table (bounds, choices,
  // format), then the rules across settings (peers or seeds, r and w up to n, ...). The message
  // names the setting and what is accepted.
  Status validate() const;
};

struct PeerSpec {
  std::string id;
  std::string address;  // HOST:PORT
  std::uint32_t weight = 1;
  std::string zone;  // Empty: none.
};
// Parses the `peers` setting; errors name the offending entry.
Result<std::vector<PeerSpec>> parse_peers(const std::string& peers);
// Parses the `seeds` setting: ID=HOST:PORT entries, or plain HOST:PORT entries whose id is
// learned from the seed's gossip (their id is the stand-in "@HOST:PORT" until then).
Result<std::vector<PeerSpec>> parse_seeds(const std::string& seeds);

// Reads the TOML file at `path` over the defaults in `config`. Unknown settings are errors (a
// typo must not silently fall back to a default), and so are values of the wrong type or out of
// their bounds; the message names the file, the setting and what it accepts.
Status load_config_file(const std::string& path, ServerConfig& config);

// The core's view of a valid `config`, without the cluster: the host adds the static members or
// the seeds, whose addresses it resolves itself.
core::NodeConfig node_config_from(const ServerConfig& config);
// The settings that apply with gossip membership (node_config.seeds not empty), the node
// announcing itself at `address`.
void apply_gossip_settings(const ServerConfig& config, std::string address,
                           core::NodeConfig& node_config);

}  // namespace ringkv::runtime
