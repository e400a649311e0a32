// NodeId: the name of a node, unique in its cluster and fixed for the life of its data.
#pragma once

#include <string>
#include <string_view>

namespace ringkv::core {

using NodeId = std::string;

// A seed known only by its address (`seeds = "HOST:PORT,..."`, as Cassandra's seeds) stands in
// the seed list as "@HOST:PORT" until its gossip names it: the gossiper then replaces the stand-in
// with the id of the member that advertises that address. Member ids never start with '@'.
inline constexpr char kSeedAddressMark = '@';

inline NodeId seed_placeholder(std::string_view address) {
  return NodeId(1, kSeedAddressMark) + std::string(address);
}

inline bool is_seed_placeholder(std::string_view id) {
  return !id.empty() && id.front() == kSeedAddressMark;
}

// The address of a stand-in; empty for a real id.
inline std::string_view placeholder_address(std::string_view id) {
  return is_seed_placeholder(id) ? id.substr(1) : std::string_view();
}

}  // namespace ringkv::core
