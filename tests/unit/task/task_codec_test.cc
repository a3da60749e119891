// Unit tests for src/task/task_codec.h (producer items, queue items, task ids)
// and ToValidUtf8 from src/base/json_util.h.
#include "task/task_codec.h"

#include <gtest/gtest.h>
#include <jansson.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/json_util.h"

namespace coyotes {
namespace {

using namespace std::string_literals;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

ProducerLimits Limits() {
  ProducerLimits l;
  l.default_channel = "dflt";
  l.max_task_bytes = 1 << 20;
  return l;
}

TaskSpec MustParse(const std::string& payload,
                   const ProducerLimits& limits = Limits()) {
  Result<TaskSpec> r = ParseProducerItem(payload, limits);
  EXPECT_TRUE(r.ok()) << payload << ": " << r.status().ToString();
  return r.ok() ? r.value() : TaskSpec();
}

// ---------------------------------------------------------------------------
// ParseProducerItem: accepted items

TEST(ParseProducerItemTest, OriginalSeedItem) {
  TaskSpec s =
      MustParse(R"({"task":"ping -c 4 example.org","chan":"biz","ts":123})");
  EXPECT_EQ(s.command, "ping -c 4 example.org");
  EXPECT_EQ(s.name, "ping -c 4 example.org");
  EXPECT_EQ(s.channel, "biz");
  EXPECT_TRUE(s.uses_shell());
  EXPECT_FALSE(s.args.has_value());
  EXPECT_EQ(s.id, "");  // assigned by the caller
  EXPECT_EQ(s.attempt, 1);
  EXPECT_EQ(s.timeout_s, 0);
  EXPECT_TRUE(s.env.empty());
  EXPECT_EQ(s.cwd, "");
}

TEST(ParseProducerItemTest, FloatTsAccepted) {
  EXPECT_EQ(MustParse(R"({"task":"x","ts":1700000000.5})").command, "x");
  EXPECT_EQ(MustParse(R"({"task":"x","ts":null})").command, "x");
}

TEST(ParseProducerItemTest, MissingOrEmptyChannelIsDefault) {
  EXPECT_EQ(MustParse(R"({"task":"x"})").channel, "dflt");
  EXPECT_EQ(MustParse(R"({"task":"x","chan":""})").channel, "dflt");
  EXPECT_EQ(MustParse(R"({"task":"x","chan":null})").channel, "dflt");
}

TEST(ParseProducerItemTest, ValidChannelNames) {
  EXPECT_EQ(MustParse(R"({"task":"x","chan":"A-z_0.9:q"})").channel,
            "A-z_0.9:q");
  std::string longest(64, 'c');
  EXPECT_EQ(MustParse(R"({"task":"x","chan":")" + longest + "\"}").channel,
            longest);
}

TEST(ParseProducerItemTest, CommandWithArgsRunsWithoutShell) {
  TaskSpec s =
      MustParse(R"({"command":"ls","args":["-l","/tmp dir","; rm -rf /"]})");
  EXPECT_FALSE(s.uses_shell());
  EXPECT_EQ(s.command, "ls");
  ASSERT_TRUE(s.args.has_value());
  EXPECT_EQ(*s.args,
            (std::vector<std::string>{"-l", "/tmp dir", "; rm -rf /"}));
  EXPECT_EQ(s.name, "ls -l /tmp dir ; rm -rf /");
  EXPECT_EQ(s.channel, "dflt");
}

TEST(ParseProducerItemTest, CommandWithoutArgsStillNoShell) {
  TaskSpec s = MustParse(R"({"command":"/usr/bin/true"})");
  EXPECT_FALSE(s.uses_shell());
  ASSERT_TRUE(s.args.has_value());
  EXPECT_TRUE(s.args->empty());
  EXPECT_EQ(s.name, "/usr/bin/true");
}

TEST(ParseProducerItemTest, CommandWithEmptyArgs) {
  TaskSpec s = MustParse(R"({"command":"date","args":[]})");
  EXPECT_FALSE(s.uses_shell());
  EXPECT_TRUE(s.args->empty());
}

TEST(ParseProducerItemTest, TaskNamesACommand) {
  TaskSpec s = MustParse(
      R"({"task":"nightly backup","command":"backup","args":["-v"]})");
  EXPECT_EQ(s.name, "nightly backup");
  EXPECT_EQ(s.command, "backup");
  EXPECT_FALSE(s.uses_shell());
}

TEST(ParseProducerItemTest, AllExtensions) {
  TaskSpec s = MustParse(
      R"({"id":"job-1.a:b_C","task":"make","chan":"build","timeout":2.5,)"
      R"("env":{"A":"1","EMPTY":"","U":"\u00e9"},"cwd":"/srv/app"})");
  EXPECT_EQ(s.id, "job-1.a:b_C");
  EXPECT_EQ(s.channel, "build");
  EXPECT_DOUBLE_EQ(s.timeout_s, 2.5);
  ASSERT_EQ(s.env.size(), 3u);
  EXPECT_EQ(s.env[0], (std::pair<std::string, std::string>{"A", "1"}));
  EXPECT_EQ(s.env[1], (std::pair<std::string, std::string>{"EMPTY", ""}));
  EXPECT_EQ(s.env[2], (std::pair<std::string, std::string>{"U", "\xc3\xa9"}));
  EXPECT_EQ(s.cwd, "/srv/app");
}

TEST(ParseProducerItemTest, TimeoutBounds) {
  EXPECT_EQ(MustParse(R"({"task":"x","timeout":0})").timeout_s, 0);
  EXPECT_EQ(MustParse(R"({"task":"x","timeout":10000000})").timeout_s, 1e7);
  EXPECT_EQ(MustParse(R"({"task":"x","timeout":3})").timeout_s, 3);
}

TEST(ParseProducerItemTest, IdOfMaximumLength) {
  std::string id(kMaxTaskIdLength, 'i');
  EXPECT_EQ(MustParse(R"({"task":"x","id":")" + id + "\"}").id, id);
}

