// Scan coordination (docs/ARCHITECTURE.md, "The path of a scan") and the replica side of scans.
//
// A scan call starts at its cursor's position and walks the partitions in ring order (0 to Q-1),
// one page at a time (core/scan/scan_page.h). For each page the coordinator asks R home replicas
// of the partition (the bucket's r; this node first when it is one, reading its own storage at
// once), and while a handoff is in progress the partition's previous owners too, and takes the
// union of their pages (core/scan/scan_merge.h), so a key that reached only some replicas is
// found. As for a get, only home replicas count towards R: fallbacks hold hints, not the
// partition's data. A home replica that fails, or whose connection is refused, is replaced by the
// next one; one silent for forward_retry_ms gets company the same way, and once R pages are in,
// a straggler is not waited for beyond that. A page fewer than R home replicas answered within
// the request timeout fails the whole call with Unavailable naming the partition; a storage scan
// that failed anywhere is a failed answer, never an empty page.
//
// The call answers once it holds about COUNT keys, or has read kScanPagesPerCallMax pages, with
// the cursor of the position reached (core/scan/scan_cursor.h); a call may return no key at all
// and a cursor that is not "0". A page that fails after earlier pages of the same call succeeded
// ends the call early with what they found and a cursor at the failed page; only a call whose
// first page fails is an error. Counting (DBSIZE) asks one replica per page and sums its counts.
#include <algorithm>

#include "core/node.h"
#include "core/scan/scan_merge.h"

