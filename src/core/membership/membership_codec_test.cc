// Membership and gossip codecs: round trips, canonical form, and totality on mutated bytes.
#include "core/membership/membership_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "core/membership/gossip_messages.h"
#include "core/varint.h"

namespace ringkv::core {
namespace {

// A valid record with values across the whole encodable range.
MemberRecord wide_record(const NodeId& id) {
  MemberRecord r{.id = id};
  r.status = static_cast<MemberStatus>(*rc::gen::inRange(0, 4));
  r.weight = *rc::gen::inRange<std::uint32_t>(1, kMemberWeightMax + 1);
  r.join_order = 1 + *rc::gen::inRange<std::uint64_t>(0, 1ULL << 62);
  const bool departed = r.status == MemberStatus::kLeaving || r.status == MemberStatus::kRemoved;
  r.leave_order = departed ? r.join_order + 1 + *rc::gen::inRange<std::uint64_t>(0, 1000) : 0;
  if (r.status != MemberStatus::kRemoved) {
    r.address = "host-" + std::to_string(*rc::gen::inRange(0, 1000)) + ":" +
                std::to_string(*rc::gen::inRange(1, 65536));
  }
  r.generation = 1 + *rc::gen::arbitrary<std::uint32_t>();
  r.version = 1 + *rc::gen::inRange<std::uint64_t>(0, 1ULL << 40);
  r.heartbeat = *rc::gen::arbitrary<std::uint64_t>();
  if (*rc::gen::inRange(0, 2) == 1) r.zone = "zone-" + std::to_string(*rc::gen::inRange(0, 100));
  return r;
}

std::vector<MemberRecord> wide_records() {
  std::vector<MemberRecord> records;
  const int count = *rc::gen::inRange(0, 8);
  for (int i = 0; i < count; ++i)
    records.push_back(
        wide_record("node-" + std::to_string(100 + 10 * i + *rc::gen::inRange(0, 10))));
  return records;
}

Digest wide_digest() {
  Digest digest;
  for (const MemberRecord& record : wide_records()) digest[record.id] = digest_entry(record);
  return digest;
}

GossipMessage any_message() {
  switch (*rc::gen::inRange(0, 3)) {
    case 0:
      return GossipDigest{wide_digest()};
    case 1:
      return GossipDelta{wide_records(), wide_digest()};
    default:
      return GossipDeltaAck{wide_records()};
  }
}

std::string mutate(std::string bytes) {
  const int mutations = *rc::gen::inRange(1, 4);
  for (int i = 0; i < mutations; ++i) {
    const auto at = *rc::gen::inRange<std::size_t>(0, bytes.size() + 1);
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        bytes.resize(at);
        break;
      case 1:
        bytes.insert(at, 1, *rc::gen::arbitrary<char>());
        break;
      case 2:
        if (at < bytes.size()) bytes.erase(at, 1);
        break;
      default:
        if (at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ (1 << (at % 8)));
    }
  }
  return bytes;
}

RC_GTEST_PROP(MembershipCodec, StateRoundTrips, ()) {
  MembershipState state;
  (void)state.apply(wide_records());
  const std::string bytes = encode_state(state);
  const Result<MembershipState> decoded = decode_state(bytes);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(decoded->members() == state.members());
  RC_ASSERT(encode_state(*decoded) == bytes);
}

RC_GTEST_PROP(MembershipCodec, MutatedStateIsRejectedOrCanonical, ()) {
  MembershipState state;
  (void)state.apply(wide_records());
  const std::string bytes = mutate(encode_state(state));
  const Result<MembershipState> decoded = decode_state(bytes);
  if (decoded.is_ok()) {
    RC_ASSERT(encode_state(*decoded) == bytes);
  } else {
    RC_ASSERT(decoded.status().code() == StatusCode::kCorruption);
  }
}

RC_GTEST_PROP(GossipCodec, MessagesRoundTrip, ()) {
  const GossipMessage message = any_message();
  const std::string bytes = encode_gossip(message);
  const Result<GossipMessage> decoded = decode_gossip(bytes);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == message);
}

RC_GTEST_PROP(GossipCodec, MutatedMessagesAreRejectedOrCanonical, ()) {
  const std::string bytes = mutate(encode_gossip(any_message()));
  const Result<GossipMessage> decoded = decode_gossip(bytes);
  if (decoded.is_ok()) RC_ASSERT(encode_gossip(*decoded) == bytes);
}

TEST(MembershipCodec, RejectsUnsortedDuplicateAndInvalidRecords) {
  MembershipState state;
  ASSERT_TRUE(state.join("a", "a:1", 1, 1).is_ok());
  ASSERT_TRUE(state.join("b", "b:1", 1, 1).is_ok());
  std::vector<MemberRecord> records;
  for (const auto& [id, record] : state.members()) records.push_back(record);

  std::string unsorted;
  encode_records(unsorted, {records[1], records[0]});
  std::string_view in = unsorted;
  std::vector<MemberRecord> decoded;
  EXPECT_FALSE(decode_records(in, decoded));

  std::string duplicated;
  encode_records(duplicated, {records[0], records[0]});
  in = duplicated;
  EXPECT_FALSE(decode_records(in, decoded));

  MemberRecord invalid = records[0];
  invalid.status = MemberStatus::kLeaving;  // Without a leave stamp.
  std::string bytes;
  encode_record(bytes, invalid);
  in = bytes;
  MemberRecord record;
  EXPECT_FALSE(decode_record(in, record));
  EXPECT_EQ(in.size(), bytes.size());  // Nothing consumed on failure.

  std::string forged_count;
  put_varint(forged_count, kMembersMax + 1);
  in = forged_count;
  EXPECT_FALSE(decode_records(in, decoded));
}

