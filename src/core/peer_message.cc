#include "core/peer_message.h"

namespace ringkv::core {
namespace {

struct Describe {
  std::string operator()(const Ping& m) const { return "ping seq=" + std::to_string(m.sequence); }
  std::string operator()(const Pong& m) const { return "pong seq=" + std::to_string(m.sequence); }
  std::string operator()(const ReplicaWrite& m) const {
    return "replica-write op=" + std::to_string(m.operation_id) + " " + m.bucket + "/" + m.key +
           " bytes=" + std::to_string(m.object.size()) +
           (m.hint_for.empty() ? "" : " hint-for=" + m.hint_for);
  }
  std::string operator()(const ReplicaWriteAck& m) const {
    return "replica-write-ack op=" + std::to_string(m.operation_id) + " " + m.status.to_string();
  }
  std::string operator()(const ReplicaRead& m) const {
    return "replica-read op=" + std::to_string(m.operation_id) + " " + m.bucket + "/" + m.key;
  }
  std::string operator()(const ReplicaReadReply& m) const {
    return "replica-read-reply op=" + std::to_string(m.operation_id) + " " +
           m.status.to_string() + " bytes=" + std::to_string(m.object.size());
  }
  std::string operator()(const ForwardRequest& m) const {
    return "forward id=" + std::to_string(m.forward_id) + " " + m.request.bucket + "/" +
           m.request.key;
  }
  std::string operator()(const ForwardReply& m) const {
    return "forward-reply id=" + std::to_string(m.forward_id) + " " +
           m.reply.status.to_string();
  }
  std::string operator()(const Gossip& m) const { return describe(m.message); }
  std::string operator()(const AntiEntropy& m) const {
    static const char* const kKinds[] = {"hashes", "keys", "entries", "done"};
    return std::string("anti-entropy ") + kKinds[static_cast<int>(m.kind) & 3] +
           " id=" + std::to_string(m.exchange_id) + " p=" + std::to_string(m.partition) +
           " level=" + std::to_string(m.level) + " n=" +
           std::to_string(m.indices.size() + m.keys.size()) + (m.final ? " final" : "");
  }
  std::string operator()(const ScanRequest& m) const {
    return "scan op=" + std::to_string(m.operation_id) + " " + m.bucket +
           " p=" + std::to_string(m.partition) + " after-bytes=" + std::to_string(m.after.size()) +
           (m.count_only ? " count" : " limit=" + std::to_string(m.limit));
  }
  std::string operator()(const ScanReply& m) const {
    return "scan-reply op=" + std::to_string(m.operation_id) + " " + m.status.to_string() +
           " keys=" + std::to_string(m.page.keys.size()) + " count=" +
           std::to_string(m.page.count) + (m.page.done ? " done" : "");
  }
  std::string operator()(const BucketTable& m) const {
    return "bucket-table entries=" + std::to_string(m.entries.size());
  }
};

}  // namespace

std::string describe(const PeerMessage& message) { return std::visit(Describe{}, message); }

}  // namespace ringkv::core
