#include "sim/dot_oracle.h"

#include <cstdio>
#include <map>
#include <vector>

#include "core/version/versioned_object.h"

namespace ringkv::sim {

namespace {

std::string describe_entry(const core::Sibling& sibling) {
  // kind|hlc|field|value, length-prefixed so that no two different entries encode alike.
  return std::to_string(static_cast<int>(sibling.kind)) + "|" +
         std::to_string(sibling.timestamp_ms) + "." + std::to_string(sibling.logical) + "|" +
         std::to_string(sibling.field.size()) + ":" + sibling.field + "|" +
         std::to_string(sibling.value.size()) + ":" + sibling.value;
}

// Printable: bytes outside ASCII graphics as \xNN, shortened past `max` characters.
std::string printable(std::string_view bytes, std::size_t max = 300) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max) return out + "...";
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

std::string hex_actor(std::uint64_t actor) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(actor));
  return hex;
}

}  // namespace

void DotOracle::observe(const std::string& node, const storage::WriteBatch& batch) {
  for (const auto& op : batch.ops()) {
    if (op.ns == storage::Namespace::kData && !op.is_delete) observe_object(node, op.key, op.value);
  }
}

void DotOracle::observe_object(const std::string& node, const std::string& storage_key,
                               std::string_view bytes) {
  auto object = core::VersionedObject::decode(bytes);
  if (!object.is_ok()) return;  // Not an object (or torn): nothing to say about dots.
  std::map<core::Dot, std::set<std::string>> by_dot;
  for (const auto& sibling : object->siblings()) {
    by_dot[sibling.dot].insert(describe_entry(sibling));
  }
  for (auto& [dot, entries] : by_dot) {
    auto [it, fresh] =
        dots_.try_emplace({storage_key, dot.actor, dot.counter}, FirstWrite{node, entries});
    if (fresh || violation_) continue;
    for (const auto& entry : entries) {
      if (!it->second.entries.contains(entry)) {
        std::string first;
        for (const auto& earlier : it->second.entries)
          first += (first.empty() ? "" : ", ") + earlier;
        violation_ = "dot (" + hex_actor(dot.actor) + ", " + std::to_string(dot.counter) +
                     ") of key \"" + printable(storage_key) +
                     "\" reused by another write: " + node + " persisted an entry that the write " +
                     it->second.node + " first persisted under it did not have [new " +
                     printable(entry) + "; first " + printable(first) + "]";
        break;
      }
    }
  }
}

}  // namespace ringkv::sim
