#include "sim/dot_oracle.h"

#include <gtest/gtest.h>

#include "core/version/versioned_object.h"

namespace ringkv::sim {
namespace {

storage::WriteBatch batch_of(const core::VersionedObject& object) {
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kData, "key", object.encode());
  return batch;
}

TEST(DotOracle, TheSameWriteSeenEverywhereIsFine) {
  core::VersionedObject object;
  object.update({}, 7, 1000, std::string("a"));
  DotOracle oracle;
  oracle.observe("n1", batch_of(object));
  oracle.observe("n2", batch_of(object));
  // A later write supersedes it: a new dot, no reuse.
  core::VersionedObject later = object;
  later.update(object.context(), 7, 1001, std::string("b"));
  oracle.observe("n1", batch_of(later));
  EXPECT_FALSE(oracle.violation()) << *oracle.violation();
  EXPECT_EQ(oracle.dots_seen(), 2U);
}

TEST(DotOracle, ASecondWriteUnderTheSameDotIsReported) {
  core::VersionedObject first;
  first.update({}, 7, 1000, std::string("a"));
  // The same coordinator, from a copy that lost its first write: it names (7, 1) again.
  core::VersionedObject second;
  second.update({}, 7, 2000, std::string("b"));
  DotOracle oracle;
  oracle.observe("n1", batch_of(first));
  oracle.observe("n1", batch_of(second));
  ASSERT_TRUE(oracle.violation());
  EXPECT_NE(oracle.violation()->find("reused"), std::string::npos) << *oracle.violation();
}

TEST(DotOracle, DeletesAndOtherNamespacesAreIgnored) {
  core::VersionedObject object;
  object.update({}, 7, 1000, std::string("a"));
  storage::WriteBatch batch;
  batch.put(storage::Namespace::kHints, "key", "not an object");
  batch.put(storage::Namespace::kData, "other", "not an object either");
  batch.del(storage::Namespace::kData, "key");
  DotOracle oracle;
  oracle.observe("n1", batch);
  EXPECT_EQ(oracle.dots_seen(), 0U);
  EXPECT_FALSE(oracle.violation());
}

}  // namespace
}  // namespace ringkv::sim
