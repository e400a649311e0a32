#include "ringkv/client.h"

#include <algorithm>
#include <map>
#include <optional>

#include "api/client_codec.h"
#include "common/limits.h"
#include "connection.h"
#include "core/key_position.h"
#include "core/ring/preference_walk.h"
#include "core/version/context.h"

namespace ringkv::client {
namespace {

// How long a node that failed to answer is skipped before it is tried again.
constexpr std::chrono::milliseconds kDownFor{2000};

// Gets and scans change nothing: they may be sent again, to another node.
bool is_read(core::ClientOp op) {
  return op == core::ClientOp::kGet || op == core::ClientOp::kScan;
}

bool worth_retrying_elsewhere(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kTimeout ||
         status.code() == StatusCode::kIoError;
}

}  // namespace

class Client::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(options) {}

  Status refresh() {
    Status last = Status::unavailable("no member answered the cluster query");
    std::vector<std::string> candidates{seed_address_};
    for (const auto& member : members_) {
      if (member.address != seed_address_) candidates.push_back(member.address);
    }
    for (const auto& address : candidates) {
      last = connect(address);
      if (last.is_ok()) return last;
    }
    return last;
  }

  void maybe_refresh() {
    if (!options_.partition_aware || Clock::now() < next_refresh_) return;
    next_refresh_ = Clock::now() + options_.cluster_refresh;
    (void)refresh();  // Best effort: the last known ring still routes (nodes forward).
  }

  Status connect(const std::string& address) {
    seed_address_ = address;
    next_refresh_ = Clock::now() + options_.cluster_refresh;
    auto& seed = connection_to(address);
    if (!seed.is_open()) RINGKV_RETURN_IF_ERROR(seed.open(address, options_.connect_timeout));
    wire::Request request;
    request.set_protocol_version(api::kProtocolVersion);
    request.mutable_cluster_info();
    auto response = seed.call(request);
    if (!response.is_ok()) return response.status();
    if (response->has_error()) return api::status_from_wire(response->error());
    if (!response->has_cluster_info()) {
      return Status::corruption(address + " answered the cluster query without cluster info");
    }
    return load_cluster(response->cluster_info());
  }

  Result<core::ClientReply> execute(const core::ClientRequest& request) {
    maybe_refresh();
    const std::vector<std::string> targets = targets_for(request);
    Status last = Status::unavailable("no node to send the request to");
    // A node's own answer says more than a refused connection: report it first.
    std::optional<core::ClientReply> node_answer;
    for (const std::string& address : targets) {
      auto& connection = connection_to(address);
      connection.close_if_stale();
      if (!connection.is_open()) {
        if (Status status = connection.open(address, options_.connect_timeout); !status.is_ok()) {
          down_until_[address] = Clock::now() + kDownFor;
          last = status;
          continue;
        }
      }
      auto response = connection.call(api::make_request(request));
      if (!response.is_ok()) {
        down_until_[address] = Clock::now() + kDownFor;
        last = response.status();
        // A write that was sent may have been applied: sending it again elsewhere would add a
        // duplicate sibling. Only reads are retried once the request left.
        if (!is_read(request.op)) {
          return Status(last.code(), "outcome unknown, the write may have been applied: " +
                                         last.message());
        }
        continue;
      }
      core::ClientReply reply = api::reply_from_wire(*response);
      // A node that cannot reach enough replicas may be cut off: another one may do better,
      // but only for reads (a write may have been applied; retrying it adds a sibling).
      if (is_read(request.op) && worth_retrying_elsewhere(reply.status)) {
        if (!node_answer) node_answer = reply;
        continue;
      }
      return reply;
    }
    if (node_answer) return *node_answer;
    return last;
  }