namespace ringkv::core {
namespace {

bool contains(const std::vector<NodeId>& nodes, const NodeId& node) {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

}  // namespace

void Node::coordinate_scan(const ClientRequest& request, Origin origin, std::uint64_t now_ms) {
  ++stats_.scans;
  if (std::holds_alternative<ForwardOrigin>(origin)) {
    // A scan has no key to route by: any node coordinates it, so none is ever forwarded.
    fail(origin, Status::invalid_argument("scans are coordinated where they arrive, not "
                                          "forwarded"));
    return;
  }
  if (request.bucket.empty() || request.bucket.size() > limits::kBucketMaxBytes) {
    fail(origin, Status::invalid_argument("bucket must be 1 to " +
                                          std::to_string(limits::kBucketMaxBytes) + " bytes"));
    return;
  }
  if (!ring_) {
    fail(origin, Status::unavailable("node " + config_.node_id +
                                     " is not part of a cluster yet (waiting to join through "
                                     "its seeds)"));
    return;
  }
  ScanFilter filter{request.scan.match, request.scan.type};
  if (Status status = validate_scan_filter(filter); !status.is_ok()) {
    fail(origin, std::move(status));
    return;
  }
  auto position = decode_scan_cursor(request.scan.cursor, config_.partition_count);
  if (!position.is_ok()) {
    fail(origin, position.status());
    return;
  }
  auto quorum =
      effective_quorum(bucket_properties(request.bucket), request.r, 0, ring_->weights().size());
  if (!quorum.is_ok()) {
    fail(origin, quorum.status());
    return;
  }
  ScanOperation scan;
  scan.origin = std::move(origin);
  scan.bucket = request.bucket;
  scan.query = request.scan;
  scan.query.count =
      request.scan.count == 0 ? kScanCountDefault : std::min(request.scan.count, kScanCountMax);
  scan.filter = std::move(filter);
  scan.n = quorum->n;
  scan.replicas_wanted = request.scan.count_only ? 1 : quorum->r;
  scan.timeout_ms = timeout_of(request);
  scan.position = std::move(position).value();
  const std::uint64_t id = operation_ids_.next(OperationOwner::kGet);
  ScanOperation& stored = scans_.emplace(id, std::move(scan)).first->second;
  begin_scan_step(id, stored, now_ms);
  advance_scan(id, /*final=*/false);
}

void Node::begin_scan_step(std::uint64_t id, ScanOperation& scan, std::uint64_t now_ms) {
  const std::uint32_t partition = scan.position.partition;
  const std::vector<NodeId> home = ring_->preference_list(partition, scan.n);
  // This node first (no round trip), then the replicas believed up, then the others: they may
  // be back.
  scan.candidates.clear();
  if (contains(home, config_.node_id)) scan.candidates.push_back(config_.node_id);
  for (const NodeId& replica : home) {
    if (replica != config_.node_id && believes_alive(replica)) scan.candidates.push_back(replica);
  }
  for (const NodeId& replica : home) {
    if (!contains(scan.candidates, replica)) scan.candidates.push_back(replica);
  }
  // While partitions change owner, their previous owners may still hold keys the new ones have
  // not received yet (as for gets, previous_owners in node_membership.cc).
  scan.previous.clear();
  if (!scan.query.count_only) {
    for (const Ring& ring : previous_rings_) {
      for (const NodeId& owner : ring.preference_list(partition, scan.n)) {
        if (contains(home, owner) || contains(scan.previous, owner)) continue;
        if (owner == config_.node_id || is_known_peer(owner)) scan.previous.push_back(owner);
      }
    }
  }
  scan.asked.clear();
  scan.answered.clear();
  scan.answers.clear();
  scan.failed.clear();
  scan.last_error = Status::ok();
  scan.started_ms = now_ms;
  scan.retry_ms = now_ms + config_.forward_retry_ms;
  scan.deadline_ms = now_ms + scan.timeout_ms;
  request_timer(std::min(scan.retry_ms, scan.deadline_ms));
  for (std::uint32_t i = 0; i < scan.replicas_wanted && ask_next_scan_replica(id, scan); ++i) {
  }
  for (const NodeId& owner : scan.previous) {
    if (owner == config_.node_id || believes_alive(owner)) ask_scan_replica(id, scan, owner);
  }
}

bool Node::ask_next_scan_replica(std::uint64_t id, ScanOperation& scan) {
  for (const NodeId& candidate : scan.candidates) {
    if (!contains(scan.asked, candidate)) {
      ask_scan_replica(id, scan, candidate);
      return true;
    }
  }
  return false;
}

void Node::ask_scan_replica(std::uint64_t id, ScanOperation& scan, const NodeId& replica) {
  scan.asked.push_back(replica);
  // The keys still wanted by this call (it stops before it has them all).
  const auto limit = static_cast<std::uint32_t>(scan.query.count - scan.result.keys.size());
  if (replica == config_.node_id) {
    auto page = read_scan_page(storage_, scan.position.partition, scan.bucket, scan.position.after,
                               limit, scan.filter, scan.query.count_only, wall_ms());
    if (!page.is_ok()) ++stats_.storage_errors;
    record_scan_page(id, scan, replica, std::move(page));
    return;
  }
  send_scan_request(id, scan, replica);
}

void Node::send_scan_request(std::uint64_t id, const ScanOperation& scan, const NodeId& replica) {
  const auto limit = static_cast<std::uint32_t>(scan.query.count - scan.result.keys.size());
  effects_.push_back(
      SendEffect{replica, ScanRequest{id, scan.bucket, scan.position.partition, scan.position.after,
                                      limit, scan.filter, scan.query.count_only}});
}

void Node::record_scan_page(std::uint64_t id, ScanOperation& scan, const NodeId& replica,
                            Result<ScanPage> page) {
  // Duplicated, unexpected or late answers change nothing.
  if (!contains(scan.asked, replica) || scan.answers.contains(replica) ||
      scan.failed.contains(replica)) {
    return;
  }
  if (page.is_ok()) {
    Status valid = validate_scan_page(*page, scan.position.after, scan.query.count_only);
    if (!valid.is_ok()) {
      page = Status::corruption("scan reply from " + replica + ": " + valid.message());
    }
  }
  if (page.is_ok()) {
    scan.answers.emplace(replica, std::move(page).value());
    scan.answered.push_back(replica);
    return;
  }
  scan.failed.insert(replica);
  scan.last_error = page.status();
  // A failed home replica is replaced by the next one.
  if (contains(scan.candidates, replica)) ask_next_scan_replica(id, scan);
}

Node::ScanStepOutcome Node::scan_step_outcome(const ScanOperation& scan, bool final) const {
  std::uint32_t home_pages = 0;
  std::uint32_t home_failed = 0;
  bool waiting = false;
  for (const NodeId& replica : scan.asked) {
    const bool home = contains(scan.candidates, replica);
    if (scan.answers.contains(replica)) {
      home_pages += home;
    } else if (scan.failed.contains(replica)) {
      home_failed += home;
    } else {
      waiting = true;
    }
  }
  if (home_pages >= scan.replicas_wanted) {
    // Stragglers (a previous owner, a replica asked on retry) are waited for as long as a
    // forward waits for its first target, not more.
    const bool straggler_time_over = now_ms_ >= scan.started_ms + config_.forward_retry_ms;
    return !waiting || final || straggler_time_over ? ScanStepOutcome::kComplete
                                                    : ScanStepOutcome::kPending;
  }
  if (final) return ScanStepOutcome::kFailed;
  // Hopeless: the home replicas that have not failed cannot make up R any more.
  return scan.candidates.size() - home_failed < scan.replicas_wanted ? ScanStepOutcome::kFailed
                                                                     : ScanStepOutcome::kPending;
}

void Node::advance_scan(std::uint64_t id, bool final) {
  while (true) {
    auto it = scans_.find(id);
    if (it == scans_.end()) return;
    ScanOperation& scan = it->second;
    const ScanStepOutcome outcome = scan_step_outcome(scan, final);
    if (outcome == ScanStepOutcome::kPending) return;
    if (outcome == ScanStepOutcome::kFailed && scan.pages > 0) {
      // Keep what earlier pages found: the call answers with it and a cursor at the page that
      // failed, which the next call tries again.
      ClientReply reply;
      reply.scan = std::move(scan.result);
      reply.scan.cursor = encode_scan_cursor(scan.position);
      const Origin origin = scan.origin;
      scans_.erase(it);
      finish(origin, std::move(reply));
      return;
    }
    if (outcome == ScanStepOutcome::kFailed) {
      std::uint32_t home_pages = 0;
      for (const NodeId& replica : scan.answered) home_pages += contains(scan.candidates, replica);
      std::string message = "scan of partition " + std::to_string(scan.position.partition) +
                            ": only " + std::to_string(home_pages) +
                            " of the r=" + std::to_string(scan.replicas_wanted) +
                            " required replicas answered";
      if (final) {
        ++stats_.timeouts;
        message += " within " + std::to_string(scan.timeout_ms) + " ms";
      }
      if (!scan.last_error.is_ok()) message += "; last error: " + scan.last_error.to_string();
      const Origin origin = scan.origin;
      scans_.erase(it);
      fail(origin, Status::unavailable(std::move(message)));
      return;
    }

    bool partition_done = false;
    std::string after;
    if (scan.query.count_only) {
      // The first home replica to answer counts the page.
      const ScanPage* page = nullptr;
      for (const NodeId& replica : scan.answered) {
        if (contains(scan.candidates, replica)) {
          page = &scan.answers.at(replica);
          break;
        }
      }
      scan.result.count += page->count;
      partition_done = page->done;
      after = page->last_key;
    } else {
      std::vector<const ScanPage*> pages;
      for (const NodeId& replica : scan.answered) pages.push_back(&scan.answers.at(replica));
      const std::size_t bytes_left =
          kScanPageBytesMax > scan.result_bytes ? kScanPageBytesMax - scan.result_bytes : 1;
      ScanMerge merge =
          merge_scan_pages(pages, scan.query.count - scan.result.keys.size(), bytes_left);
      for (std::string& key : merge.keys) {
        scan.result_bytes += key.size();
        scan.result.keys.push_back(std::move(key));
      }
      partition_done = merge.partition_done;
      after = std::move(merge.after);
    }
    ++scan.pages;
    if (partition_done) {
      scan.position = ScanPosition{scan.position.partition + 1, {}};
    } else {
      scan.position.after = std::move(after);
    }
    const bool complete = scan.position.partition >= config_.partition_count;
    const bool full = scan.result.keys.size() >= scan.query.count ||
                      scan.result_bytes >= kScanPageBytesMax || scan.pages >= kScanPagesPerCallMax;
    if (complete || full) {
      ClientReply reply;
      reply.scan = std::move(scan.result);
      reply.scan.cursor =
          complete ? std::string(kScanCursorStart) : encode_scan_cursor(scan.position);
      const Origin origin = scan.origin;
      scans_.erase(it);
      finish(origin, std::move(reply));
      return;
    }
    // The next page, under an id of its own.
    auto handle = scans_.extract(it);
    id = operation_ids_.next(OperationOwner::kGet);
    handle.key() = id;
    ScanOperation& next = scans_.insert(std::move(handle)).position->second;
    begin_scan_step(id, next, now_ms_);
    final = false;
  }
}

void Node::expire_scans(std::uint64_t now_ms) {
  std::vector<std::uint64_t> due;
  for (const auto& [id, scan] : scans_) {
    if (scan.deadline_ms <= now_ms || scan.retry_ms <= now_ms) due.push_back(id);
  }
  for (std::uint64_t id : due) {
    auto it = scans_.find(id);
    if (it == scans_.end()) continue;
    ScanOperation& scan = it->second;
    if (scan.deadline_ms <= now_ms) {
      advance_scan(id, /*final=*/true);
      continue;
    }
    // Silent so far (killed, paused or cut off, or a message was lost): the next home replica
    // too, as a forward does; when every one was asked, the silent ones again (a page request
    // reads only, so asking twice is harmless, and the first answer counts).
    std::uint32_t home_pages = 0;
    for (const NodeId& replica : scan.answered) home_pages += contains(scan.candidates, replica);
    if (home_pages < scan.replicas_wanted && !ask_next_scan_replica(id, scan)) {
      for (const NodeId& replica : std::vector<NodeId>(scan.asked)) {
        if (replica == config_.node_id || scan.answers.contains(replica) ||
            scan.failed.contains(replica)) {
          continue;
        }
        send_scan_request(id, scan, replica);
      }
    }
    scan.retry_ms = now_ms + config_.forward_retry_ms;
    request_timer(std::min(scan.retry_ms, scan.deadline_ms));
    advance_scan(id, /*final=*/false);
  }
}

void Node::scan_peer_unreachable(const NodeId& peer) {
  std::vector<std::uint64_t> waiting;
  for (const auto& [id, scan] : scans_) {
    if (contains(scan.asked, peer) && !scan.answers.contains(peer) && !scan.failed.contains(peer)) {
      waiting.push_back(id);
    }
  }
  for (std::uint64_t id : waiting) {
    auto it = scans_.find(id);
    if (it == scans_.end()) continue;
    record_scan_page(id, it->second, peer,
                     Status::unavailable("connection to " + peer + " refused or reset"));
    advance_scan(id, /*final=*/false);
  }
}

void Node::on_scan_reply(const NodeId& from, const ScanReply& message) {
  auto it = scans_.find(message.operation_id);
  if (it == scans_.end()) return;  // Late: the step is over.
  Result<ScanPage> page = message.page;
  if (!message.status.is_ok()) page = message.status;
  record_scan_page(message.operation_id, it->second, from, std::move(page));
  advance_scan(message.operation_id, /*final=*/false);
}

void Node::on_scan_request(const NodeId& from, const ScanRequest& message) {
  if (message.operation_id == 0) return;  // Wants no answer: nothing to do.
  ScanReply reply;
  reply.operation_id = message.operation_id;
  // Peers are checked like clients: the codec bounds sizes, but the simulator and a peer on
  // another configuration bypass it.
  if (message.bucket.empty() || message.bucket.size() > limits::kBucketMaxBytes) {
    reply.status = Status::invalid_argument("scan request with an invalid bucket");
  } else if (message.partition >= config_.partition_count) {
    reply.status =
        Status::invalid_argument("scan request for partition " + std::to_string(message.partition) +
                                 " of a ring of " + std::to_string(config_.partition_count));
  } else if (message.after.size() > limits::kKeyMaxBytes) {
    reply.status = Status::invalid_argument("scan request with a position over 64 KiB");
  } else if (!message.count_only && (message.limit == 0 || message.limit > kScanCountMax)) {
    reply.status =
        Status::invalid_argument("scan request for " + std::to_string(message.limit) +
                                 " keys; the limit is 1 to " + std::to_string(kScanCountMax));
  } else if (Status filter = validate_scan_filter(message.filter); !filter.is_ok()) {
    reply.status = std::move(filter);
  } else {
    auto page = read_scan_page(storage_, message.partition, message.bucket, message.after,
                               message.limit, message.filter, message.count_only, wall_ms());
    if (page.is_ok()) {
      reply.page = std::move(page).value();
    } else {
      ++stats_.storage_errors;
      reply.status = page.status();
    }
  }
  effects_.push_back(SendEffect{from, std::move(reply)});
}

}  // namespace ringkv::core
