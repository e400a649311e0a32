#include "core/bucket.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "common/limits.h"

namespace ringkv::core {

Status BucketProperties::validate(const std::string& bucket) const {
  const std::string prefix = "bucket " + bucket + ": ";
  if (n < 1 || n > kReplicasMax) {
    return Status::invalid_argument(prefix + "n must be in [1, " + std::to_string(kReplicasMax) +
                                    "], got " + std::to_string(n));
  }
  auto at_most = [&](std::string_view name, std::uint32_t value, std::string_view bound_name,
                     std::uint32_t bound, std::uint32_t low) -> Status {
    if (value < low || value > bound) {
      return Status::invalid_argument(prefix + std::string(name) + " must be in [" +
                                      std::to_string(low) + ", " + std::string(bound_name) + "=" +
                                      std::to_string(bound) + "], got " + std::to_string(value));
    }
    return Status::ok();
  };
  RINGKV_RETURN_IF_ERROR(at_most("r", r, "n", n, 1));
  RINGKV_RETURN_IF_ERROR(at_most("w", w, "n", n, 1));
  RINGKV_RETURN_IF_ERROR(at_most("pr", pr, "r", r, 0));
  RINGKV_RETURN_IF_ERROR(at_most("pw", pw, "w", w, 0));
  if (value_max_bytes > limits::kValueMaxBytesCeiling) {
    return Status::invalid_argument(prefix + "value_max_bytes must be at most " +
                                    std::to_string(limits::kValueMaxBytesCeiling) + ", got " +
                                    std::to_string(value_max_bytes));
  }
  if (siblings_max > limits::kSiblingsMax) {
    return Status::invalid_argument(prefix + "siblings_max must be at most " +
                                    std::to_string(limits::kSiblingsMax) + ", got " +
                                    std::to_string(siblings_max));
  }
  return Status::ok();
}

const std::vector<std::string_view>& bucket_property_names() {
  static const std::vector<std::string_view> names{
      "n", "r", "w", "pr", "pw", "conflict", "value_max_bytes", "siblings_max"};
  return names;
}

namespace {

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Status set_bucket_property(BucketProperties& properties, std::string_view name,
                           std::string_view value) {
  const std::string quoted = std::string(name) + "='" + std::string(value) + "'";
  if (name == "conflict") {
    if (value == "siblings") {
      properties.conflict = ConflictPolicy::kSiblings;
    } else if (value == "lww") {
      properties.conflict = ConflictPolicy::kLww;
    } else {
      return Status::invalid_argument("bucket property " + quoted +
                                      ": conflict is siblings or lww");
    }
    return Status::ok();
  }
  std::uint32_t* quorum = name == "r"    ? &properties.r
                          : name == "w"  ? &properties.w
                          : name == "pr" ? &properties.pr
                          : name == "pw" ? &properties.pw
                                         : nullptr;
  if (quorum != nullptr) {
    if (value == "one") {
      *quorum = 1;
    } else if (value == "quorum") {
      *quorum = properties.n / 2 + 1;
    } else if (value == "all") {
      *quorum = properties.n;
    } else if (auto number = parse_unsigned(value); number && *number <= kReplicasMax) {
      *quorum = static_cast<std::uint32_t>(*number);
    } else {
      return Status::invalid_argument("bucket property " + quoted +
                                      ": expected an integer from 0 to " +
                                      std::to_string(kReplicasMax) + ", one, quorum or all");
    }
    return Status::ok();
  }
  const auto number = parse_unsigned(value);
  if (name == "n") {
    if (!number || *number < 1 || *number > kReplicasMax) {
      return Status::invalid_argument("bucket property " + quoted + ": n is an integer from 1 to " +
                                      std::to_string(kReplicasMax));
    }
    properties.n = static_cast<std::uint32_t>(*number);
    return Status::ok();
  }
  if (name == "value_max_bytes") {
    if (!number || *number > limits::kValueMaxBytesCeiling) {
      return Status::invalid_argument("bucket property " + quoted +
                                      ": value_max_bytes is an integer from 0 (the node's) to " +
                                      std::to_string(limits::kValueMaxBytesCeiling));
    }
    properties.value_max_bytes = *number;
    return Status::ok();
  }
  if (name == "siblings_max") {
    if (!number || *number > limits::kSiblingsMax) {
      return Status::invalid_argument(
          "bucket property " + quoted + ": siblings_max is an integer from 0 (the default, " +
          std::to_string(limits::kSiblingsMax) + ") to " + std::to_string(limits::kSiblingsMax));
    }
    properties.siblings_max = static_cast<std::uint32_t>(*number);
    return Status::ok();
  }
  return Status::invalid_argument("unknown bucket property '" + std::string(name) +
                                  "' (known: n, r, w, pr, pw, conflict, value_max_bytes, "
                                  "siblings_max)");
}

std::string bucket_property_value(const BucketProperties& properties, std::string_view name) {
  if (name == "n") return std::to_string(properties.n);
  if (name == "r") return std::to_string(properties.r);
  if (name == "w") return std::to_string(properties.w);
  if (name == "pr") return std::to_string(properties.pr);
  if (name == "pw") return std::to_string(properties.pw);
  if (name == "conflict") return properties.conflict == ConflictPolicy::kLww ? "lww" : "siblings";
  if (name == "value_max_bytes") return std::to_string(properties.value_max_bytes);
  if (name == "siblings_max") return std::to_string(properties.siblings_max);
  return {};
}

Result<Quorum> effective_quorum(const BucketProperties& bucket, std::uint32_t r_override,
                                std::uint32_t w_override, std::size_t cluster_size,
                                std::uint32_t pr, std::uint32_t pw) {
  Quorum quorum;
  quorum.n = std::min<std::uint32_t>(bucket.n, static_cast<std::uint32_t>(cluster_size));
  if (r_override > bucket.n) {
    return Status::invalid_argument("r=" + std::to_string(r_override) + " exceeds n=" +
                                    std::to_string(bucket.n));
  }
  if (w_override > bucket.n) {
    return Status::invalid_argument("w=" + std::to_string(w_override) + " exceeds n=" +
                                    std::to_string(bucket.n));
  }
  // A quorum larger than the replicas that exist could never be met; it shrinks with the cluster.
  quorum.r = std::min(r_override != 0 ? r_override : bucket.r, quorum.n);
  quorum.w = std::min(w_override != 0 ? w_override : bucket.w, quorum.n);
  if (pr > quorum.r) {
    return Status::invalid_argument("pr=" + std::to_string(pr) + " exceeds r=" +
                                    std::to_string(quorum.r));
  }
  if (pw > quorum.w) {
    return Status::invalid_argument("pw=" + std::to_string(pw) + " exceeds w=" +
                                    std::to_string(quorum.w));
  }
  // The bucket's own pr and pw shrink with r and w (a small cluster); a request's may not.
  quorum.pr = pr != 0 ? pr : std::min(bucket.pr, quorum.r);
  quorum.pw = pw != 0 ? pw : std::min(bucket.pw, quorum.w);
  return quorum;
}

}  // namespace ringkv::core