TEST(ParseProducerItemTest, SizeLimitIsInclusive) {
  const std::string payload = R"({"task":"echo hello"})";
  ProducerLimits l = Limits();
  l.max_task_bytes = payload.size();
  EXPECT_EQ(MustParse(payload, l).command, "echo hello");
}

TEST(ParseProducerItemTest, UnknownFieldsIgnored) {
  EXPECT_EQ(MustParse(R"({"task":"x","priority":9,"extra":{"a":[1]}})").command,
            "x");
}

// ---------------------------------------------------------------------------
// ParseProducerItem: rejected items, each with a message

struct BadItem {
  const char* what;
  std::string payload;
  const char* message_part;  // must appear in the error message
};

TEST(ParseProducerItemTest, MalformedItemsAreRejectedWithAMessage) {
  const std::vector<BadItem> cases = {
      {"not JSON", "ping example.org", "not JSON"},
      {"truncated JSON", R"({"task":"x")", "not JSON"},
      {"empty", "", "not JSON"},
      {"array", R"(["task","x"])", "not a JSON object"},
      {"number", "42", "not a JSON object"},
      {"string", R"("echo hi")", "not a JSON object"},
      {"null", "null", "not a JSON object"},
      {"missing task", R"({"chan":"biz"})", "task"},
      {"empty object", "{}", "task"},
      {"empty task", R"({"task":""})", "task"},
      {"null task", R"({"task":null})", "task"},
      {"task not string", R"({"task":5})", "'task'"},
      {"task array", R"({"task":["ls"]})", "'task'"},
      {"task with NUL", R"({"task":"a\u0000b"})", "NUL"},
      {"command not string", R"({"command":true})", "'command'"},
      {"chan not string", R"({"task":"x","chan":7})", "'chan'"},
      {"chan object", R"({"task":"x","chan":{}})", "'chan'"},
      {"chan with space", R"({"task":"x","chan":"a b"})", "channel"},
      {"chan with slash", R"({"task":"x","chan":"a/b"})", "channel"},
      {"chan too long",
       R"({"task":"x","chan":")" + std::string(65, 'c') + "\"}", "channel"},
      {"ts string", R"({"task":"x","ts":"123"})", "'ts'"},
      {"ts bool", R"({"task":"x","ts":true})", "'ts'"},
      {"args not array", R"({"command":"ls","args":"-l"})", "'args'"},
      {"args object", R"({"command":"ls","args":{"a":1}})", "'args'"},
      {"args element number", R"({"command":"ls","args":["-l",1]})", "args"},
      {"args element null", R"({"command":"ls","args":[null]})", "args"},
      {"args element with NUL", R"({"command":"ls","args":["a\u0000"]})",
       "NUL"},
      {"args without command", R"({"task":"ls","args":["-l"]})", "command"},
      {"args with empty command", R"({"command":"","args":["-l"]})", "command"},
      {"timeout negative", R"({"task":"x","timeout":-1})", "'timeout'"},
      {"timeout string", R"({"task":"x","timeout":"5"})", "'timeout'"},
      {"timeout huge", R"({"task":"x","timeout":1e8})", "'timeout'"},
      {"timeout just over", R"({"task":"x","timeout":10000000.5})",
       "'timeout'"},
      {"env not object", R"({"task":"x","env":["A=1"]})", "'env'"},
      {"env string", R"({"task":"x","env":"A=1"})", "'env'"},
      {"env value not string", R"({"task":"x","env":{"A":1}})", "A"},
      {"env value null", R"({"task":"x","env":{"A":null}})", "A"},
      {"env name with =", R"({"task":"x","env":{"A=B":"1"}})", "A=B"},
      {"env name empty", R"({"task":"x","env":{"":"1"}})", "env"},
      {"env value with NUL", R"({"task":"x","env":{"A":"a\u0000"}})", "NUL"},
      {"id bad chars", R"({"task":"x","id":"a/b"})", "'id'"},
      {"id with space", R"({"task":"x","id":"a b"})", "'id'"},
      {"id empty", R"({"task":"x","id":""})", "'id'"},
      {"id too long",
       R"({"task":"x","id":")" + std::string(kMaxTaskIdLength + 1, 'i') + "\"}",
       "'id'"},
      {"id number", R"({"task":"x","id":12})", "'id'"},
      {"cwd not string", R"({"task":"x","cwd":1})", "'cwd'"},
      {"duplicate key", R"({"task":"x","task":"y"})", "not JSON"},
  };
  for (const BadItem& c : cases) {
    Result<TaskSpec> r = ParseProducerItem(c.payload, Limits());
    ASSERT_FALSE(r.ok()) << c.what << ": accepted " << c.payload;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_TRUE(Contains(r.status().message(), c.message_part))
        << c.what << ": message '" << r.status().message()
        << "' does not mention '" << c.message_part << "'";
  }
}

