#include "api/native_codec.h"

#include <gtest/gtest.h>

#include "api/base64.h"

namespace ringkv::api {
namespace {

std::string serialize(const wire::Request& request) {
  std::string out;
  request.SerializeToString(&out);
  return out;
}

TEST(NativeCodec, RoundTripsAPutRequest) {
  core::ClientRequest request{.request_id = 9, .op = core::ClientOp::kPut, .bucket = "b",
                              .key = std::string("k\0y", 3), .context = "ctx", .value = "v"};
  std::uint64_t id = 0;
  auto incoming = parse_incoming(serialize(make_request(request)), &id);
  ASSERT_TRUE(incoming.is_ok()) << incoming.status().to_string();
  EXPECT_EQ(id, 9u);
  const auto* parsed = std::get_if<core::ClientRequest>(&*incoming);
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(parsed->key, request.key);
  EXPECT_EQ(parsed->value, "v");
  EXPECT_EQ(parsed->context, "ctx");
  EXPECT_EQ(parsed->op, core::ClientOp::kPut);
}

TEST(NativeCodec, AnEmptyBucketMeansTheDefaultBucket) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.mutable_get()->set_key("k");
  std::uint64_t id = 0;
  auto parsed = parse_incoming(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(std::get<core::ClientRequest>(*parsed).bucket, "default");
}

TEST(NativeCodec, RejectsGarbageAsMalformed) {
  std::uint64_t id = 0;
  auto parsed = parse_incoming(std::string("\xff\xff\xff\xff\xff", 5), &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(parsed.status().message().find("malformed"), std::string::npos);
}

TEST(NativeCodec, RejectsAnUnknownProtocolVersion) {
  wire::Request request;
  request.set_protocol_version(99);
  request.set_request_id(5);
  request.mutable_get()->set_key("k");
  std::uint64_t id = 0;
  auto parsed = parse_incoming(serialize(request), &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(parsed.status().message().find("version 99"), std::string::npos);
  EXPECT_EQ(id, 5u);
}

TEST(NativeCodec, RejectsAnUnknownMessageType) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  // Field 99 is an operation this node does not know (far above the ones in use, so a new
  // operation does not take it); protobuf keeps it as an unknown field.
  std::string bytes = serialize(request);
  bytes += std::string("\x9a\x06\x00", 3);  // field 99, wire type 2, length 0
  std::uint64_t id = 0;
  auto parsed = parse_incoming(bytes, &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(parsed.status().message().find("unknown message type"), std::string::npos);
}

TEST(NativeCodec, CarriesErrorsToTheClient) {
  const wire::Response response = error_response(4, Status::too_large("value is too big"));
  std::string bytes;
  response.SerializeToString(&bytes);
  auto reply = parse_response(bytes);
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->request_id, 4u);
  EXPECT_EQ(reply->status.code(), StatusCode::kTooLarge);
  EXPECT_EQ(reply->status.message(), "value is too big");
}

TEST(PeerCodec, RoundTripsEveryMessageType) {
  const std::vector<core::PeerMessage> messages = {
      core::Ping{1, 2},
      core::Pong{3, 4, 0xabcdef, 7, 2, 0x1234567890},
      core::BucketTable{{core::BucketEntry{"b", core::BucketProperties{.n = 5, .w = 4},
                                           1'700'000'000'000, "n2", false},
                         core::BucketEntry{"old", core::BucketProperties{}, 3, "n1", true}}},
      core::Gossip{core::GossipDigest{{{"n2", core::DigestEntry{1, 2, 3, 0}}}}},
      core::AntiEntropy{.kind = core::AntiEntropy::Kind::kEntries,
                        .exchange_id = 9,
                        .partition = 3,
                        .level = 2,
                        .indices = {1, 2},
                        .hashes = {7, 8},
                        .keys = {"k1"},
                        .key_hashes = {5},
                        .objects = {"o1"},
                        .wanted = {"k2"},
                        .final = true},
      core::ReplicaWrite{5, "b", "k", "object"},
      core::ReplicaWriteAck{6, Status::io_error("disk")},
      core::ReplicaWriteAck{7, Status::ok()},
      core::ReplicaRead{8, "b", "k"},
      core::ReplicaReadReply{9, Status::ok(), "obj"},
      core::ForwardRequest{10, core::ClientRequest{.op = core::ClientOp::kPut,
                                                   .bucket = "b",
                                                   .key = "k",
                                                   .context = "c",
                                                   .value = "v",
                                                   .supersede_known = true,
                                                   .w = 3}},
      core::ForwardReply{11, core::ClientReply{.values = {"a", "b"}, .context = "ctx"}},
  };
  for (const auto& message : messages) {
    std::uint64_t id = 0;
    auto incoming = parse_incoming(serialize(make_peer_frame("n1", message)), &id);
    ASSERT_TRUE(incoming.is_ok()) << incoming.status().to_string();
    const auto* delivery = std::get_if<PeerDelivery>(&*incoming);
    ASSERT_NE(delivery, nullptr);
    EXPECT_EQ(delivery->from, "n1");
    EXPECT_EQ(delivery->message.index(), message.index());
    EXPECT_EQ(core::describe(delivery->message), core::describe(message));
    if (const auto* pong = std::get_if<core::Pong>(&message)) {
      const auto& back = std::get<core::Pong>(delivery->message);
      EXPECT_EQ(back.ring_version, pong->ring_version);
      EXPECT_EQ(back.transfers_pending, pong->transfers_pending);
      EXPECT_EQ(back.hints_held, pong->hints_held);
      EXPECT_EQ(back.buckets_digest, pong->buckets_digest);
    }
    if (const auto* table = std::get_if<core::BucketTable>(&message)) {
      EXPECT_EQ(std::get<core::BucketTable>(delivery->message).entries, table->entries);
    }
    if (const auto* sent = std::get_if<core::AntiEntropy>(&message)) {
      const auto& back = std::get<core::AntiEntropy>(delivery->message);
      EXPECT_EQ(back.indices, sent->indices);
      EXPECT_EQ(back.hashes, sent->hashes);
      EXPECT_EQ(back.keys, sent->keys);
      EXPECT_EQ(back.key_hashes, sent->key_hashes);
      EXPECT_EQ(back.objects, sent->objects);
      EXPECT_EQ(back.wanted, sent->wanted);
      EXPECT_TRUE(back.final);
    }
    if (const auto* gossip = std::get_if<core::Gossip>(&message)) {
      EXPECT_EQ(std::get<core::Gossip>(delivery->message).message, gossip->message);
    }
  }
  // A newcomer announces its address so that it can be answered before gossip lists it.
  std::uint64_t id = 0;
  auto incoming =
      parse_incoming(serialize(make_peer_frame("n9", core::Ping{1, 2}, "10.0.0.9:7001")), &id);
  ASSERT_TRUE(incoming.is_ok());
  EXPECT_EQ(std::get<PeerDelivery>(*incoming).from_address, "10.0.0.9:7001");
}

TEST(NativeCodec, ParsesMembershipCommands) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.set_request_id(4);
  request.mutable_membership()->mutable_remove()->set_node("n3");
  std::uint64_t id = 0;
  auto parsed = parse_incoming(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& command = std::get<MembershipCommand>(*parsed);
  EXPECT_EQ(command.action, MembershipCommand::Action::kRemove);
  EXPECT_EQ(command.node, "n3");
  request.mutable_membership()->mutable_remove()->set_node("");
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(),
            StatusCode::kInvalidArgument);
  request.mutable_membership()->Clear();
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(NativeCodec, ParsesBucketCommandsAndRefusesBadOnes) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.set_request_id(5);
  auto* set = request.mutable_bucket()->mutable_set();
  set->set_bucket("b");
  auto* property = set->add_properties();
  property->set_name("n");
  property->set_value("5");
  std::uint64_t id = 0;
  auto parsed = parse_incoming(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& command = std::get<BucketCommand>(*parsed);
  EXPECT_EQ(command.action, BucketCommand::Action::kSet);
  EXPECT_EQ(command.bucket, "b");
  ASSERT_EQ(command.properties.size(), 1u);
  EXPECT_EQ(command.properties[0], (std::pair<std::string, std::string>{"n", "5"}));
  set->set_bucket(std::string(256, 'b'));  // Too long a name.
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(), StatusCode::kInvalidArgument);
  set->set_bucket("b");
  set->clear_properties();  // Nothing to set.
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(), StatusCode::kInvalidArgument);
  request.mutable_bucket()->mutable_list();
  parsed = parse_incoming(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(std::get<BucketCommand>(*parsed).action, BucketCommand::Action::kList);
  request.mutable_bucket()->Clear();
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(), StatusCode::kInvalidArgument);
  // A peer's malformed bucket table is refused, not half-taken.
  wire::Request peer;
  peer.set_protocol_version(kProtocolVersion);
  peer.mutable_peer()->set_from("n2");
  peer.mutable_peer()->set_bucket_table("\x01garbage");
  EXPECT_EQ(parse_incoming(serialize(peer), &id).status().code(), StatusCode::kCorruption);
}

TEST(PeerCodec, RejectsAnEnvelopeWithoutSenderOrBody) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.mutable_peer()->mutable_ping();
  std::uint64_t id = 0;
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(), StatusCode::kCorruption);
  request.mutable_peer()->set_from("n2");
  request.mutable_peer()->clear_body();
  EXPECT_EQ(parse_incoming(serialize(request), &id).status().code(), StatusCode::kUnsupported);
}

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded.is_ok());
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(n * 37));
  }
}

TEST(Base64, RejectsBadText) {
  EXPECT_FALSE(base64_decode("abc").is_ok());
  EXPECT_FALSE(base64_decode("ab!d").is_ok());
}

}  // namespace
}  // namespace ringkv::api