// A table as a binary from before zones persisted it, byte by byte: version 1, one record
// "n1" at "h:7001", weight 2, up, join order 3, leave order 0, generation 4, version 5,
// heartbeat 6, no flags and no zone.
constexpr char kTableBeforeZones[] = "\x01\x01\x02n1\x06h:7001\x02\x01\x03\x00\x04\x05\x06";

TEST(MembershipCodec, DecodesATablePersistedBeforeZones) {
  const std::string_view bytes(kTableBeforeZones, sizeof(kTableBeforeZones) - 1);
  auto state = decode_state(bytes);
  ASSERT_TRUE(state.is_ok()) << state.status().to_string();
  const MemberRecord* record = state->find("n1");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->address, "h:7001");
  EXPECT_EQ(record->weight, 2u);
  EXPECT_EQ(record->status, MemberStatus::kUp);
  EXPECT_EQ(record->join_order, 3u);
  EXPECT_EQ(record->generation, 4u);
  EXPECT_EQ(record->version, 5u);
  EXPECT_EQ(record->heartbeat, 6u);
  EXPECT_EQ(record->zone, "");
  // A record without a zone still encodes exactly as before, so the table re-encodes to itself.
  EXPECT_EQ(encode_state(*state), bytes);
}

TEST(MembershipCodec, ZoneTravelsBehindAFlagBit) {
  MembershipState state;
  ASSERT_TRUE(state.join("n1", "h:7001", 1, 1, "rack-a").is_ok());
  const std::string bytes = encode_state(state);
  auto decoded = decode_state(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->find("n1")->zone, "rack-a");
  EXPECT_EQ(encode_state(*decoded), bytes);

  // The flag with an empty zone, an unknown flag, and an invalid zone are all rejected.
  MemberRecord record = *state.find("n1");
  std::string with_flag_no_zone;
  record.zone.clear();
  encode_record(with_flag_no_zone, record);
  const std::size_t status_at = 1 + 2 + 1 + 6 + 1;  // id, address, weight.
  ASSERT_EQ(with_flag_no_zone[status_at], 0);
  with_flag_no_zone[status_at] = static_cast<char>(kRecordHasZone);
  std::string_view in = with_flag_no_zone;
  MemberRecord out;
  EXPECT_FALSE(decode_record(in, out));
  std::string unknown_flag = with_flag_no_zone;
  unknown_flag[status_at] = 0x20;
  in = unknown_flag;
  EXPECT_FALSE(decode_record(in, out));
  record.zone = "has space";
  std::string bad_zone;
  encode_record(bad_zone, record);
  in = bad_zone;
  EXPECT_FALSE(decode_record(in, out));
}

TEST(MembershipState, ChangedZoneIsANewerRecordAndMovesTheRingHistory) {
  MembershipState state;
  ASSERT_TRUE(state.join("n1", "h:7001", 1, 1, "a").is_ok());
  const MemberRecord before = *state.find("n1");
  ASSERT_TRUE(state.restart("n1", 2).is_ok());
  ASSERT_TRUE(state.set_zone("n1", "b").is_ok());
  const MemberRecord after = *state.find("n1");
  EXPECT_EQ(after.zone, "b");
  EXPECT_TRUE(is_newer_than(after, digest_entry(before)));
  MembershipState peer;
  (void)peer.apply({before});
  (void)peer.apply({after});
  EXPECT_EQ(peer.find("n1")->zone, "b");
  EXPECT_EQ(peer.ring_history().front().zone, "b");
  EXPECT_FALSE(state.set_zone("n1", "no/slash").is_ok());
}

TEST(GossipCodec, RejectsTrailingBytesUnknownTagsAndVersions) {
  std::string bytes = encode_gossip(GossipDeltaAck{});
  EXPECT_TRUE(decode_gossip(bytes).is_ok());
  EXPECT_EQ(decode_gossip(bytes + "x").status().code(), StatusCode::kCorruption);
  std::string unknown_tag = bytes;
  unknown_tag[1] = 9;
  EXPECT_EQ(decode_gossip(unknown_tag).status().code(), StatusCode::kCorruption);
  std::string other_version = bytes;
  other_version[0] = 2;
  EXPECT_EQ(decode_gossip(other_version).status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(decode_gossip("").is_ok());
  EXPECT_EQ(describe(GossipMessage(GossipDelta{})), "gossip-delta records=0 request=0");
}

}  // namespace
}  // namespace ringkv::core
