// A global check no single node can make: a dot names one write, so every entry that ever carries
// dot (actor, n) of a key must come from the one write that created it. A coordinator that
// creates (actor, n) again -- from a copy lacking its own earlier writes -- makes two different
// writes share a name, and replicas that hold one treat the other as already seen: the second
// write is lost without any replica disagreeing. The simulator feeds the oracle every object a
// node persists; the first sighting of a dot is its coordinator's own persist (a write is durable
// locally before it is sent), which holds every entry of that write.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "storage/engine.h"

namespace ringkv::sim {

class DotOracle {
 public:
  // Looks at every data-namespace put of a batch `node` persists.
  void observe(const std::string& node, const storage::WriteBatch& batch);
  // The first reuse seen, described, or nothing.
  const std::optional<std::string>& violation() const { return violation_; }
  std::size_t dots_seen() const { return dots_.size(); }

 private:
  void observe_object(const std::string& node, const std::string& storage_key,
                      std::string_view bytes);

  struct FirstWrite {
    std::string node;               // Who persisted it first (its coordinator).
    std::set<std::string> entries;  // Encoded.
  };
  // (storage key, actor, counter) -> the write that created it.
  std::map<std::tuple<std::string, std::uint64_t, std::uint64_t>, FirstWrite> dots_;
  std::optional<std::string> violation_;
};

}  // namespace ringkv::sim
