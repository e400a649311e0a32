// Test support for the version tests (included by *_test.cc only): RapidCheck generators for
// version vectors and a small simulated cluster that builds VersionedObjects by random histories.
//
// Objects are never generated as arbitrary independent structures: those can be causally
// impossible (a sibling its own context does not cover, two replicas disagreeing on what a dot
// means), and properties of impossible states prove nothing. Instead, a few replicas each
// coordinate writes under their own actor, with contexts that real clients could hold, and
// exchange state by one-way merges (read repair, handoff, anti-entropy), as in the DVV paper's
// system model. Every state any replica passes through is recorded for later picking.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/version/version_vector.h"
#include "core/version/versioned_object.h"

namespace ringkv::core::version_testing {

// A uniform pick in [low, high). rc::gen::inRange narrows with the test case's size, so the early
// test cases would all take the first branch of every choice; only lengths should grow with size.
template <typename T>
T uniform(T low, T high) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(low, high));
}

inline bool one_in(int n) {
  return uniform(0, n) == 0;
}

// A vector over a small actor pool with small counters, so that random pairs overlap, tie and
// descend each other often enough for the lattice properties to bite.
inline VersionVector small_vector() {
  VersionVector vector;
  const auto entries = *rc::gen::inRange<int>(0, 7);
  for (int i = 0; i < entries; ++i) {
    const auto actor = uniform<ActorId>(1, 9);
    const auto counter = uniform<std::uint64_t>(1, 6);
    vector.add({actor, counter}, uniform<std::uint64_t>(0, 4));
  }
  return vector;
}

// A vector with values over the whole encodable range, for codec tests.
inline VersionVector wide_vector() {
  VersionVector vector;
  const auto entries = *rc::gen::inRange<int>(0, 20);
  for (int i = 0; i < entries; ++i) {
    const auto actor = *rc::gen::arbitrary<ActorId>();
    const auto counter = 1 + *rc::gen::arbitrary<std::uint64_t>() % kCounterMax;
    vector.add({actor, counter}, *rc::gen::arbitrary<std::uint64_t>());
  }
  return vector;
}

// Where a put takes its read context from.
enum class Contexts {
  kAny,         // Blind, the replica's current context, or one an earlier read returned.
  kBlindOrOld,  // Blind, or one of the reads recorded so far (never a fresh one).
};

class Cluster {
 public:
  explicit Cluster(std::size_t replica_count) : replicas_(replica_count) {
    // Actor ids deliberately out of replica order and of varied varint widths.
    static constexpr ActorId kActors[] = {0x3e8f21a4, 7, 0x51, 0xffffffffffffULL, 300};
    for (std::size_t i = 0; i < replica_count; ++i) actors_.push_back(kActors[i % 5] + i / 5);
  }

  static Cluster random() { return Cluster(uniform<std::size_t>(2, 5)); }

  std::size_t size() const { return replicas_.size(); }
  VersionedObject& replica(std::size_t i) { return replicas_[i]; }
  ActorId actor(std::size_t i) const { return actors_[i]; }
  const std::vector<VersionedObject>& states() const { return states_; }
  std::size_t pick_replica() const { return uniform<std::size_t>(0, size()); }
  // A past or present state of some replica, biased towards the present, where histories have
  // diverged most.
  const VersionedObject& pick_state() const {
    if (one_in(2)) return replicas_[pick_replica()];
    return states_[uniform<std::size_t>(0, states_.size())];
  }
  std::uint64_t tick() { return now_ms_ += uniform<std::uint64_t>(0, 3); }

  // Writes at `replica` with `context`: a value, or a tombstone one time in five.
  Dot put(std::size_t replica, const VersionVector& context) {
    std::optional<std::string> value;
    if (!one_in(5)) value = "v" + std::to_string(writes_);
    ++writes_;
    const Dot dot = replicas_[replica].update(context, actors_[replica], tick(), value);
    record(replica);
    return dot;
  }

  Dot random_put(std::size_t replica, Contexts contexts) {
    const int choice = uniform(0, 3);
    if (choice == 2 && contexts == Contexts::kAny) {
      reads_.push_back(replicas_[replica].context());  // Read here, then write here.
      return put(replica, reads_.back());
    }
    if (choice == 0 || reads_.empty()) return put(replica, {});
    return put(replica, reads_[uniform<std::size_t>(0, reads_.size())]);
  }

  // One-way state transfer, as read repair or a handoff does; sometimes both ways.
  void random_merge() {
    const std::size_t from = pick_replica();
    const std::size_t to = pick_replica();
    replicas_[to].merge_from(replicas_[from]);
    record(to);
    if (one_in(3)) {
      replicas_[from].merge_from(replicas_[to]);
      record(from);
    }
  }

  // `steps` random writes and merges; returns the dots written. Writes outnumber merges two to
  // one so that replicas diverge and hold concurrent siblings.
  std::vector<Dot> run(std::size_t steps, Contexts contexts = Contexts::kAny) {
    std::vector<Dot> written;
    for (std::size_t i = 0; i < steps; ++i) {
      if (!one_in(3)) {
        written.push_back(random_put(pick_replica(), contexts));
      } else {
        random_merge();
      }
    }
    return written;
  }

  std::vector<Dot> run_random(Contexts contexts = Contexts::kAny) {
    return run(*rc::gen::inRange<std::size_t>(0, 50), contexts);
  }

  // What every replica converges to once all state has been exchanged.
  VersionedObject converged() const {
    VersionedObject all;
    for (const VersionedObject& replica : replicas_) all.merge_from(replica);
    return all;
  }

 private:
  void record(std::size_t replica) { states_.push_back(replicas_[replica]); }

  std::vector<VersionedObject> replicas_;
  std::vector<ActorId> actors_;
  std::vector<VersionedObject> states_{VersionedObject()};
  std::vector<VersionVector> reads_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t writes_ = 0;
};

inline std::vector<Dot> dots_of(const VersionedObject& object) {
  std::vector<Dot> dots;
  for (const Sibling& sibling : object.siblings()) dots.push_back(sibling.dot);
  return dots;
}

inline bool holds(const VersionedObject& object, const Dot& dot) {
  const std::vector<Dot> dots = dots_of(object);
  return std::find(dots.begin(), dots.end(), dot) != dots.end();
}

// The invariants every reachable object satisfies (see versioned_object.cc).
inline bool well_formed(const VersionedObject& object) {
  const std::vector<Sibling>& siblings = object.siblings();
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    if (i > 0 && !(siblings[i - 1].dot < siblings[i].dot)) return false;
    if (siblings[i].dot.counter == 0 || !object.context().covers(siblings[i].dot)) return false;
    if (siblings[i].tombstone && !siblings[i].value.empty()) return false;
  }
  return true;
}

}  // namespace ringkv::core::version_testing

namespace ringkv::core {

// Printers so that RapidCheck and GoogleTest show counterexamples readably.
inline std::ostream& operator<<(std::ostream& os, const Dot& dot) {
  return os << "(" << dot.actor << "," << dot.counter << ")";
}
inline std::ostream& operator<<(std::ostream& os, const VersionVector& vector) {
  os << "{";
  for (const ClockEntry& e : vector.entries()) {
    os << " " << e.actor << ":" << e.counter << "@" << e.timestamp_ms;
  }
  return os << " }";
}
inline std::ostream& operator<<(std::ostream& os, const VersionedObject& object) {
  os << object.context();
  for (const Sibling& s : object.siblings()) {
    os << " " << s.dot << (s.tombstone ? "<tombstone>" : "=" + s.value);
  }
  return os;
}

}  // namespace ringkv::core