TEST(ParseProducerItemTest, OverMaxTaskBytes) {
  const std::string payload = R"({"task":"echo hello"})";
  ProducerLimits l = Limits();
  l.max_task_bytes = payload.size() - 1;
  Result<TaskSpec> r = ParseProducerItem(payload, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "--max-task-bytes"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), std::to_string(payload.size())))
      << r.status().message();
}

TEST(ParseProducerItemTest, CallbackIsCheckedAndKeptOutOfTheQueueItem) {
  TaskSpec s =
      MustParse(R"({"task":"true","callback":"http://127.0.0.1:9/hook?a=1"})");
  EXPECT_EQ(s.callback, "http://127.0.0.1:9/hook?a=1");
  // The master delivers it from the record; workers never need it.
  EXPECT_FALSE(Contains(EncodeQueueItem(s), "callback"));
  EXPECT_EQ(MustParse(R"({"task":"true","callback":""})").callback, "");
  for (const char* bad : {R"({"task":"true","callback":"https://h/"})",
                          R"({"task":"true","callback":"http://u:p@h/"})",
                          R"({"task":"true","callback":"hook"})",
                          R"({"task":"true","callback":7})"}) {
    Result<TaskSpec> r = ParseProducerItem(bad, Limits());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(Contains(r.status().message(), "'callback'"))
        << r.status().message();
  }
}

TEST(ParseProducerItemTest, OversizedGarbageIsRejectedForSizeFirst) {
  ProducerLimits l = Limits();
  l.max_task_bytes = 100;
  Result<TaskSpec> r = ParseProducerItem(std::string(1000, '{'), l);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "--max-task-bytes"))
      << r.status().message();
}

