// consumer_registry_test.cpp: failures are gathered in the order the consumers were added, and
// run-end failures come after every consumer's.
#include "consumer_registry.h"

#include <gtest/gtest.h>

#include <string>

namespace tcpflow {
namespace {

struct FakeConsumer {
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::string error_;
};

TEST(ConsumerRegistryTest, NothingFailedGivesNoMessage) {
  ConsumerRegistry registry;
  FakeConsumer a;
  registry.Add(a);
  EXPECT_FALSE(registry.failed());
  EXPECT_EQ(registry.error(), "");
}

TEST(ConsumerRegistryTest, FirstAddedFailureWinsWhateverFailedFirst) {
  ConsumerRegistry registry;
  FakeConsumer a, b, c;
  registry.Add(a);
  registry.Add(b);
  registry.Add(c);
  c.error_ = "c broke";
  EXPECT_TRUE(registry.failed());
  EXPECT_EQ(registry.error(), "c broke");
  b.error_ = "b broke";
  EXPECT_EQ(registry.error(), "b broke");
}

TEST(ConsumerRegistryTest, RunEndFailuresComeLastAndTheFirstIsKept) {
  ConsumerRegistry registry;
  FakeConsumer a;
  registry.Add(a);
  registry.NoteRunEndFailure("a scanner's output failed");
  registry.NoteRunEndFailure("the flush failed");
  EXPECT_TRUE(registry.failed());
  EXPECT_EQ(registry.error(), "a scanner's output failed");
  a.error_ = "write error on f";
  EXPECT_EQ(registry.error(), "write error on f");
}

}  // namespace
}  // namespace tcpflow