  MemberStatus status_of(const Member& member) {
    MemberStatus result;
    result.member = member;
    auto& connection = connection_to(member.address);
    if (!connection.is_open()) {
      if (Status status = connection.open(member.address, options_.connect_timeout);
          !status.is_ok()) {
        result.error = status.to_string();
        return result;
      }
    }
    wire::Request request;
    request.set_protocol_version(api::kProtocolVersion);
    request.mutable_node_status();
    auto response = connection.call(request);
    if (!response.is_ok()) {
      result.error = response.status().to_string();
      return result;
    }
    if (!response->has_node_status()) {
      result.error = response->has_error() ? api::status_from_wire(response->error()).to_string()
                                           : "no status in the answer";
      return result;
    }
    const auto& status = response->node_status();
    result.reachable = true;
    result.actor_id = status.actor_id();
    result.uptime_ms = status.uptime_ms();
    result.hints_held = status.hints_held();
    result.hint_bytes = status.hint_bytes();
    result.transfers_pending = status.transfers_pending();
    result.transfer_keys_in_flight = status.transfer_keys_in_flight();
    result.own_state = status.state();
    for (const auto& [name, value] : status.counters()) result.counters.emplace_back(name, value);
    std::sort(result.counters.begin(), result.counters.end());
    for (const auto& entry : status.anti_entropy()) {
      result.anti_entropy.push_back(
          {entry.partition(), entry.last_exchange_age_ms(), entry.keys_repaired()});
    }
    result.peers_believed_down.assign(status.peers_believed_down().begin(),
                                      status.peers_believed_down().end());
    return result;
  }

  std::vector<Member> members_;
  std::uint32_t partition_count_ = 0;
  std::vector<std::uint32_t> owners_;  // Member index per partition.
  core::PreferenceWalk walk_;          // The same walk the nodes use.
  std::uint32_t default_n_ = 3;

 private:
  using Clock = std::chrono::steady_clock;

  Status load_cluster(const wire::ClusterInfo& info) {
    if (!core::is_power_of_two(info.partition_count()) ||
        static_cast<std::uint32_t>(info.partition_owners_size()) != info.partition_count() ||
        info.members_size() == 0) {
      return Status::corruption("cluster info is inconsistent");
    }
    members_.clear();
    for (const auto& member : info.members()) {
      members_.push_back(Member{member.id(), member.address(), member.weight(), 0,
                                member.state().empty() ? "up" : member.state(), member.zone()});
    }
    owners_.assign(info.partition_owners().begin(), info.partition_owners().end());
    for (std::uint32_t owner : owners_) {
      if (owner >= members_.size()) return Status::corruption("cluster info names no such member");
      ++members_[owner].partitions;
    }
    std::vector<std::string> zones;
    for (const Member& member : members_) zones.push_back(member.zone);
    walk_ = core::PreferenceWalk(owners_, core::zone_keys(zones));
    partition_count_ = info.partition_count();
    default_n_ = std::max<std::uint32_t>(1, info.default_n());
    return Status::ok();
  }

  // Home replicas of the key: distinct owners walking clockwise from its partition.
  std::vector<std::string> home_replicas(const core::ClientRequest& request) const {
    const std::uint32_t first =
        core::partition_of(core::key_position(request.bucket, request.key), partition_count_);
    std::vector<std::uint32_t> indices;
    walk_.walk(first, default_n_, indices);
    std::vector<std::string> result;
    for (const std::uint32_t index : indices) result.push_back(members_[index].address);
    return result;
  }

  // Where to try a request, best first: home replicas (the read's responder first for writes),
  // then every other node; nodes recently found down go last.
  std::vector<std::string> targets_for(const core::ClientRequest& request) const {
    if (!options_.partition_aware || members_.empty() || request.local) return {seed_address_};
    // A scan has no key: the node given to connect() coordinates it, any other one can.
    std::vector<std::string> order = request.op == core::ClientOp::kScan
                                         ? std::vector<std::string>{seed_address_}
                                         : home_replicas(request);
    if (request.op != core::ClientOp::kGet && !request.context.empty()) {
      if (auto context = core::decode_context(request.context); context.is_ok()) {
        for (const auto& member : members_) {
          auto it = std::find(order.begin(), order.end(), member.address);
          if (member.id == context->coordinator_hint && it != order.end()) {
            std::rotate(order.begin(), it, it + 1);
          }
        }
      }
    }
    for (const auto& member : members_) {
      if (std::find(order.begin(), order.end(), member.address) == order.end()) {
        order.push_back(member.address);
      }
    }
    const auto now = Clock::now();
    std::stable_partition(order.begin(), order.end(), [&](const std::string& address) {
      auto it = down_until_.find(address);
      return it == down_until_.end() || it->second <= now;
    });
    return order;
  }