TEST(ParseProducerItemTest, InvalidChannelIsNamedInMessage) {
  Result<TaskSpec> r =
      ParseProducerItem("{\"task\":\"x\",\"chan\":\"caf\xc3\xa9\"}", Limits());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "caf\xc3\xa9"))
      << r.status().message();
}

TEST(TaskFromJsonObjectTest, SameRulesAsProducerItems) {
  JsonPtr obj(json_object());
  json_object_set_new(obj.get(), "task", json_string("echo hi"));
  json_object_set_new(obj.get(), "chan", json_string("web"));
  Result<TaskSpec> r = TaskFromJsonObject(obj.get(), Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->channel, "web");
  EXPECT_EQ(r->command, "echo hi");

  // Form fields and JSON bodies may carry NUL bytes that jansson's parser
  // would have refused in a producer item.
  JsonPtr nul(json_object());
  json_object_set_new(nul.get(), "task", json_stringn("a\0b", 3));
  Result<TaskSpec> n = TaskFromJsonObject(nul.get(), Limits());
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(Contains(n.status().message(), "NUL")) << n.status().message();

  JsonPtr arr(json_array());
  EXPECT_FALSE(TaskFromJsonObject(arr.get(), Limits()).ok());
  EXPECT_FALSE(TaskFromJsonObject(nullptr, Limits()).ok());
}

// ---------------------------------------------------------------------------
// Queue items

TEST(QueueItemTest, StartsWithAttemptThenId) {
  TaskSpec s;
  s.id = "abc";
  s.channel = "biz";
  s.name = s.command = "echo hi";
  std::string item = EncodeQueueItem(s);
  EXPECT_EQ(item.rfind(R"({"a":1,"id":"abc",)", 0), 0u) << item;
  s.attempt = 12;
  item = EncodeQueueItem(s);
  EXPECT_EQ(item.rfind(R"({"a":12,"id":"abc",)", 0), 0u) << item;
  // Compact: the recovery script's pattern '^{"a":(%d+),' needs no spaces.
  EXPECT_FALSE(Contains(item, ": ")) << item;
  EXPECT_FALSE(Contains(item, "\n")) << item;
}

TEST(QueueItemTest, ShellTaskRoundTrip) {
  TaskSpec s;
  s.id = "t1";
  s.channel = "biz";
  s.name = "ping";
  s.command = "ping -c 1 'x y' | tee \"q\"";
  Result<TaskSpec> d = DecodeQueueItem(EncodeQueueItem(s));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, "t1");
  EXPECT_EQ(d->channel, "biz");
  EXPECT_EQ(d->name, "ping");
  EXPECT_EQ(d->command, s.command);
  EXPECT_TRUE(d->uses_shell());
  EXPECT_FALSE(d->args.has_value());
  EXPECT_EQ(d->timeout_s, 0);
  EXPECT_TRUE(d->env.empty());
  EXPECT_EQ(d->cwd, "");
  EXPECT_EQ(d->attempt, 1);
}

