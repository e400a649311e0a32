// The test double of the RESP planner tests (resp_commands_test.cc,
// resp_keyspace_commands_test.cc): a one-node store with the core's version semantics, and helpers
// that run a command's steps against it as a RESP connection would.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/base64.h"
#include "api/resp_planner.h"
#include "common/glob.h"
#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"
#include "core/scan/scan_page.h"

namespace ringkv::api::resp_testing {

using core::ClientOp;
using core::ClientReply;
using core::ClientRequest;

// A one-node store with the core's version semantics (a real VersionedObject per key, data-type
// updates applied by apply_data_op) and readable contexts: a context names the version it read;
// a write with the current context (or supersede_known) replaces every value, any other write
// adds a sibling.
class FakeStore {
 public:
  ClientReply apply(const ClientRequest& request) {
    requests.push_back(request);
    if (request.op == ClientOp::kScan) return scan(request);
    ClientReply reply;
    if (auto it = failures.find(request.key); it != failures.end()) {
      reply.status = it->second;
      return reply;
    }
    Entry& entry = entries_[request.bucket + "/" + request.key];
    const std::string current = "ctx:" + std::to_string(entry.version);
    now_ms += 1;
    if (request.op == ClientOp::kGet) {
      reply.values = live(entry.object);
      reply.context = current;
      if (request.with_object) {
        reply.now_ms = now_ms;
        if (!entry.object.is_deleted()) reply.object = entry.object.encode();
      }
      return reply;
    }
    if (request.op == ClientOp::kUpdate) {
      auto op = core::decode_data_op(request.value);
      if (!op.is_ok()) {
        reply.status = op.status();
        return reply;
      }
      auto applied = core::apply_data_op(entry.object, *op, kActor, now_ms);
      if (!applied.is_ok()) {
        reply.status = applied.status();
        return reply;
      }
      if (applied->changed) ++entry.version;
      reply.result = core::encode_op_result(applied->result);
      return reply;
    }
    const bool supersedes = request.supersede_known || request.context == current;
    const core::VersionVector read = supersedes ? entry.object.context() : core::VersionVector();
    entry.object.update(
        read, kActor, now_ms,
        request.op == ClientOp::kPut ? std::optional<std::string>(request.value) : std::nullopt);
    ++entry.version;
    return reply;
  }

  // Concurrent values written through different coordinators (actors), later values newer.
  void put_siblings(const std::string& key, std::vector<std::string> values) {
    Entry& entry = entries_["default/" + key];
    core::ActorId actor = 100;
    for (auto& value : values) entry.object.update({}, actor++, now_ms += 1, std::move(value));
  }
  std::vector<std::string> values(const std::string& key, const std::string& bucket = "default") {
    return live(entries_[bucket + "/" + key].object);
  }

  // Keys (live or not) one scan call examines at most; a call covering fewer than all of the
  // bucket's keys answers a cursor "k<last key examined>".
  std::size_t scan_examined_max = 1000;
  // Fails every scan call after this many succeeded (none: never).
  std::optional<std::size_t> scan_fails_after;
  std::size_t scans = 0;

  std::vector<ClientRequest> requests;
  std::map<std::string, Status> failures;
  std::uint64_t now_ms = 1'700'000'000'000;