  Connection& connection_to(const std::string& address) {
    auto it = connections_.find(address);
    if (it == connections_.end()) {
      it = connections_
               .emplace(address, std::make_unique<Connection>(
                                     limits::frame_max_bytes(options_.value_max_bytes),
                                     options_.request_timeout))
               .first;
    }
    return *it->second;
  }

  ClientOptions options_;
  std::string seed_address_;
  Clock::time_point next_refresh_{};
  std::map<std::string, std::unique_ptr<Connection>> connections_;
  std::map<std::string, Clock::time_point> down_until_;
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Status Client::refresh() { return impl_->refresh(); }

Result<std::string> membership_command(const std::string& address, MembershipAction action,
                                       std::uint32_t weight, const std::string& node,
                                       ClientOptions options) {
  Connection connection(limits::frame_max_bytes(options.value_max_bytes), options.request_timeout);
  RINGKV_RETURN_IF_ERROR(connection.open(address, options.connect_timeout));
  wire::Request request;
  request.set_protocol_version(api::kProtocolVersion);
  auto* membership = request.mutable_membership();
  switch (action) {
    case MembershipAction::kJoin:
      membership->mutable_join()->set_weight(weight);
      break;
    case MembershipAction::kLeave:
      membership->mutable_leave();
      break;
    case MembershipAction::kRemove:
      membership->mutable_remove()->set_node(node);
      break;
  }
  auto response = connection.call(request);
  if (!response.is_ok()) return response.status();
  if (response->has_error()) return api::status_from_wire(response->error());
  if (!response->has_membership()) {
    return Status::corruption(address + " answered without a membership result");
  }
  return response->membership().state();
}

namespace {

BucketInfo bucket_from_wire(const wire::BucketInfo& info) {
  BucketInfo out;
  out.name = info.name();
  for (const auto& property : info.properties()) {
    out.properties.emplace_back(property.name(), property.value());
  }
  out.own = info.own();
  out.version = info.version();
  out.set_by = info.set_by();
  return out;
}

}  // namespace

Result<BucketListing> bucket_command(
    const std::string& address, BucketAction action, const std::string& bucket,
    const std::vector<std::pair<std::string, std::string>>& properties, ClientOptions options) {
  Connection connection(limits::frame_max_bytes(options.value_max_bytes), options.request_timeout);
  RINGKV_RETURN_IF_ERROR(connection.open(address, options.connect_timeout));
  wire::Request request;
  request.set_protocol_version(api::kProtocolVersion);
  auto* command = request.mutable_bucket();
  switch (action) {
    case BucketAction::kSet: {
      auto* set = command->mutable_set();
      set->set_bucket(bucket);
      for (const auto& [name, value] : properties) {
        auto* property = set->add_properties();
        property->set_name(name);
        property->set_value(value);
      }
      break;
    }
    case BucketAction::kGet:
      command->mutable_get()->set_bucket(bucket);
      break;
    case BucketAction::kList:
      command->mutable_list();
      break;
    case BucketAction::kReset:
      command->mutable_reset()->set_bucket(bucket);
      break;
  }
  auto response = connection.call(request);
  if (!response.is_ok()) return response.status();
  if (response->has_error()) return api::status_from_wire(response->error());
  if (!response->has_bucket()) {
    return Status::corruption(address + " answered without a bucket result");
  }
  BucketListing listing;
  for (const auto& info : response->bucket().buckets()) {
    listing.buckets.push_back(bucket_from_wire(info));
  }
  listing.defaults = bucket_from_wire(response->bucket().defaults());
  for (const auto& name : response->bucket().config_ignored()) {
    listing.config_ignored.push_back(name);
  }
  return listing;
}

Result<std::unique_ptr<Client>> Client::connect(const std::string& address,
                                                ClientOptions options) {
  auto impl = std::make_unique<Impl>(options);
  RINGKV_RETURN_IF_ERROR(impl->connect(address));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

namespace {

core::ClientRequest make(core::ClientOp op, std::string_view bucket, std::string_view key,
                         const RequestOptions& options) {
  core::ClientRequest request;
  request.op = op;
  request.bucket = bucket.empty() ? std::string(api::kDefaultBucket) : std::string(bucket);
  request.key = key;
  request.r = options.r;
  request.w = options.w;
  request.timeout_ms = options.timeout_ms;
  request.local = options.local;
  return request;
}

}  // namespace

Result<GetResult> Client::get(std::string_view bucket, std::string_view key,
                              const RequestOptions& options) {
  auto reply = impl_->execute(make(core::ClientOp::kGet, bucket, key, options));
  if (!reply.is_ok()) return reply.status();
  if (!reply->status.is_ok()) return reply->status;
  return GetResult{std::move(reply->values), std::move(reply->context)};
}

Status Client::put(std::string_view bucket, std::string_view key, std::string_view value,
                   std::string_view context, const RequestOptions& options) {
  core::ClientRequest request = make(core::ClientOp::kPut, bucket, key, options);
  request.value = value;
  request.context = context;
  auto reply = impl_->execute(request);
  if (!reply.is_ok()) return reply.status();
  return reply->status;
}

Status Client::del(std::string_view bucket, std::string_view key, std::string_view context,
                   const RequestOptions& options) {
  core::ClientRequest request = make(core::ClientOp::kDelete, bucket, key, options);
  request.context = context;
  auto reply = impl_->execute(request);
  if (!reply.is_ok()) return reply.status();
  return reply->status;
}

Result<ScanPage> Client::scan(std::string_view bucket, std::string_view cursor,
                              const ScanOptions& options) {
  core::ClientRequest request =
      make(core::ClientOp::kScan, bucket, {}, RequestOptions{.r = options.r,
                                                            .timeout_ms = options.timeout_ms});
  request.scan.cursor = cursor;
  request.scan.count = options.count;
  request.scan.match = options.match;
  request.scan.type = options.type;
  auto reply = impl_->execute(request);
  if (!reply.is_ok()) return reply.status();
  if (!reply->status.is_ok()) return reply->status;
  if (reply->scan.cursor.empty()) return Status::corruption("a scan reply without a cursor");
  return ScanPage{std::move(reply->scan.keys), std::move(reply->scan.cursor)};
}

Result<std::uint64_t> Client::count_keys(std::string_view bucket, const ScanOptions& options) {
  core::ClientRequest request =
      make(core::ClientOp::kScan, bucket, {}, RequestOptions{.r = options.r,
                                                            .timeout_ms = options.timeout_ms});
  request.scan.count_only = true;
  request.scan.cursor = "0";
  std::uint64_t total = 0;
  do {
    auto reply = impl_->execute(request);
    if (!reply.is_ok()) return reply.status();
    if (!reply->status.is_ok()) return reply->status;
    if (reply->scan.cursor.empty()) return Status::corruption("a scan reply without a cursor");
    total += reply->scan.count;
    request.scan.cursor = std::move(reply->scan.cursor);
  } while (request.scan.cursor != "0");
  return total;
}

const std::vector<Member>& Client::members() const { return impl_->members_; }

std::vector<MemberStatus> Client::status() {
  std::vector<MemberStatus> result;
  for (const Member& member : impl_->members_) result.push_back(impl_->status_of(member));
  return result;
}
std::uint32_t Client::partition_count() const { return impl_->partition_count_; }

std::vector<std::string> Client::preference_list(std::uint32_t partition, std::size_t count) const {
  if (impl_->owners_.empty() || partition >= impl_->owners_.size()) return {};
  std::vector<std::uint32_t> indices;
  impl_->walk_.walk(partition, count, indices);
  std::vector<std::string> ids;
  for (const std::uint32_t index : indices) ids.push_back(impl_->members_[index].id);
  return ids;
}

std::uint32_t Client::default_n() const {
  return impl_->default_n_;
}

std::vector<std::string> Client::partition_owners() const {
  std::vector<std::string> owners;
  owners.reserve(impl_->owners_.size());
  for (std::uint32_t owner : impl_->owners_) owners.push_back(impl_->members_[owner].id);
  return owners;
}

}  // namespace ringkv::client