TEST(QueueItemTest, EmptyArgsStayAnArray) {
  TaskSpec s;
  s.id = "t2";
  s.channel = "c";
  s.name = s.command = "date";
  s.args = std::vector<std::string>();
  std::string item = EncodeQueueItem(s);
  EXPECT_TRUE(Contains(item, R"("args":[])")) << item;
  Result<TaskSpec> d = DecodeQueueItem(item);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->uses_shell());
  ASSERT_TRUE(d->args.has_value());
  EXPECT_TRUE(d->args->empty());
}

TEST(QueueItemTest, FullRoundTrip) {
  TaskSpec s;
  s.id = "job:42";
  s.channel = "media.encode";
  s.name = "encode \xc3\xa9t\xc3\xa9";
  s.command = "ffmpeg";
  s.args = std::vector<std::string>{"-i",          "in put.mov",  "",
                                    "\"quoted\"",  "back\\slash", "tab\there",
                                    "\xe2\x82\xac"};
  s.timeout_s = 90.25;
  s.env = {{"PATH_EXTRA", "/opt/bin"}, {"EMPTY", ""}, {"Q", "a=b c"}};
  s.cwd = "/var/tmp/work dir";
  s.attempt = 3;
  Result<TaskSpec> d = DecodeQueueItem(EncodeQueueItem(s));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, s.id);
  EXPECT_EQ(d->channel, s.channel);
  EXPECT_EQ(d->name, s.name);
  EXPECT_EQ(d->command, s.command);
  ASSERT_TRUE(d->args.has_value());
  EXPECT_EQ(*d->args, *s.args);
  EXPECT_DOUBLE_EQ(d->timeout_s, s.timeout_s);
  EXPECT_EQ(d->env, s.env);
  EXPECT_EQ(d->cwd, s.cwd);
  EXPECT_EQ(d->attempt, 3);
}

TEST(QueueItemTest, ProducerItemToQueueItemAndBack) {
  TaskSpec p =
      MustParse(R"({"id":"p1","command":"echo","args":["a b"],"chan":"x",)"
                R"("timeout":5,"env":{"K":"V"},"cwd":"/"})");
  Result<TaskSpec> d = DecodeQueueItem(EncodeQueueItem(p));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, "p1");
  EXPECT_EQ(d->channel, "x");
  EXPECT_EQ(d->command, "echo");
  EXPECT_EQ(*d->args, std::vector<std::string>{"a b"});
  EXPECT_EQ(d->name, "echo a b");
  EXPECT_DOUBLE_EQ(d->timeout_s, 5);
  EXPECT_EQ(d->env, p.env);
  EXPECT_EQ(d->cwd, "/");
}

TEST(QueueItemTest, RecoveryRaisedAttemptDecodes) {
  // The recovery script rewrites the prefix textually: {"a":1,... ->
  // {"a":2,...
  TaskSpec s;
  s.id = "r";
  s.channel = "c";
  s.name = s.command = "true";
  std::string item = EncodeQueueItem(s);
  ASSERT_EQ(item.rfind(R"({"a":1,)", 0), 0u);
  std::string again = R"({"a":2,)" + item.substr(7);
  Result<TaskSpec> d = DecodeQueueItem(again);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->attempt, 2);
  EXPECT_EQ(d->id, "r");
}

TEST(QueueItemTest, BadQueueItems) {
  for (const char* bad :
       {"", "garbage", "[]", "42", R"({"a":1})", R"({"a":1,"id":"x"})",
        R"({"a":1,"cmd":"true"})", R"({"id":"","cmd":"true"})",
        R"({"id":"x","cmd":""})", R"({"id":5,"cmd":"true"})"}) {
    Result<TaskSpec> d = DecodeQueueItem(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_TRUE(Contains(d.status().message(), "queue item"))
          << d.status().message();
    }
  }
}

// ---------------------------------------------------------------------------
// Task ids