 private:
  static constexpr core::ActorId kActor = 1;
  struct Entry {
    core::VersionedObject object;
    int version = 0;
  };
  // A scan call as the core answers one (core/requests.h): live keys of the bucket after the
  // cursor's key, in order, filtered by MATCH and TYPE, at most COUNT of them.
  ClientReply scan(const ClientRequest& request) {
    ClientReply reply;
    if (scan_fails_after && scans >= *scan_fails_after) {
      reply.status = Status::unavailable(
          "scan of partition 3: only 1 of the r=2 required "
          "replicas answered");
      return reply;
    }
    ++scans;
    const std::string prefix = request.bucket + "/";
    const std::string& cursor = request.scan.cursor;
    EXPECT_TRUE(cursor == "0" || cursor.starts_with("k")) << cursor;
    auto it = cursor == "0" ? entries_.lower_bound(prefix)
                            : entries_.upper_bound(prefix + cursor.substr(1));
    const std::size_t count = request.scan.count == 0 ? 10 : request.scan.count;
    const GlobPattern pattern(request.scan.match);
    std::size_t examined = 0;
    reply.scan.cursor = "0";
    for (; it != entries_.end() && it->first.starts_with(prefix); ++it) {
      const std::string key = it->first.substr(prefix.size());
      if (examined == scan_examined_max ||
          (!request.scan.count_only && reply.scan.keys.size() == count)) {
        reply.scan.cursor = "k" + std::prev(it)->first.substr(prefix.size());
        break;
      }
      ++examined;
      const core::ValueType type = core::type_of(it->second.object, now_ms);
      if (type == core::ValueType::kNone) continue;
      if (!request.scan.match.empty() && !pattern.matches(key)) continue;
      if (!request.scan.type.empty() && core::value_type_name(type) != request.scan.type) continue;
      if (request.scan.count_only) {
        ++reply.scan.count;
      } else {
        reply.scan.keys.push_back(key);
      }
    }
    return reply;
  }

  // What the node returns as a get's values (Node::read_reply).
  std::vector<std::string> live(const core::VersionedObject& object) const {
    const auto plain =
        std::all_of(object.siblings().begin(), object.siblings().end(), [](const core::Sibling& s) {
          return s.kind == core::EntryKind::kValue || s.kind == core::EntryKind::kTombstone;
        });
    if (plain) return object.live_values();
    auto value = core::string_value(object, now_ms);
    if (!value.exists) return {};
    return {value.text};
  }
  std::map<std::string, Entry> entries_;
};

struct Outcome {
  std::string reply;
  bool close = false;
  RespCommandPlan plan;  // Keys and access of the command (its steps are consumed).
};

// Runs a command of the connection `session` to completion against `store`, step by step, as
// a RESP connection would. `buckets` collects the bucket of every request.
inline Outcome run(FakeStore& store, std::vector<std::string> args, RespSession& session,
                   const RespServerInfo& info = {}, std::vector<std::string>* buckets = nullptr) {
  Outcome outcome;
  outcome.plan = plan_resp_command(std::move(args), session, info);
  RespStep step = std::move(outcome.plan.first);
  for (int steps = 0; !step.finished(); ++steps) {
    EXPECT_LT(steps, 50) << "a command takes a bounded number of steps";
    EXPECT_TRUE(step.then);
    std::vector<ClientReply> replies;
    for (const auto& request : step.requests) {
      if (buckets != nullptr) buckets->push_back(request.bucket);
      replies.push_back(store.apply(request));
    }
    step = step.then(std::move(replies));
  }
  outcome.reply = step.reply;
  outcome.close = step.close_connection;
  return outcome;
}

inline Outcome run(FakeStore& store, std::vector<std::string> args) {
  RespSession session;
  std::vector<std::string> buckets;
  Outcome outcome = run(store, std::move(args), session, {}, &buckets);
  for (const auto& bucket : buckets) EXPECT_EQ(bucket, "default");
  return outcome;
}

inline std::string reply(FakeStore& store, std::vector<std::string> args) {
  return run(store, std::move(args)).reply;
}

// A connection: its session and store, so consecutive commands see each other's effects.
struct Connection {
  FakeStore store;
  RespSession session;
  RespServerInfo info;
  std::vector<std::string> buckets;

  std::string operator()(std::vector<std::string> args) {
    return run(store, std::move(args), session, info, &buckets).reply;
  }
};

// What a planner answers right away, in a fresh session.
inline std::string immediate_reply(std::vector<std::string> args, const RespServerInfo& info = {}) {
  RespSession session;
  const RespCommandPlan plan = plan_resp_command(std::move(args), session, info);
  EXPECT_TRUE(plan.first.finished());
  return plan.first.reply;
}

}  // namespace ringkv::api::resp_testing
