// Unit tests for src/task/output_tail.h: the last `capacity` bytes, exactly,
// for any pattern of writes, checked against a reference string.
#include "task/output_tail.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace coyotes {
namespace {

using namespace std::string_literals;

std::string LastBytes(const std::string& all, size_t n) {
  return all.size() <= n ? all : all.substr(all.size() - n);
}

TEST(OutputTailTest, EmptyAtFirst) {
  OutputTail t(16);
  EXPECT_EQ(t.Take(), "");
  EXPECT_EQ(t.total(), 0u);
}

TEST(OutputTailTest, UnderCapacityKeepsEverything) {
  OutputTail t(16);
  t.Append("hello ");
  t.Append("world");
  EXPECT_EQ(t.Take(), "hello world");
  EXPECT_EQ(t.total(), 11u);
}

TEST(OutputTailTest, ExactlyCapacity) {
  OutputTail t(5);
  t.Append("ab");
  t.Append("cde");
  EXPECT_EQ(t.Take(), "abcde");
  t.Append("f");
  EXPECT_EQ(t.Take(), "bcdef");
  EXPECT_EQ(t.total(), 6u);
}

TEST(OutputTailTest, WrapsAround) {
  OutputTail t(4);
  for (char c : "abcdefghij"s) t.Append(std::string(1, c));
  EXPECT_EQ(t.Take(), "ghij");
  EXPECT_EQ(t.total(), 10u);
}

TEST(OutputTailTest, WriteBiggerThanCapacity) {
  OutputTail t(4);
  t.Append("xy");
  t.Append("0123456789");
  EXPECT_EQ(t.Take(), "6789");
  t.Append("ab");
  EXPECT_EQ(t.Take(), "89ab");
  EXPECT_EQ(t.total(), 14u);
}

TEST(OutputTailTest, WriteOfExactlyCapacityReplacesAll) {
  OutputTail t(4);
  t.Append("abc");
  t.Append("wxyz");
  EXPECT_EQ(t.Take(), "wxyz");
  t.Append("12");
  t.Append("3456");
  EXPECT_EQ(t.Take(), "3456");
}

TEST(OutputTailTest, CapacityZeroKeepsNothingButCounts) {
  OutputTail t(0);
  t.Append("abc");
  t.Append(std::string(100000, 'x'));
  EXPECT_EQ(t.Take(), "");
  EXPECT_EQ(t.total(), 100003u);
}

TEST(OutputTailTest, CapacityOne) {
  OutputTail t(1);
  t.Append("abc");
  EXPECT_EQ(t.Take(), "c");
  t.Append("d");
  EXPECT_EQ(t.Take(), "d");
  t.Append("");
  EXPECT_EQ(t.Take(), "d");
  EXPECT_EQ(t.total(), 4u);
}

TEST(OutputTailTest, EmptyWritesChangeNothing) {
  OutputTail t(3);
  t.Append("");
  EXPECT_EQ(t.Take(), "");
  t.Append("abcd");
  t.Append("");
  EXPECT_EQ(t.Take(), "bcd");
  EXPECT_EQ(t.total(), 4u);
}

TEST(OutputTailTest, BinaryBytesIncludingNul) {
  OutputTail t(6);
  const std::string data = "\0\x01\xff\0\x80"s + "z\0\0"s;
  t.Append(data.substr(0, 3));
  t.Append(data.substr(3));
  EXPECT_EQ(t.Take(), LastBytes(data, 6));
  EXPECT_EQ(t.Take().size(), 6u);
  EXPECT_EQ(t.total(), data.size());
}

TEST(OutputTailTest, TakeDoesNotConsume) {
  OutputTail t(3);
  t.Append("abcde");
  EXPECT_EQ(t.Take(), "cde");
  EXPECT_EQ(t.Take(), "cde");
  t.Append("f");
  EXPECT_EQ(t.Take(), "def");
}

// Random chunk sizes (including 0 and larger than the capacity) against a
// reference string, checking after every write.
TEST(OutputTailTest, RandomWritesMatchReference) {
  std::mt19937 rng(12345);
  for (size_t cap : {0u, 1u, 2u, 3u, 7u, 16u, 64u, 1000u, 4096u}) {
    for (int round = 0; round < 20; round++) {
      OutputTail t(cap);
      std::string all;
      std::uniform_int_distribution<int> steps(1, 60);
      int n = steps(rng);
      for (int i = 0; i < n; i++) {
        std::uniform_int_distribution<size_t> len(0, cap * 2 + 3);
        std::string chunk(len(rng), '\0');
        std::uniform_int_distribution<int> byte(0, 255);
        for (char& c : chunk) c = static_cast<char>(byte(rng));
        t.Append(chunk);
        all += chunk;
        ASSERT_EQ(t.Take(), LastBytes(all, cap))
            << "cap " << cap << " round " << round << " write " << i;
        ASSERT_EQ(t.total(), all.size());
      }
    }
  }
}

TEST(OutputTailTest, ManySmallWritesBigVolume) {
  // 10 MB in 4099-byte chunks (not a divisor of the capacity) through a
  // 65536-byte tail; each chunk distinct so that misplaced bytes show.
  OutputTail t(65536);
  std::string last;
  uint64_t total = 0;
  std::string all_tail;
  for (int i = 0; i < 2500; i++) {
    std::string chunk(4099, static_cast<char>('a' + i % 26));
    chunk.replace(0, std::to_string(i).size(), std::to_string(i));
    t.Append(chunk);
    total += chunk.size();
    all_tail += chunk;
    if (all_tail.size() > 200000) all_tail = LastBytes(all_tail, 70000);
  }
  EXPECT_EQ(t.total(), total);
  EXPECT_EQ(t.Take(), LastBytes(all_tail, 65536));
}

}  // namespace
}  // namespace coyotes