TEST(TaskIdTest, NewIdsAreUniqueAndValid) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; i++) {
    std::string id = NewTaskId();
    ASSERT_TRUE(IsValidTaskId(id)) << id;
    ASSERT_GE(id.size(), 24u) << id;  // at least 96 random bits
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos)
        << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id;
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(TaskIdTest, Validity) {
  EXPECT_TRUE(IsValidTaskId("a"));
  EXPECT_TRUE(IsValidTaskId("A-z_0.9:x"));
  EXPECT_TRUE(IsValidTaskId(std::string(kMaxTaskIdLength, 'x')));
  EXPECT_FALSE(IsValidTaskId(""));
  EXPECT_FALSE(IsValidTaskId(std::string(kMaxTaskIdLength + 1, 'x')));
  for (const char* bad : {"a b", "a/b", "a*", "{a}", "a\nb", "\xc3\xa9"})
    EXPECT_FALSE(IsValidTaskId(bad)) << bad;
  EXPECT_FALSE(IsValidTaskId("a\0b"s));
}

// ---------------------------------------------------------------------------
// ToValidUtf8

const std::string kFffd = "\xef\xbf\xbd";

// Valid UTF-8 according to jansson, which rejects overlongs, surrogates and
// code points above U+10FFFF.
bool JanssonAccepts(const std::string& s) {
  JsonPtr j(json_stringn(s.data(), s.size()));
  return j != nullptr;
}

TEST(ToValidUtf8Test, ValidTextPassesUnchanged) {
  for (const std::string& s :
       {""s, "plain ascii"s, "nul\0inside"s, "\x7f"s, "caf\xc3\xa9"s,
        "\xc2\x80"s, "\xdf\xbf"s, "\xe0\xa0\x80"s, "\xe2\x82\xac"s,
        "\xed\x9f\xbf"s /* U+D7FF */, "\xee\x80\x80"s /* U+E000 */,
        "\xef\xbf\xbf"s, "\xf0\x90\x80\x80"s, "\xf0\x9f\x98\x80"s,
        "\xf4\x8f\xbf\xbf"s /* U+10FFFF */}) {
    EXPECT_EQ(ToValidUtf8(s), s);
  }
}

TEST(ToValidUtf8Test, StrayBytesBecomeReplacementCharacter) {
  EXPECT_EQ(ToValidUtf8("a\x80z"), "a" + kFffd + "z");
  EXPECT_EQ(ToValidUtf8("a\xbfz"), "a" + kFffd + "z");
  EXPECT_EQ(ToValidUtf8("a\xffz"), "a" + kFffd + "z");
  EXPECT_EQ(ToValidUtf8("a\xfez"), "a" + kFffd + "z");
  EXPECT_EQ(ToValidUtf8("\xf5\x80\x80\x80").find('\xf5'), std::string::npos);
}

TEST(ToValidUtf8Test, TruncatedSequencesAreReplaced) {
  std::string out = ToValidUtf8("ab\xe2\x82");
  EXPECT_EQ(out.substr(0, 2), "ab");
  EXPECT_TRUE(Contains(out, kFffd)) << out;
  EXPECT_TRUE(JanssonAccepts(out));
  EXPECT_EQ(ToValidUtf8("\xc3"), kFffd);
  EXPECT_EQ(ToValidUtf8("\xc3z"), kFffd + "z");
  out = ToValidUtf8("\xf0\x9f\x98z");
  EXPECT_TRUE(JanssonAccepts(out));
  EXPECT_EQ(out.back(), 'z');
  EXPECT_NE(out.find(kFffd), std::string::npos);
}

