// Table-driven tests of the put and get quorum accounting (in the manner of riak_kv_put_core's
// enough_test_): every combination that matters of n, w, pw, r, pr, duplicated answers, failures
// and fallbacks, written as a row.
#include "core/coordination/put_quorum.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/coordination/get_quorum.h"

namespace ringkv::core {
namespace {

const char* name(QuorumOutcome outcome) {
  switch (outcome) {
    case QuorumOutcome::kPending: return "pending";
    case QuorumOutcome::kMet: return "met";
    case QuorumOutcome::kHopeless: return "hopeless";
  }
  return "?";
}

// targets: one letter per target, H a home replica, F a fallback (or a stand-in coordinator),
// named a, b, c... in order. answers: "a+ b- b+" (+ durable, - failed), in arrival order.
struct PutCase {
  const char* targets;
  std::uint32_t w, pw;
  const char* answers;
  QuorumOutcome expected;
  bool all_answered;
};

void replay(const std::string& answers, auto record) {
  for (std::size_t i = 0; i + 1 < answers.size(); i += 3) {
    record(NodeId(1, answers[i]), answers[i + 1] == '+');
  }
}

TEST(PutQuorum, CountsOneAnswerPerReplica) {
  using enum QuorumOutcome;
  const PutCase cases[] = {
      // n=3, w=2: the coordinator and one more.
      {"HHH", 2, 0, "a+", kPending, false},
      {"HHH", 2, 0, "a+ b+", kMet, false},
      {"HHH", 2, 0, "a+ b- c+", kMet, true},
      {"HHH", 2, 0, "a+ b- c-", kHopeless, true},
      // Duplicates: a replica answering twice is still one replica.
      {"HHH", 3, 0, "a+ b+ b+", kPending, false},
      {"HHH", 3, 0, "a+ b+ b+ b+", kPending, false},
      {"HHH", 3, 0, "a+ b+ c+", kMet, true},
      {"HHH", 2, 0, "a+ b- b+", kPending, false},  // The first answer of b counts.
      {"HHH", 2, 0, "a+ b- b- c-", kHopeless, true},
      {"HHH", 3, 0, "a+ b- b-", kHopeless, false},
      // Unknown nodes are ignored.
      {"HHH", 2, 0, "a+ x+ y+", kPending, false},
      // n=3, w=3 with a fallback for a down home replica: w counts it, pw does not.
      {"HHF", 3, 0, "a+ b+ c+", kMet, true},
      {"HHF", 3, 3, "a+ b+ c+", kHopeless, true},
      {"HHF", 2, 2, "a+ c+", kPending, false},
      {"HHF", 2, 2, "a+ c+ b+", kMet, true},
      {"HHF", 2, 2, "a+ b-", kHopeless, false},
      // A stand-in coordinator (every home replica down): it counts towards w only.
      {"FFF", 1, 0, "a+", kMet, false},
      {"FHH", 1, 1, "a+", kPending, false},
      {"FHH", 1, 1, "a+ b+", kMet, false},
      {"FHH", 2, 2, "a+ b+ b+", kPending, false},
      {"FHH", 2, 2, "a+ b+ c-", kHopeless, true},
      // n=1 and n=5.
      {"H", 1, 1, "a+", kMet, true},
      {"H", 1, 0, "a-", kHopeless, true},
      {"HHHHH", 3, 2, "a+ b- c- d+", kPending, false},
      {"HHHHH", 3, 2, "a+ b- c- d+ d+ e+", kMet, true},
      {"HHHHF", 4, 4, "a+ b+ c+ e+", kPending, false},
      {"HHHHF", 4, 4, "a+ b+ c+ e+ d-", kHopeless, true},
  };
  for (const PutCase& row : cases) {
    std::vector<PutQuorum::Target> targets;
    for (std::size_t i = 0; row.targets[i] != '\0'; ++i) {
      targets.push_back({NodeId(1, static_cast<char>('a' + i)), row.targets[i] == 'H'});
    }
    const std::uint32_t n = static_cast<std::uint32_t>(targets.size());
    PutQuorum quorum(Quorum{n, 1, row.w, 0, row.pw}, targets);
    replay(row.answers, [&](const NodeId& node, bool ok) { quorum.record(node, ok); });
    const std::string label = std::string(row.targets) + " w=" + std::to_string(row.w) +
                              " pw=" + std::to_string(row.pw) + " answers " + row.answers;
    EXPECT_STREQ(name(quorum.outcome()), name(row.expected)) << label;
    EXPECT_EQ(quorum.all_answered(), row.all_answered) << label;
    EXPECT_LE(quorum.acks(), n) << label;
  }
}

TEST(PutQuorum, ASecondAnswerIsRefused) {
  PutQuorum quorum(Quorum{3, 2, 2, 0, 0}, {{"a", true}, {"b", true}, {"c", true}});
  EXPECT_TRUE(quorum.record("b", true));
  EXPECT_FALSE(quorum.record("b", true));
  EXPECT_FALSE(quorum.record("b", false));
  EXPECT_FALSE(quorum.record("z", true));
  EXPECT_TRUE(quorum.answered("b"));
  EXPECT_FALSE(quorum.answered("a"));
  EXPECT_EQ(quorum.acks(), 1u);
}

// asked: H home replica, P previous owner (during a handoff; counts towards r, not pr).
struct GetCase {
  const char* asked;
  std::uint32_t r, pr;
  const char* answers;
  QuorumOutcome expected;
  bool all_answered;
};

TEST(GetQuorum, CountsOneReplyPerReplica) {
  using enum QuorumOutcome;
  const GetCase cases[] = {
      {"HHH", 2, 0, "a+", kPending, false},
      {"HHH", 2, 0, "a+ b+", kMet, false},
      {"HHH", 3, 0, "a+ b+ b+", kPending, false},
      {"HHH", 3, 0, "a+ b+ b+ a+", kPending, false},
      {"HHH", 3, 0, "a+ b+ c+", kMet, true},
      {"HHH", 2, 0, "a- b- b+", kHopeless, false},
      {"HHH", 2, 0, "a- b+ b+ c+", kMet, true},
      {"HHH", 1, 0, "x+", kPending, false},
      // A handoff in progress: previous owners count towards r, not pr.
      {"HHHP", 2, 2, "a+ d+", kPending, false},
      {"HHHP", 2, 2, "a+ d+ b+", kMet, false},
      {"HHHP", 2, 0, "a+ d+", kMet, false},
      {"HHHP", 3, 3, "d+ a+ b+ c-", kHopeless, true},
      {"HHHP", 4, 0, "a+ b+ c+ d-", kHopeless, true},
      {"H", 1, 1, "a-", kHopeless, true},
  };
  for (const GetCase& row : cases) {
    std::vector<NodeId> asked;
    std::size_t home = 0;
    for (std::size_t i = 0; row.asked[i] != '\0'; ++i) {
      asked.push_back(NodeId(1, static_cast<char>('a' + i)));
      home += row.asked[i] == 'H' ? 1 : 0;
    }
    const std::uint32_t n = static_cast<std::uint32_t>(home);
    GetQuorum quorum(Quorum{n, row.r, 1, row.pr, 0}, asked, home);
    replay(row.answers, [&](const NodeId& node, bool ok) { quorum.record(node, ok); });
    const std::string label = std::string(row.asked) + " r=" + std::to_string(row.r) +
                              " pr=" + std::to_string(row.pr) + " answers " + row.answers;
    EXPECT_STREQ(name(quorum.outcome()), name(row.expected)) << label;
    EXPECT_EQ(quorum.all_answered(), row.all_answered) << label;
  }
}

TEST(GetQuorum, KeepsTheOrderOfFirstAnswers) {
  GetQuorum quorum(Quorum{3, 2, 2, 0, 0}, {"a", "b", "c"}, 3);
  EXPECT_TRUE(quorum.record("c", false));
  EXPECT_TRUE(quorum.record("a", true));
  EXPECT_FALSE(quorum.record("c", true));
  EXPECT_EQ(quorum.answered_in_order(), (std::vector<NodeId>{"c", "a"}));
  EXPECT_EQ(quorum.replies(), 1u);
}

}  // namespace
}  // namespace ringkv::core
