#include "core/bucket.h"

#include <algorithm>

namespace ringkv::core {

Status BucketProperties::validate(const std::string& bucket) const {
  const std::string prefix = "bucket " + bucket + ": ";
  if (n < 1 || n > kReplicasMax) {
    return Status::invalid_argument(prefix + "n must be in [1, " + std::to_string(kReplicasMax) +
                                    "]");
  }
  if (r < 1 || r > n) return Status::invalid_argument(prefix + "r must be in [1, n]");
  if (w < 1 || w > n) return Status::invalid_argument(prefix + "w must be in [1, n]");
  return Status::ok();
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
  quorum.pr = pr;
  quorum.pw = pw;
  return quorum;
}

}  // namespace ringkv::core