TEST(ToValidUtf8Test, OverlongsAreReplaced) {
  for (const std::string& bad :
       {"\xc0\xaf"s, "\xc1\xbf"s, "\xe0\x80\xaf"s, "\xe0\x9f\xbf"s,
        "\xf0\x80\x80\xaf"s, "\xf0\x8f\xbf\xbf"s, "\xc0\x80"s}) {
    std::string out = ToValidUtf8("<" + bad + ">");
    EXPECT_TRUE(JanssonAccepts(out));
    EXPECT_EQ(out.front(), '<');
    EXPECT_EQ(out.back(), '>');
    EXPECT_NE(out.find(kFffd), std::string::npos);
    // Only replacement characters between the brackets: no byte of the
    // overlong form survives (an overlong '/' must not become '/').
    std::string middle = out.substr(1, out.size() - 2);
    ASSERT_EQ(middle.size() % 3, 0u);
    for (size_t i = 0; i < middle.size(); i += 3)
      EXPECT_EQ(middle.substr(i, 3), kFffd);
  }
}

TEST(ToValidUtf8Test, SurrogatesAndBeyondU10ffffAreReplaced) {
  for (const std::string& bad :
       {"\xed\xa0\x80"s /* U+D800 */, "\xed\xbf\xbf"s /* U+DFFF */,
        "\xed\xa0\xbd\xed\xb8\x80"s /* CESU-8 pair */,
        "\xf4\x90\x80\x80"s /* U+110000 */, "\xf7\xbf\xbf\xbf"s}) {
    std::string out = ToValidUtf8(bad);
    EXPECT_TRUE(JanssonAccepts(out));
    ASSERT_EQ(out.size() % 3, 0u);
    for (size_t i = 0; i < out.size(); i += 3)
      EXPECT_EQ(out.substr(i, 3), kFffd);
  }
}

TEST(ToValidUtf8Test, RandomBytesAlwaysGiveValidUtf8) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
  for (int i = 0; i < 5000; i++) {
    std::string s(len(rng), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    std::string out = ToValidUtf8(s);
    ASSERT_TRUE(JanssonAccepts(out)) << "input #" << i;
    ASSERT_EQ(ToValidUtf8(out), out) << "not idempotent, input #" << i;
    // ASCII bytes are never swallowed.
    std::string ascii_in, ascii_out;
    for (char c : s)
      if (static_cast<unsigned char>(c) < 0x80) ascii_in += c;
    for (char c : out)
      if (static_cast<unsigned char>(c) < 0x80) ascii_out += c;
    ASSERT_EQ(ascii_out, ascii_in) << "input #" << i;
  }
}

TEST(ToValidUtf8Test, RandomValidTextUnchanged) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> cp(0, 0x10FFFF);
  for (int i = 0; i < 2000; i++) {
    std::string s;
    for (int k = 0; k < 10; k++) {
      uint32_t c = cp(rng);
      if (c >= 0xD800 && c <= 0xDFFF) c = 'x';
      if (c < 0x80) {
        s += static_cast<char>(c);
      } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        s += static_cast<char>(0xF0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    ASSERT_EQ(ToValidUtf8(s), s) << "input #" << i;
  }
}

TEST(JsonStringLossyTest, BinaryBecomesAJsonString) {
  JsonPtr j(JsonStringLossy("ok\xff\0end"s));
  ASSERT_NE(j, nullptr);
  std::string v(json_string_value(j.get()), json_string_length(j.get()));
  EXPECT_EQ(v, "ok" + kFffd + "\0end"s);
}

TEST(TaskCodecDelays, DelayRunAtRetryFields) {
  ProducerLimits limits;
  auto a = ParseProducerItem(
      R"({"task":"x","delay":1.5,"retry":3,"retry_on":[3,9]})", limits);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_DOUBLE_EQ(a->delay_s, 1.5);
  EXPECT_EQ(a->retry, 3);
  EXPECT_EQ(a->retry_on, (std::vector<int>{3, 9}));
  EXPECT_GT(DueInSeconds(a.value()), 1.4);
  a->id = "x1";
  auto back = DecodeQueueItem(EncodeQueueItem(a.value()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->retry, 3);
  EXPECT_EQ(back->retry_on, (std::vector<int>{3, 9}));
  auto past = ParseProducerItem(R"({"task":"x","run_at":1000})", limits);
  ASSERT_TRUE(past.ok());
  EXPECT_LE(DueInSeconds(past.value()), 0);
  for (const char* bad :
       {R"({"task":"x","delay":-1})", R"({"task":"x","delay":"1"})",
        R"({"task":"x","delay":40000000})", R"({"task":"x","run_at":-5})",
        R"({"task":"x","run_at":1e12})", R"({"task":"x","delay":1,"run_at":5})",
        R"({"task":"x","retry":101})", R"({"task":"x","retry":1.5})",
        R"({"task":"x","retry_on":3})", R"({"task":"x","retry_on":[0]})",
        R"({"task":"x","retry_on":[256]})"})
    EXPECT_FALSE(ParseProducerItem(bad, limits).ok()) << bad;
}

}  // namespace
}  // namespace coyotes

