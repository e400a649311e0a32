#include "sim/type_workload.h"

#include <algorithm>
#include <cassert>

#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"

namespace ringkv::sim {
namespace {

constexpr const char* kCounterKeys[] = {"counter0", "counter1"};
constexpr const char* kSetKeys[] = {"set0", "set1"};
constexpr const char* kHashKey = "hash0";
constexpr const char* kFields[] = {"f0", "f1", "f2"};
constexpr const char* kExpiringKeys[] = {"ttl0", "ttl1"};

}  // namespace

TypeWorkload::TypeWorkload(Simulator& sim, TypeWorkloadConfig config)
    : sim_(sim), config_(std::move(config)) {
  assert(config_.clients > 0);
}

const core::NodeId& TypeWorkload::pick_node() {
  const auto& ids = config_.coordinators.empty() ? sim_.node_ids() : config_.coordinators;
  return ids[sim_.random().uniform(ids.size())];
}

void TypeWorkload::start() {
  for (int client = 0; client < config_.clients; ++client) {
    sim_.after(sim_.random().uniform(config_.think_time_ms_max + 1),
               [this, client] { run_cycle(client, 0); });
  }
}

void TypeWorkload::finish_cycle(int client, int cycle) {
  if (cycle + 1 >= config_.cycles_per_client) {
    ++finished_clients_;
    return;
  }
  sim_.after(sim_.random().uniform(config_.think_time_ms_max + 1),
             [this, client, cycle] { run_cycle(client, cycle + 1); });
}

void TypeWorkload::update(int client, int cycle, const std::string& key, const core::DataOp& op,
                          std::function<void(const core::ClientReply&)> done) {
  core::ClientRequest request;
  request.op = core::ClientOp::kUpdate;
  request.bucket = "default";
  request.key = key;
  request.value = core::encode_data_op(op);
  sim_.submit(pick_node(), std::move(request),
              [this, client, cycle, done = std::move(done)](const core::ClientReply& reply) {
                if (reply.status.is_ok()) {
                  ++acknowledged_;
                } else {
                  ++failed_;
                }
                done(reply);
                finish_cycle(client, cycle);
              });
}

void TypeWorkload::read(
    const std::string& key, std::uint32_t r,
    std::function<void(const core::ClientReply&, const core::VersionedObject&)> done) {
  core::ClientRequest request;
  request.op = core::ClientOp::kGet;
  request.bucket = "default";
  request.key = key;
  request.r = r;
  request.with_object = true;
  sim_.submit(pick_node(), std::move(request),
              [done = std::move(done)](const core::ClientReply& reply) {
                core::VersionedObject object;
                if (reply.status.is_ok() && !reply.object.empty()) {
                  auto decoded = core::VersionedObject::decode(reply.object);
                  if (decoded.is_ok()) object = std::move(decoded).value();
                }
                done(reply, object);
              });
}

void TypeWorkload::run_cycle(int client, int cycle) {
  const std::string tag = std::to_string(client) + "-" + std::to_string(cycle);
  switch (sim_.random().uniform(6)) {
    case 0:
    case 1: {  // INCRBY
      const std::string key = kCounterKeys[sim_.random().uniform(2)];
      const auto amount = static_cast<std::int64_t>(1 + sim_.random().uniform(5));
      counters_[key].attempted += amount;
      update(client, cycle, key, core::make_data_op(core::DataOpCode::kIncrBy, {}, amount),
             [this, key, amount](const core::ClientReply& reply) {
               if (reply.status.is_ok()) counters_[key].acknowledged += amount;
             });
      return;
    }
    case 2: {  // HINCRBY
      const std::string field = kFields[sim_.random().uniform(3)];
      const std::string name = std::string(kHashKey) + "/" + field;
      const auto amount = static_cast<std::int64_t>(1 + sim_.random().uniform(5));
      counters_[name].attempted += amount;
      update(client, cycle, kHashKey,
             core::make_data_op(core::DataOpCode::kHashIncrBy, {field}, amount),
             [this, name, amount](const core::ClientReply& reply) {
               if (reply.status.is_ok()) counters_[name].acknowledged += amount;
             });
      return;
    }
    case 3: {  // SADD of a unique member
      const std::string key = kSetKeys[sim_.random().uniform(2)];
      const std::string member = "m" + tag;
      added_[member] = key;
      update(client, cycle, key, core::make_data_op(core::DataOpCode::kSetAdd, {member}),
             [this, member](const core::ClientReply& reply) {
               if (reply.status.is_ok()) acknowledged_adds_.insert(member);
             });
      return;
    }
    case 4: {  // SREM of a member this client read
      const std::string key = kSetKeys[sim_.random().uniform(2)];
      read(key, 0,
           [this, client, cycle, key](const core::ClientReply& reply,
                                      const core::VersionedObject& object) {
             const auto members = core::set_members(object, reply.now_ms);
             if (!reply.status.is_ok() || members.empty()) {
               finish_cycle(client, cycle);
               return;
             }
             const std::string member = members[sim_.random().uniform(members.size())];
             remove_attempted_.insert(member);
             update(client, cycle, key, core::make_data_op(core::DataOpCode::kSetRemove, {member}),
                    [](const core::ClientReply&) {});
           });
      return;
    }
    default: {  // SET PX, or a read of an expiring key
      const std::string key = kExpiringKeys[sim_.random().uniform(2)];
      if (sim_.random().chance(0.5)) {
        const std::string value = "v" + tag;
        const std::uint64_t ttl = 100 + sim_.random().uniform(400);
        expiring_values_[value] = key;
        expiry_bound_[key] = std::max(expiry_bound_[key], sim_.now_ms() + ttl);
        core::DataOp op = core::make_data_op(core::DataOpCode::kSet, {value});
        op.expiry = core::ExpiryKind::kRelativeMs;
        op.expiry_ms = static_cast<std::int64_t>(ttl);
        update(client, cycle, key, op, [](const core::ClientReply&) {});
        return;
      }
      read(key, 0,
           [this, client, cycle, key](const core::ClientReply& reply,
                                      const core::VersionedObject& object) {
             const auto value = core::string_value(object, reply.now_ms);
             if (reply.status.is_ok() && value.exists && first_violation_.empty()) {
               auto it = expiring_values_.find(value.text);
               if (it == expiring_values_.end() || it->second != key) {
                 first_violation_ = key + " read unknown value " + value.text;
               } else if (sim_.now_ms() > expiry_bound_[key] + config_.expiry_slack_ms) {
                 first_violation_ = key + " read " + value.text + " at " +
                                    std::to_string(sim_.now_ms()) +
                                    " ms, after every expiry of it (" +
                                    std::to_string(expiry_bound_[key]) + " ms) plus the slack";
               }
             }
             finish_cycle(client, cycle);
           });
      return;
    }
  }
}

Status TypeWorkload::check() {
  if (!first_violation_.empty()) return Status::internal("expiry: " + first_violation_);
  std::map<std::string, std::pair<core::ClientReply, core::VersionedObject>> finals;
  std::vector<std::string> keys;
  for (const char* key : kCounterKeys) keys.emplace_back(key);
  for (const char* key : kSetKeys) keys.emplace_back(key);
  for (const char* key : kExpiringKeys) keys.emplace_back(key);
  keys.emplace_back(kHashKey);
  for (const auto& key : keys) {
    read(key, config_.final_read_r,
         [&finals, key](const core::ClientReply& reply, const core::VersionedObject& object) {
           finals[key] = {reply, object};
         });
  }
  sim_.run_for(10'000);
  for (const auto& key : keys) {
    auto it = finals.find(key);
    if (it == finals.end()) return Status::internal("final read of " + key + " did not complete");
    if (!it->second.first.status.is_ok()) {
      return Status::internal("final read of " + key +
                              " failed: " + it->second.first.status.to_string());
    }
  }
  auto within = [](const std::string& name, std::int64_t value, const Counter& counter) {
    if (value < counter.acknowledged || value > counter.attempted) {
      return Status::internal(name + " is " + std::to_string(value) + ", outside [" +
                              std::to_string(counter.acknowledged) + ", " +
                              std::to_string(counter.attempted) +
                              "] (acknowledged, attempted increments)");
    }
    return Status::ok();
  };
  for (const char* key : kCounterKeys) {
    const auto& [reply, object] = finals[key];
    const auto value = core::string_value(object, reply.now_ms);
    std::int64_t number = 0;
    if (value.exists && !core::parse_int64(value.text, number)) {
      return Status::internal(std::string(key) + " holds non-integer " + value.text);
    }
    if (Status s = within(key, number, counters_[key]); !s.is_ok()) return s;
  }
  {
    const auto& [reply, object] = finals[kHashKey];
    std::map<std::string, std::string> fields;
    for (auto& [field, value] : core::hash_fields(object, reply.now_ms)) fields[field] = value;
    for (const char* field : kFields) {
      const std::string name = std::string(kHashKey) + "/" + field;
      std::int64_t number = 0;
      if (fields.contains(field) && !core::parse_int64(fields[field], number)) {
        return Status::internal(name + " holds non-integer " + fields[field]);
      }
      if (Status s = within(name, number, counters_[name]); !s.is_ok()) return s;
    }
  }
  for (const char* key : kSetKeys) {
    const auto& [reply, object] = finals[key];
    const auto members = core::set_members(object, reply.now_ms);
    const std::set<std::string> present(members.begin(), members.end());
    for (const auto& member : present) {
      auto it = added_.find(member);
      if (it == added_.end() || it->second != key) {
        return Status::internal(std::string(key) + " holds " + member + ", never added to it");
      }
    }
    for (const auto& member : acknowledged_adds_) {
      if (added_[member] == key && !present.contains(member) &&
          !remove_attempted_.contains(member)) {
        return Status::internal("acknowledged SADD " + member + " to " + key +
                                " is missing and nobody removed it");
      }
    }
  }
  for (const char* key : kExpiringKeys) {
    const auto& [reply, object] = finals[key];
    if (const auto value = core::string_value(object, reply.now_ms); value.exists) {
      return Status::internal(std::string(key) + " still reads " + value.text +
                              " after every expiry passed");
    }
  }
  return Status::ok();
}

}  // namespace ringkv::sim
