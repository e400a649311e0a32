#include "core/actor_epochs.h"

#include <gtest/gtest.h>

#include <set>

#include "storage/memory_engine.h"

namespace ringkv::core {
namespace {

constexpr ActorId kBase = 0x1234'5678'9abc'def0ULL;

void apply(storage::MemoryEngine& engine, const storage::WriteBatch& batch) {
  ASSERT_TRUE(engine.write(batch, [](const Status&) {}).is_ok());
}

TEST(ActorEpochs, PartitionsNeverErasedKeepTheNodesActor) {
  storage::MemoryEngine engine;
  ActorEpochs epochs;
  ASSERT_TRUE(epochs.load(engine, kBase, 64).is_ok());
  EXPECT_EQ(epochs.actor_for(0), kBase);
  EXPECT_EQ(epochs.actor_for(63), kBase);
}

TEST(ActorEpochs, AnEraseAfterAWriteRetiresTheActorOnce) {
  storage::MemoryEngine engine;
  ActorEpochs epochs;
  ASSERT_TRUE(epochs.load(engine, kBase, 64).is_ok());
  const ActorId first = epochs.actor_for(7);
  storage::WriteBatch batch;
  epochs.retire(7, batch);
  EXPECT_EQ(batch.size(), 1U);
  const ActorId second = epochs.current(7);
  EXPECT_NE(second, first);
  EXPECT_NE(second, 0U);
  // Nothing written as the new actor yet: more erases (the rest of a handoff) keep it.
  storage::WriteBatch more;
  epochs.retire(7, more);
  EXPECT_TRUE(more.empty());
  EXPECT_EQ(epochs.current(7), second);
  // Once it wrote, the next erase retires it too.
  EXPECT_EQ(epochs.actor_for(7), second);
  storage::WriteBatch again;
  epochs.retire(7, again);
  EXPECT_EQ(again.size(), 1U);
  EXPECT_NE(epochs.current(7), second);
  EXPECT_NE(epochs.current(7), first);
  EXPECT_EQ(epochs.retirements(), 2U);
  // Other partitions are untouched.
  EXPECT_EQ(epochs.current(8), kBase);
}

TEST(ActorEpochs, EpochsSurviveARestartAndARestartRetiresAgain) {
  storage::MemoryEngine engine;
  ActorId retired = 0;
  {
    ActorEpochs epochs;
    ASSERT_TRUE(epochs.load(engine, kBase, 64).is_ok());
    storage::WriteBatch batch;
    epochs.retire(3, batch);
    apply(engine, batch);
    retired = epochs.current(3);
  }
  ActorEpochs reloaded;
  ASSERT_TRUE(reloaded.load(engine, kBase, 64).is_ok());
  EXPECT_EQ(reloaded.epoch(3), 1U);
  EXPECT_EQ(reloaded.current(3), retired);
  // A restarted node cannot know whether the actor wrote before the restart: it retires it.
  storage::WriteBatch batch;
  reloaded.retire(3, batch);
  EXPECT_EQ(batch.size(), 1U);
  EXPECT_EQ(reloaded.epoch(3), 2U);
}

TEST(ActorEpochs, DerivedActorsAreDistinctAcrossPartitionsAndEpochs) {
  storage::MemoryEngine engine;
  ActorEpochs epochs;
  ASSERT_TRUE(epochs.load(engine, kBase, 256).is_ok());
  std::set<ActorId> seen{kBase};
  for (std::uint32_t p = 0; p < 256; ++p) {
    for (int round = 0; round < 4; ++round) {
      (void)epochs.actor_for(p);
      storage::WriteBatch batch;
      epochs.retire(p, batch);
      EXPECT_TRUE(seen.insert(epochs.current(p)).second) << "partition " << p << " round " << round;
    }
  }
}

TEST(ActorEpochs, AMalformedEntryIsCorruption) {
  storage::MemoryEngine engine;
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kMeta, "actor_epoch:xx", "short");
  apply(engine, batch);
  ActorEpochs epochs;
  const Status status = epochs.load(engine, kBase, 64);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
}

}  // namespace
}  // namespace ringkv::core