// ---------------------------------------------------------------------------
// Script tasks

namespace coyotes {
namespace {

TEST(ScriptTaskTest, InterpreterFromFieldShebangOrSh) {
  TaskSpec plain = MustParse(R"j({"script":"echo hi\n","args":["a"]})j");
  EXPECT_TRUE(plain.is_script());
  EXPECT_EQ(plain.command, "/bin/sh");
  EXPECT_EQ(plain.interpreter, "");
  ASSERT_TRUE(plain.args.has_value());
  EXPECT_EQ(*plain.args, std::vector<std::string>{"a"});
  EXPECT_FALSE(plain.uses_shell());
  EXPECT_EQ(plain.name, "script:echo hi");

  TaskSpec bang = MustParse(R"j({"script":"#!/usr/bin/env python3\nprint(1)"
})j");
  EXPECT_EQ(bang.command, "/usr/bin/env");
  EXPECT_EQ(bang.name, "script:print(1)");

  TaskSpec named =
      MustParse(R"j({"script":"#!/bin/sh\nx","interpreter":"bash"})j");
  EXPECT_EQ(named.command, "bash");
  EXPECT_EQ(named.interpreter, "bash");
}

TEST(ScriptTaskTest, BadCombinationsAreRefused) {
  for (const char* bad :
       {R"j({"script":"x","task":"y"})j", R"j({"script":"x","command":"y"})j",
        R"j({"task":"y","interpreter":"bash"})j",
        R"j({"script":"x","interpreter":"ba sh"})j", R"j({"script":7})j"}) {
    EXPECT_FALSE(ParseProducerItem(bad, Limits()).ok()) << bad;
  }
}

TEST(ScriptTaskTest, QueueItemKeepsScriptAndInterpreter) {
  TaskSpec s =
      MustParse(R"j({"id":"q","script":"echo \"q\"","interpreter":"dash"})j");
  auto back = DecodeQueueItem(EncodeQueueItem(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->script, "echo \"q\"");
  EXPECT_EQ(back->interpreter, "dash");
  EXPECT_EQ(back->command, "dash");
  EXPECT_TRUE(back->args.has_value());
}

TEST(ScriptTaskTest, Shebang) {
  EXPECT_FALSE(ParseShebang("echo").has_value());
  EXPECT_FALSE(ParseShebang("#!\n").has_value());
  auto a = ParseShebang("#!/bin/sh -e -u \r\nrest");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->program, "/bin/sh");
  EXPECT_EQ(a->arg, "-e -u");  // one argument, as the kernel passes it
  auto b = ParseShebang("#! /bin/bash");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->program, "/bin/bash");
  EXPECT_EQ(b->arg, "");
  EXPECT_EQ(ScriptTaskName("#!/bin/sh\n#!x\n\nls"), "script:");
  EXPECT_EQ(ScriptTaskName("#!/bin/sh"), "script:");
}

}  // namespace
}  // namespace coyotes
