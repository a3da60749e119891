// Resource limits (src/task/limits.h): both notations, their errors, the
// tightest of two levels, the first key a task asks too much of, and the
// JSON round trip.
#include "task/limits.h"

#include <gtest/gtest.h>

#include <string>

#include "base/json_util.h"

namespace coyotes {
namespace {

Result<ResourceLimits> FromJson(const std::string& text) {
  return LimitsFromJsonText(text);
}

// The error message of a parse that must fail.
template <typename R>
std::string Error(const R& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(Limits, JsonIntegersAndSizes) {
  auto l = FromJson(
      R"({"cpu":600,"memory":"2G","nofile":64,"nproc":10,"fsize":"512M",)"
      R"("core":0})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->cpu, 600);
  EXPECT_EQ(l->memory, int64_t{2} << 30);
  EXPECT_EQ(l->nofile, 64);
  EXPECT_EQ(l->nproc, 10);
  EXPECT_EQ(l->fsize, int64_t{512} << 20);
  EXPECT_EQ(l->core, 0);
  EXPECT_FALSE(l->empty());
}

TEST(Limits, SizeSuffixesArePowersOf1024) {
  EXPECT_EQ(FromJson(R"({"fsize":"4K"})")->fsize, 4096);
  EXPECT_EQ(FromJson(R"({"fsize":"3M"})")->fsize, 3 << 20);
  EXPECT_EQ(FromJson(R"({"fsize":"1234"})")->fsize, 1234);
  EXPECT_EQ(FromJson(R"({"memory":1048576})")->memory, 1048576);
}

TEST(Limits, EmptyObjectIsNoLimit) {
  auto l = FromJson("{}");
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  EXPECT_TRUE(ResourceLimits().empty());
}

TEST(Limits, ErrorsNameTheKey) {
  EXPECT_EQ(Error(FromJson(R"({"disk":1})")).rfind("limits: disk: ", 0), 0u);
  EXPECT_EQ(Error(FromJson(R"({"cpu":-1})")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(FromJson(R"({"cpu":0})")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(FromJson(R"({"nofile":"64"})")).rfind("limits: nofile: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"nproc":1.5})")).rfind("limits: nproc: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"core":true})")).rfind("limits: core: ", 0), 0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":"-1M"})")).rfind("limits: fsize: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":"1T"})")).rfind("limits: fsize: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":"1 M"})")).rfind("limits: fsize: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":"M"})")).rfind("limits: fsize: ", 0),
            0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":""})")).rfind("limits: fsize: ", 0), 0u);
  EXPECT_EQ(Error(FromJson(R"({"fsize":"5m"})")).rfind("limits: fsize: ", 0),
            0u);
  EXPECT_NE(Error(FromJson("[1]")).find("object"), std::string::npos);
}

TEST(Limits, MemoryBelowOneMebibyteIsAMistake) {
  std::string e = Error(FromJson(R"({"memory":512})"));
  EXPECT_EQ(e.rfind("limits: memory: ", 0), 0u);
  EXPECT_NE(e.find("at least 1M"), std::string::npos) << e;
  EXPECT_FALSE(FromJson(R"({"memory":"1023K"})").ok());
  EXPECT_TRUE(FromJson(R"({"memory":"1024K"})").ok());
}

TEST(Limits, OverflowIsRefused) {
  EXPECT_NE(
      Error(FromJson(R"({"memory":"99999999999999G"})")).find("out of range"),
      std::string::npos);
  EXPECT_NE(Error(FromJson(R"({"fsize":"99999999999999999999999"})"))
                .find("out of range"),
            std::string::npos);
  EXPECT_NE(
      Error(FromJson(R"({"cpu":9223372036854775807})")).find("out of range"),
      std::string::npos);
  // The largest accepted value, in each notation.
  EXPECT_EQ(FromJson(R"({"fsize":"4294967296G"})")->fsize, int64_t{1} << 62);
  EXPECT_FALSE(FromJson(R"({"fsize":"4294967297G"})").ok());
}

TEST(Limits, FlagText) {
  auto l = LimitsFromFlag("cpu=600,memory=2G");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->cpu, 600);
  EXPECT_EQ(l->memory, int64_t{2} << 30);
  EXPECT_FALSE(l->nofile.has_value());
  EXPECT_TRUE(LimitsFromFlag("")->empty());
  EXPECT_EQ(LimitsFromFlag("core=0")->core, 0);
  EXPECT_EQ(LimitsFromFlag("nofile=256,fsize=1K")->fsize, 1024);
  EXPECT_EQ(Error(LimitsFromFlag("cpu=x")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(LimitsFromFlag("cpu=1K")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(LimitsFromFlag("cpu=")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(LimitsFromFlag("cpu=1,cpu=2")).rfind("limits: cpu: ", 0), 0u);
  EXPECT_EQ(Error(LimitsFromFlag("memory=100")).rfind("limits: memory: ", 0),
            0u);
  EXPECT_EQ(Error(LimitsFromFlag("disk=1")).rfind("limits: disk: ", 0), 0u);
  EXPECT_FALSE(LimitsFromFlag("cpu").ok());
  EXPECT_FALSE(LimitsFromFlag("cpu=1,").ok());
}

TEST(Limits, TightestTakesTheSmallerPresentValue) {
  ResourceLimits a, b;
  a.cpu = 10;
  b.cpu = 5;
  a.memory = int64_t{1} << 30;
  b.nofile = 64;
  ResourceLimits t = Tightest(a, b);
  EXPECT_EQ(t.cpu, 5);
  EXPECT_EQ(t.memory, int64_t{1} << 30);
  EXPECT_EQ(t.nofile, 64);
  EXPECT_FALSE(t.nproc.has_value());
  EXPECT_EQ(Tightest(b, a), t);
  EXPECT_TRUE(Tightest({}, {}).empty());
}

TEST(Limits, FirstAboveInFixedOrder) {
  ResourceLimits task, channel;
  EXPECT_EQ(FirstAbove(task, channel), std::nullopt);
  channel.cpu = 10;
  EXPECT_EQ(FirstAbove(task, channel), std::nullopt);  // no ask
  task.cpu = 10;
  EXPECT_EQ(FirstAbove(task, channel), std::nullopt);  // equal is allowed
  task.core = 100;  // the channel does not limit core
  EXPECT_EQ(FirstAbove(task, channel), std::nullopt);
  channel.core = 0;
  EXPECT_EQ(FirstAbove(task, channel), "core");
  task.nofile = 100;
  channel.nofile = 50;
  EXPECT_EQ(FirstAbove(task, channel), "nofile");
  task.cpu = 11;
  EXPECT_EQ(FirstAbove(task, channel), "cpu");
}

TEST(Limits, JsonRoundTrip) {
  ResourceLimits l;
  EXPECT_EQ(LimitsToJson(l), "{}");
  l.cpu = 600;
  l.memory = int64_t{2} << 30;
  l.core = 0;
  EXPECT_EQ(LimitsToJson(l), R"({"cpu":600,"memory":2147483648,"core":0})");
  auto back = LimitsFromJsonText(LimitsToJson(l));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, l);
  l.nofile = 1;
  l.nproc = 2;
  l.fsize = 0;
  EXPECT_EQ(*LimitsFromJsonText(LimitsToJson(l)), l);
  JsonPtr o(LimitsToJsonObject(l));
  EXPECT_EQ(*LimitsFromJson(o.get()), l);
}

}  // namespace
}  // namespace coyotes
