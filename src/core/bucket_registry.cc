#include "core/bucket_registry.h"

#include <algorithm>
#include <tuple>

#include "common/limits.h"
#include "core/varint.h"

namespace ringkv::core {
namespace {

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 0x100000001b3ull;
  }
  return hash == 0 ? 1 : hash;
}

std::uint64_t entry_hash(const BucketEntry& entry) {
  return fnv1a(encode_bucket_entry(entry));
}

}  // namespace

bool BucketEntry::newer_than(const BucketEntry& other) const {
  if (std::tie(version, set_by) != std::tie(other.version, other.set_by)) {
    return std::tie(version, set_by) > std::tie(other.version, other.set_by);
  }
  // One setter never makes two entries of one version, except after losing its table and its
  // clock going back: the bytes decide, so every node still keeps the same one.
  return encode_bucket_entry(*this) > encode_bucket_entry(other);
}

const BucketProperties* BucketRegistry::find(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second.reset) return nullptr;
  return &it->second.properties;
}

const BucketEntry* BucketRegistry::entry(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<BucketEntry> BucketRegistry::entries() const {
  std::vector<BucketEntry> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(entry);
  return out;
}

bool BucketRegistry::merge(const BucketEntry& entry) {
  auto it = entries_.find(entry.name);
  if (it == entries_.end()) {
    if (entries_.size() >= kBucketEntriesMax) return false;
    digest_ += entry_hash(entry);
    entries_.emplace(entry.name, entry);
    return true;
  }
  if (!entry.newer_than(it->second)) return false;
  digest_ -= entry_hash(it->second);
  digest_ += entry_hash(entry);
  it->second = entry;
  return true;
}

BucketEntry BucketRegistry::next_entry(const std::string& name, const NodeId& by,
                                       std::uint64_t now_ms) const {
  BucketEntry entry;
  entry.name = name;
  entry.set_by = by;
  entry.version = now_ms;
  if (const BucketEntry* held = this->entry(name); held != nullptr) {
    entry.properties = held->properties;
    entry.version = std::max(now_ms, held->version + 1);
  }
  return entry;
}

Status validate_bucket_entry(const BucketEntry& entry) {
  if (entry.name.empty() || entry.name.size() > limits::kBucketMaxBytes) {
    return Status::invalid_argument("bucket names are 1 to " +
                                    std::to_string(limits::kBucketMaxBytes) + " bytes");
  }
  if (entry.set_by.empty() || entry.set_by.size() > limits::kBucketMaxBytes) {
    return Status::invalid_argument("bucket " + entry.name + ": no valid setter");
  }
  return entry.properties.validate(entry.name);
}

std::string encode_bucket_entry(const BucketEntry& entry) {
  std::string out;
  out.push_back(static_cast<char>(kBucketEntryFormatVersion));
  put_bytes(out, entry.name);
  const BucketProperties& p = entry.properties;
  put_varint(out, p.n);
  put_varint(out, p.r);
  put_varint(out, p.w);
  put_varint(out, p.pr);
  put_varint(out, p.pw);
  put_varint(out, static_cast<std::uint64_t>(p.conflict));
  put_varint(out, p.value_max_bytes);
  put_varint(out, p.siblings_max);
  put_varint(out, entry.version);
  put_bytes(out, entry.set_by);
  put_varint(out, entry.reset ? 1 : 0);
  return out;
}

Result<BucketEntry> decode_bucket_entry(std::string_view in) {
  if (in.empty()) return Status::corruption("bucket entry: empty");
  const auto format = static_cast<std::uint8_t>(in.front());
  if (format != kBucketEntryFormatVersion) {
    return Status::unsupported("bucket entry format " + std::to_string(format) +
                               " (this node reads format " +
                               std::to_string(kBucketEntryFormatVersion) + ")");
  }
  in.remove_prefix(1);
  BucketEntry entry;
  std::string_view name;
  std::string_view set_by;
  std::uint64_t n = 0, r = 0, w = 0, pr = 0, pw = 0, conflict = 0, value_max = 0, siblings = 0,
                reset = 0;
  if (!get_bytes(in, name) || !get_varint(in, n) || !get_varint(in, r) || !get_varint(in, w) ||
      !get_varint(in, pr) || !get_varint(in, pw) || !get_varint(in, conflict) ||
      !get_varint(in, value_max) || !get_varint(in, siblings) || !get_varint(in, entry.version) ||
      !get_bytes(in, set_by) || !get_varint(in, reset) || !in.empty()) {
    return Status::corruption("bucket entry: truncated or trailing bytes");
  }
  constexpr std::uint64_t kU32 = 0xffffffffull;
  if (n > kU32 || r > kU32 || w > kU32 || pr > kU32 || pw > kU32 || siblings > kU32 ||
      conflict > 1 || reset > 1) {
    return Status::corruption("bucket entry: a field out of range");
  }
  entry.name = std::string(name);
  entry.set_by = std::string(set_by);
  entry.properties.n = static_cast<std::uint32_t>(n);
  entry.properties.r = static_cast<std::uint32_t>(r);
  entry.properties.w = static_cast<std::uint32_t>(w);
  entry.properties.pr = static_cast<std::uint32_t>(pr);
  entry.properties.pw = static_cast<std::uint32_t>(pw);
  entry.properties.conflict = conflict == 1 ? ConflictPolicy::kLww : ConflictPolicy::kSiblings;
  entry.properties.value_max_bytes = value_max;
  entry.properties.siblings_max = static_cast<std::uint32_t>(siblings);
  entry.reset = reset == 1;
  if (Status status = validate_bucket_entry(entry); !status.is_ok()) {
    return Status::corruption("bucket entry: " + status.message());
  }
  return entry;
}

void encode_bucket_entries(std::string& out, const std::vector<BucketEntry>& entries) {
  put_varint(out, entries.size());
  for (const BucketEntry& entry : entries) put_bytes(out, encode_bucket_entry(entry));
}

bool decode_bucket_entries(std::string_view& in, std::vector<BucketEntry>& entries) {
  std::string_view rest = in;
  std::uint64_t count = 0;
  if (!get_varint(rest, count) || count > kBucketEntriesMax) return false;
  std::vector<BucketEntry> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view bytes;
    if (!get_bytes(rest, bytes)) return false;
    auto entry = decode_bucket_entry(bytes);
    if (!entry.is_ok()) return false;
    out.push_back(std::move(entry).value());
  }
  in = rest;
  entries = std::move(out);
  return true;
}

}  // namespace ringkv::core
