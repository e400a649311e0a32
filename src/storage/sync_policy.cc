// Names of the sync policies as they appear in configuration files and on the command line.
#include <cassert>
#include <string>

#include "storage/engine.h"

namespace ringkv::storage {

const char* sync_policy_name(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::kAlways:
      return "always";
    case SyncPolicy::kBatch:
      return "batch";
    case SyncPolicy::kNone:
      return "none";
  }
  assert(false && "unknown SyncPolicy");
  return "unknown";
}

Result<SyncPolicy> parse_sync_policy(std::string_view name) {
  for (SyncPolicy policy : {SyncPolicy::kAlways, SyncPolicy::kBatch, SyncPolicy::kNone}) {
    if (name == sync_policy_name(policy)) return policy;
  }
  return Status::invalid_argument("unknown sync policy \"" + std::string(name) +
                                  "\"; setting sync accepts always, batch or none");
}

}  // namespace ringkv::storage
