// coyotesctl, the real binary, against the real daemon and a private
// redis-server: every command at least once, its output and its exit
// status (0 done, 1 refused, 2 usage, 69 unreachable, the task's own with
// push --wait and wait), --json parsed with jansson, bearer tokens, and
// the bash completion driven in a real bash.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "base/json_util.h"
#include "blackbox/bb_util.h"
#include "blackbox/ctl_runner.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

JsonPtr Json(const std::string& text) {
  json_error_t err;
  JsonPtr j(json_loads(text.c_str(), JSON_DECODE_ANY, &err));
  EXPECT_NE(j, nullptr) << "not JSON (" << err.text << "): " << text;
  return j;
}

std::string Str(const json_t* o, const char* key) {
  const char* s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

long long Int(const json_t* o, const char* key) {
  return json_integer_value(json_object_get(o, key));
}

// A loopback port on which nothing listens (bound, then closed).
int DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? buf : path;
}

class CtlTest : public BlackBox {
 protected:
  void StartWith(std::vector<std::string> flags) {
    d_ = StartDaemon(std::move(flags));
    url_ = "http://127.0.0.1:" + std::to_string(d_->http_port());
  }
  // coyotesctl --url URL ARGS..., to its end.
  CtlResult Run(std::vector<std::string> args,
                std::vector<std::string> env = {}, double timeout_s = 60) {
    return Spawn(std::move(args), std::move(env))->Finish(timeout_s);
  }
  // The same, not waited for.
  std::unique_ptr<CtlProcess> Spawn(std::vector<std::string> args,
                                    std::vector<std::string> env = {}) {
    if (!url_.empty()) args.insert(args.begin(), {"--url", url_});
    return std::make_unique<CtlProcess>(tmp_.path(), std::move(args),
                                        std::move(env));
  }
  // coyotesctl without --url (usage errors, the environment's URL).
  CtlResult Bare(std::vector<std::string> args,
                 std::vector<std::string> env = {}) {
    return CtlProcess(tmp_.path(), std::move(args), std::move(env)).Finish();
  }

  std::unique_ptr<Daemon> d_;
  std::string url_;
};

#define EXPECT_EXIT_IS(r, code) \
  EXPECT_EQ((r).exit, code) << "stdout: " << (r).out << "\nstderr: " << (r).err

class CtlPush : public CtlTest {
 protected:
  void SetUp() override {
    CtlTest::SetUp();
    StartWith({"--concurrent=2"});
  }
};

TEST_F(CtlPush, ProgramShellAndScriptTasks) {
  // A program without a shell: its words reach it unchanged.
  CtlResult r =
      Run({"push", "--id", "p1", "--", "printf", "%s-%s\\n", "a b", "$HOME"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "p1\n");
  r = Run({"wait", "p1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "a b-$HOME\n");
  r = Run({"--json", "show", "p1"});
  EXPECT_EXIT_IS(r, 0);
  JsonPtr rec = Json(r.out);
  EXPECT_EQ(Str(rec.get(), "command"), "printf");
  EXPECT_EQ(json_array_size(json_object_get(rec.get(), "args")), 3u);
  EXPECT_EQ(Str(rec.get(), "channel"), "default");
  EXPECT_EQ(Str(rec.get(), "state"), "succeeded");

  // A shell command, with -c, --env and --cwd.
  r = Run({"push", "-c", "ci", "--id", "p2", "--env", "GREETING=hi there",
           "--env", "OTHER=1", "--cwd", tmp_.path(), "--shell",
           "echo \"$GREETING/$OTHER\"; pwd -P"});
  EXPECT_EXIT_IS(r, 0);
  r = Run({"wait", "p2"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "hi there/1\n" + RealPath(tmp_.path()) + "\n");
  EXPECT_EQ(Field("p2", "channel"), "ci");

  // A script from a file, with its arguments.
  const std::string script = tmp_ / "job.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"script:$1:$2\"\n";
  r = Run({"push", "--id", "p3", "--script", script, "--", "x", "y z"});
  EXPECT_EXIT_IS(r, 0);
  r = Run({"wait", "p3"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "script:x:y z\n");

  // --json: the API's data; without --id the daemon names the task.
  r = Run({"--json", "push", "--", "true"});
  EXPECT_EXIT_IS(r, 0);
  JsonPtr data = Json(r.out);
  EXPECT_TRUE(json_is_true(json_object_get(data.get(), "result")));
  EXPECT_FALSE(Str(data.get(), "task_id").empty());

  // A second task with an id still queued or running: the daemon refuses.
  ASSERT_EQ(Run({"push", "--id", "dup", "--", "sleep", "30"}).exit, 0);
  r = Run({"push", "--id", "dup", "--", "true"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "409")) << r.err;
  EXPECT_EQ(Run({"cancel", "dup"}).exit, 0);
}

TEST_F(CtlPush, WaitEndsAsTheTaskEnded) {
  CtlResult r = Run(
      {"push", "--wait", "--", "sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EXIT_IS(r, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");

  r = Run({"push", "--wait", "--shell", "echo done"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "done\n");
  // The output as the task wrote it, NUL bytes included.
  r = Run({"push", "--wait", "--", "printf", "a\\000b\\n"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, std::string("a\0b\n", 4));

  // Ended by a signal: 128 + its number, as a shell reports it.
  r = Run({"push", "--wait", "--", "sh", "-c", "kill -KILL $$"});
  EXPECT_EXIT_IS(r, 128 + SIGKILL);
  r = Run({"push", "--wait", "--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EXIT_IS(r, 128 + SIGTERM);

  // --json: the final record, and still the task's status.
  r = Run({"--json", "push", "--wait", "--", "sh", "-c", "exit 3"});
  EXPECT_EXIT_IS(r, 3);
  JsonPtr rec = Json(r.out);
  EXPECT_EQ(Int(rec.get(), "exit_code"), 3);
  EXPECT_EQ(Str(rec.get(), "state"), "failed");

  // Never ran (the program does not exist): 1.
  r = Run({"push", "--wait", "--", "/no/such/program"});
  EXPECT_EXIT_IS(r, 1);
}

TEST_F(CtlPush, CancelledWhileWaitedForEndsWithOne) {
  auto waiter = Spawn({"push", "--wait", "--id", "c1", "--", "sleep", "60"});
  ASSERT_TRUE(WaitState("c1", "running"));
  CtlResult r = Run({"cancel", "c1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "c1: stopping (SIGTERM, then SIGKILL)\n");
  CtlResult w = waiter->Finish(30);
  EXPECT_EXIT_IS(w, 1);
  EXPECT_EQ(Field("c1", "state"), "cancelled");
  // wait on a task that has ended answers at once, the same way.
  r = Run({"wait", "c1"});
  EXPECT_EXIT_IS(r, 1);
  // A finished task cannot be cancelled: the daemon refuses.
  r = Run({"cancel", "c1"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "already finished")) << r.err;
}

TEST_F(CtlPush, DelayAtAndTheDelayedList) {
  CtlResult r = Run({"push", "--id", "d1", "--delay", "600", "--", "true"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "d1\n");
  EXPECT_EQ(Field("d1", "state"), "delayed");

  // --at as Unix seconds and as ISO-8601 in UTC, an hour and two ahead.
  const long long now = static_cast<long long>(std::time(nullptr));
  r = Run(
      {"push", "--id", "d2", "--at", std::to_string(now + 3600), "--", "true"});
  EXPECT_EXIT_IS(r, 0);
  const std::time_t later = static_cast<std::time_t>(now + 7200);
  std::tm tm{};
  gmtime_r(&later, &tm);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r = Run({"push", "--id", "d3", "--at", iso, "--", "true"});
  EXPECT_EXIT_IS(r, 0);
  r = Run({"--json", "show", "d2"});
  EXPECT_NEAR(Int(Json(r.out).get(), "due_at") / 1000.0, now + 3600.0, 5);
  r = Run({"--json", "show", "d3"});
  EXPECT_NEAR(Int(Json(r.out).get(), "due_at") / 1000.0, now + 7200.0, 5);

  r = Run({"delayed"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "ID") && Has(r.out, "DUE")) << r.out;
  EXPECT_TRUE(Has(r.out, "d1") && Has(r.out, "d2") && Has(r.out, "d3"))
      << r.out;
  r = Run({"--json", "delayed", "--limit", "1"});
  EXPECT_EXIT_IS(r, 0);
  JsonPtr d = Json(r.out);
  EXPECT_EQ(Int(d.get(), "count"), 3);
  EXPECT_EQ(json_array_size(json_object_get(d.get(), "tasks")), 1u);
  EXPECT_EQ(
      Str(json_array_get(json_object_get(d.get(), "tasks"), 0), "task_id"),
      "d1");

  r = Run({"cancel", "d1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "d1: cancelled\n");
  EXPECT_EQ(Field("d1", "state"), "cancelled");

  // Further ahead than the daemon takes: refused by it.
  r = Run({"push", "--at", "2099-01-01T00:00:00Z", "--", "true"});
  EXPECT_EXIT_IS(r, 1);
}

class CtlRead : public CtlPush {};

TEST_F(CtlRead, StatusChannelsTasksPauseResume) {
  CtlResult r = Run({"status"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "state:") && Has(r.out, "running")) << r.out;
  EXPECT_TRUE(Has(r.out, "(connected)")) << r.out;
  EXPECT_TRUE(Has(r.out, "CHANNEL") && Has(r.out, "default")) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no colour off a tty";
  r = Run({"--json", "status"});
  JsonPtr st = Json(r.out);
  EXPECT_EQ(Str(st.get(), "state"), "running");
  EXPECT_TRUE(json_is_array(json_object_get(st.get(), "workers")));

  ASSERT_EQ(Run({"push", "-c", "ci", "--id", "r1", "--", "sleep", "60"}).exit,
            0);
  ASSERT_TRUE(WaitState("r1", "running"));
  r = Run({"channels"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "CHANNEL") && Has(r.out, "WORKERS")) << r.out;
  EXPECT_TRUE(Has(r.out, "\nci ")) << r.out;
  r = Run({"--json", "channels"});
  JsonPtr chans = Json(r.out);
  EXPECT_EQ(Int(json_object_get(chans.get(), "ci"), "count"), 1);

  r = Run({"channel", "ci"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "workers:") && Has(r.out, "paused:")) << r.out;
  EXPECT_TRUE(Has(r.out, "r1") && Has(r.out, "running")) << r.out;
  r = Run({"channel", "no-such-channel"});
  EXPECT_EXIT_IS(r, 1);

  r = Run({"tasks", "ci"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "r1  running  sleep 60")) << r.out;
  r = Run({"--json", "tasks", "ci"});
  JsonPtr tasks = Json(r.out);
  EXPECT_EQ(Str(json_array_get(tasks.get(), 0), "task_id"), "r1");

  // Paused: a new task waits in the queue until resume.
  r = Run({"pause", "ci"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "ci: paused\n");
  r = Run({"--json", "channel", "ci"});
  EXPECT_TRUE(json_is_true(json_object_get(Json(r.out).get(), "paused")));
  ASSERT_EQ(Run({"push", "-c", "ci", "--id", "r2", "--", "true"}).exit, 0);
  ASSERT_EQ(Run({"cancel", "r1"}).exit, 0);
  ASSERT_TRUE(WaitState("r1", "cancelled"));
  r = Run({"tasks", "ci"});
  EXPECT_TRUE(Has(r.out, "r2  queued")) << r.out;
  EXPECT_EQ(Field("r2", "state"), "queued");
  r = Run({"resume", "ci"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "ci: resumed\n");
  r = Run({"wait", "r2"});
  EXPECT_EXIT_IS(r, 0);
}

TEST_F(CtlRead, ShowEscapesWhatATaskSays) {
  ASSERT_EQ(Run({"push", "--id", "e1", "--", "printf",
                 "\\033]0;owned\\007\\033[2Jline\\n"})
                .exit,
            0);
  ASSERT_EQ(Run({"wait", "e1"}).exit, 0);
  CtlResult r = Run({"show", "e1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_TRUE(Has(r.out, "\\x1b]0;owned\\x07\\x1b[2Jline\\n")) << r.out;
  EXPECT_TRUE(Has(r.out, "ATTEMPT")) << "the history table: " << r.out;
  // wait and logs give the output as it is: it is what was asked for.
  r = Run({"wait", "e1"});
  EXPECT_EQ(r.out, "\x1b]0;owned\x07\x1b[2Jline\n");
}

class CtlFailed : public CtlPush {};

TEST_F(CtlFailed, FailedRetryAndForget) {
  ASSERT_EQ(Run({"push", "-c", "f", "--id", "f1", "--", "false"}).exit, 0);
  ASSERT_EQ(
      Run({"push", "-c", "f", "--id", "f2", "--", "sh", "-c", "exit 4"}).exit,
      0);
  EXPECT_EQ(Run({"wait", "f1"}).exit, 1);
  EXPECT_EQ(Run({"wait", "f2"}).exit, 4);

  CtlResult r = Run({"failed", "f"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "REASON")) << r.out;
  EXPECT_TRUE(Has(r.out, "f1") && Has(r.out, "exit: exited 1")) << r.out;
  EXPECT_TRUE(Has(r.out, "f2") && Has(r.out, "exit: exited 4")) << r.out;
  r = Run({"--json", "failed", "f"});
  EXPECT_EQ(Int(Json(r.out).get(), "count"), 2);

  r = Run({"retry", "f", "f1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "f1: queued again\n");
  EXPECT_EQ(Run({"wait", "f1"}).exit, 1);
  EXPECT_EQ(Field("f1", "state"), "failed");

  r = Run({"retry", "f", "--all"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "2 queued again\n");
  EXPECT_EQ(Run({"wait", "f1"}).exit, 1);
  EXPECT_EQ(Run({"wait", "f2"}).exit, 4);

  r = Run({"forget", "f", "f1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "f1: forgotten\n");
  r = Run({"show", "f1"});
  EXPECT_EXIT_IS(r, 1);
  r = Run({"forget", "f", "f1"});
  EXPECT_EXIT_IS(r, 1);
  r = Run({"retry", "f", "nope"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_EQ(Run({"retry", "f"}).exit, 2);
  EXPECT_EQ(Run({"forget", "f"}).exit, 2);
}

class CtlSchedule : public CtlPush {};

TEST_F(CtlSchedule, AddListRemove) {
  CtlResult r = Run({"schedule", "add", "nightly", "30 2 * * *", "--tz",
                     "Europe/Berlin", "-c", "ci", "--", "echo", "hi"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out.rfind("nightly: saved, next ", 0), 0u) << r.out;
  r = Run({"schedule", "add", "hourly", "@hourly", "--overlap", "skip",
           "--shell", "echo x | wc -c"});
  EXPECT_EXIT_IS(r, 0);

  r = Run({"schedules"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "NAME") && Has(r.out, "NEXT")) << r.out;
  EXPECT_TRUE(Has(r.out, "nightly") && Has(r.out, "Europe/Berlin") &&
              Has(r.out, "echo hi"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "hourly") && Has(r.out, "echo x | wc -c")) << r.out;
  r = Run({"--json", "schedules"});
  JsonPtr s = Json(r.out);
  EXPECT_EQ(Int(s.get(), "count"), 2);
  const json_t* first =
      json_array_get(json_object_get(s.get(), "schedules"), 1);
  EXPECT_EQ(Str(first, "name"), "nightly");
  EXPECT_EQ(Str(first, "channel"), "ci");
  EXPECT_EQ(
      Str(json_array_get(json_object_get(s.get(), "schedules"), 0), "overlap"),
      "skip");

  r = Run({"schedule", "rm", "nightly"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "nightly: deleted\n");
  EXPECT_EQ(Run({"schedule", "rm", "nightly"}).exit, 1);
  r = Run({"schedule", "add", "bad", "not a cron", "--", "true"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "400")) << r.err;
  EXPECT_EQ(Run({"schedule", "add", "x", "@hourly"}).exit, 2);
  EXPECT_EQ(Run({"schedule", "frob"}).exit, 2);
}

class CtlDaemon : public CtlPush {};

TEST_F(CtlDaemon, DeadLettersAndMetrics) {
  PushRaw("nope");
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:dead-letters") == 1; }, 10));
  CtlResult r = Run({"dead-letters"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "REASON") && Has(r.out, "not JSON")) << r.out;
  EXPECT_TRUE(Has(r.out, "nope")) << r.out;
  r = Run({"--json", "dead-letters"});
  JsonPtr d = Json(r.out);
  EXPECT_EQ(Int(d.get(), "count"), 1);
  EXPECT_EQ(
      Str(json_array_get(json_object_get(d.get(), "items"), 0), "payload"),
      "nope");
  r = Run({"dead-letters", "--clear"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "dead letters cleared\n");
  EXPECT_EQ(conn_->LLen("coyotes:dead-letters"), 0);
  r = Run({"--json", "dead-letters"});
  EXPECT_EQ(Int(Json(r.out).get(), "count"), 0);

  r = Run({"metrics"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "# TYPE coyotes_")) << r.out.substr(0, 500);
}

class CtlLogs : public CtlPush {};

// These need GET /tasks/{id}/output (and ?follow=1) in the daemon.
TEST_F(CtlLogs, OutputOfAFinishedTask) {
  ASSERT_EQ(
      Run({"push", "--id", "l1", "--", "sh", "-c", "echo out; echo err >&2"})
          .exit,
      0);
  ASSERT_EQ(Run({"wait", "l1"}).exit, 0);
  CtlResult r = Run({"logs", "l1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  r = Run({"--json", "logs", "l1"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(Str(Json(r.out).get(), "stdout"), "out\n");
  r = Run({"logs", "nope"});
  EXPECT_EXIT_IS(r, 1);
}

TEST_F(CtlLogs, FollowPrintsTheOutputAsItComes) {
  const std::string go = tmp_ / "go";
  // The task ends once `go` exists: made at the end whatever happens, so
  // that no task outlives the test.
  struct Release {
    std::string path;
    ~Release() { std::ofstream(path) << ""; }
  } release{go};
  ASSERT_EQ(Run({"push", "--id", "l2", "--shell",
                 "echo first; while [ ! -e " + go +
                     " ]; do sleep 0.05; done; echo second >&2"})
                .exit,
            0);
  auto follower = Spawn({"logs", "-f", "l2"});
  // "first" shows while the task still runs: it is streamed, not read
  // from the record at the end.
  ASSERT_TRUE(WaitFor(
      [&] { return follower->out() == "first\n" || follower->Done(); }, 20));
  ASSERT_EQ(follower->out(), "first\n") << follower->out() << follower->err();
  EXPECT_EQ(Field("l2", "state"), "running");
  std::ofstream(go) << "";
  CtlResult r = follower->Finish(30);
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out, "first\n");
  EXPECT_EQ(r.err, "second\n");

  // --json: the ndjson lines as they are, the end line last.
  ASSERT_EQ(Run({"push", "--id", "l3", "--", "echo", "hello"}).exit, 0);
  r = Run({"--json", "logs", "-f", "l3"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "\"stream\"")) << r.out;
  const size_t last = r.out.rfind('\n', r.out.size() - 2);
  JsonPtr end = Json(r.out.substr(last == std::string::npos ? 0 : last + 1));
  EXPECT_EQ(Str(end.get(), "state"), "succeeded");
}

class CtlErrors : public CtlTest {};

TEST_F(CtlErrors, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"bogus"},
      {"--nope", "status"},
      {"--url", "ftp://example.org", "status"},
      {"--url", "http://127.0.0.1:1/x?y=1", "status"},
      {"push"},
      {"push", "--shell", "true", "--", "echo"},
      {"push", "--delay", "soon", "--", "true"},
      {"push", "--delay", "1", "--at", "5", "--", "true"},
      {"push", "--at", "tomorrow", "--", "true"},
      {"push", "--retry", "x", "--", "true"},
      {"push", "--env", "NOEQUALS", "--", "true"},
      {"push", "--script", "/no/such/file"},
      {"show"},
      {"show", "a", "b"},
      {"logs", "--nope", "x"},
      {"retry", "ch"},
      {"schedule"},
      {"status", "extra"},
  };
  for (const auto& args : bad) {
    CtlResult r = Bare(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.exit, 2) << line << "\n" << r.err;
    EXPECT_TRUE(Has(r.err, "coyotesctl: ")) << line << r.err;
    EXPECT_TRUE(Has(r.err, "Try 'coyotesctl ")) << line << r.err;
    EXPECT_TRUE(r.out.empty()) << line << r.out;
  }
}

TEST_F(CtlErrors, HelpAndVersion) {
  CtlResult r = Bare({"--help"});
  EXPECT_EXIT_IS(r, 0);
  for (const char* c :
       {"push",      "status",       "channels",    "channel",      "tasks",
        "show",      "wait",         "logs",        "cancel",       "failed",
        "retry",     "forget",       "pause",       "resume",       "delayed",
        "schedules", "schedule add", "schedule rm", "dead-letters", "metrics",
        "--url",     "--token-file", "--json"})
    EXPECT_TRUE(Has(r.out, c)) << c;
  r = Bare({"help", "push"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "--callback") && Has(r.out, "--wait")) << r.out;
  r = Bare({"logs", "--help"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_TRUE(Has(r.out, "--follow")) << r.out;
  r = Bare({"--version"});
  EXPECT_EXIT_IS(r, 0);
  EXPECT_EQ(r.out.rfind("coyotesctl ", 0), 0u) << r.out;
  EXPECT_EQ(Bare({"help", "nope"}).exit, 2);
}

TEST_F(CtlErrors, UnreachableDaemonExits69) {
  const std::string url = "http://127.0.0.1:" + std::to_string(DeadPort());
  CtlResult r = Bare({"--url", url, "status"});
  EXPECT_EXIT_IS(r, 69);
  EXPECT_TRUE(Has(r.err, url)) << r.err;
  r = Bare({"push", "--", "true"}, {"COYOTES_URL=" + url});
  EXPECT_EXIT_IS(r, 69);
  EXPECT_TRUE(Has(r.err, url)) << r.err;
  // An HTTP server that is not the daemon is still a daemon that says
  // no: Redis's port answers no HTTP at all, which is unreachable.
  r = Bare({"--url", "http://127.0.0.1:" + std::to_string(redis_->port()),
            "status"});
  EXPECT_EXIT_IS(r, 69);
}

TEST_F(CtlErrors, RefusalsExitOne) {
  StartWith({"--concurrent=1"});
  CtlResult r = Run({"show", "no-such-task"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "no task no-such-task") && Has(r.err, "404")) << r.err;
  EXPECT_TRUE(r.out.empty());
  r = Run({"--json", "show", "no-such-task"});
  EXPECT_EXIT_IS(r, 1);
  r = Run({"wait", "no-such-task"});
  EXPECT_EXIT_IS(r, 1);
  r = Run({"push", "-c", "bad/name", "--", "true"});
  EXPECT_EXIT_IS(r, 1);
}

class CtlAuth : public CtlTest {};

TEST_F(CtlAuth, TokenFromFileOrEnvironment) {
  const std::string tokens = tmp_ / "tokens";
  std::ofstream(tokens) << "write-token-0123456789\nread-token-0123456789 "
                           "read\n";
  ASSERT_EQ(chmod(tokens.c_str(), 0600), 0);
  StartWith({"--concurrent=1", "--http-token-file=" + tokens});

  CtlResult r = Run({"status"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "401")) << r.err;

  const std::string mine = tmp_ / "my-token";
  std::ofstream(mine) << "write-token-0123456789\n";
  ASSERT_EQ(chmod(mine.c_str(), 0600), 0);
  r = Run({"--token-file", mine, "status"});
  EXPECT_EXIT_IS(r, 0);
  r = Run({"--token-file", mine, "push", "--id", "a1", "--", "true"});
  EXPECT_EXIT_IS(r, 0);

  r = Run({"wait", "a1"}, {"COYOTES_TOKEN=write-token-0123456789"});
  EXPECT_EXIT_IS(r, 0);
  // A read token reads and may not write.
  r = Run({"show", "a1"}, {"COYOTES_TOKEN=read-token-0123456789"});
  EXPECT_EXIT_IS(r, 0);
  r = Run({"push", "--", "true"}, {"COYOTES_TOKEN=read-token-0123456789"});
  EXPECT_EXIT_IS(r, 1);
  EXPECT_TRUE(Has(r.err, "403")) << r.err;

  // A token file others may read is refused before anything is sent, and
  // so is a token with a line break (it would add a header).
  ASSERT_EQ(chmod(mine.c_str(), 0644), 0);
  EXPECT_EQ(Run({"--token-file", mine, "status"}).exit, 2);
  EXPECT_EQ(Run({"status"}, {"COYOTES_TOKEN=a\r\nX-Evil: 1"}).exit, 2);
}

class CtlCompletion : public CtlTest {
 protected:
  // Runs `script` in bash after sourcing the completion, with coyotesctl
  // on PATH; returns its stdout.
  std::string Bash(const std::string& script,
                   const std::vector<std::string>& env = {}) {
    const std::string dir =
        std::string(kCtlBinary).substr(0, std::string(kCtlBinary).rfind('/'));
    const std::string file = tmp_ / "completion-test.sh";
    std::ofstream(file) << "set -u\nPATH=" << dir << ":$PATH\n"
                        << "source '" << kCoyotesSrcDir
                        << "/contrib/coyotesctl.bash-completion'\n"
                        << script;
    CtlResult r = CtlProcess(tmp_.path(), {"--norc", "--noprofile", file}, env,
                             "/bin/bash")
                      .Finish(30);
    EXPECT_EQ(r.exit, 0) << r.out << r.err;
    EXPECT_EQ(r.err, "") << "the completion is quiet";
    return r.out;
  }
  // The words completed for the command line `words`, the last being
  // the one completed.
  std::string Complete(const std::string& words,
                       const std::vector<std::string>& env = {}) {
    return Bash("COMP_WORDS=(" + words +
                    ")\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                    "COMP_LINE=\"${COMP_WORDS[*]}\"\n_coyotesctl\n"
                    "if ((${#COMPREPLY[@]})); then\n"
                    "  printf '%s\\n' \"${COMPREPLY[@]}\" | sort\n"
                    "fi\n",
                env);
  }
};

TEST_F(CtlCompletion, CommandsOptionsAndChannels) {
  EXPECT_TRUE(Has(Bash("complete -p coyotesctl\n"), "-F _coyotesctl"));
  EXPECT_EQ(Complete("coyotesctl pu"), "push\n");
  EXPECT_EQ(Complete("coyotesctl sche"), "schedule\nschedules\n");
  EXPECT_EQ(Complete("coyotesctl --json de"), "dead-letters\ndelayed\n");
  EXPECT_EQ(Complete("coyotesctl --to"), "--token-file\n");
  EXPECT_EQ(Complete("coyotesctl push --c"), "--callback\n--channel\n--cwd\n");
  EXPECT_EQ(Complete("coyotesctl logs -"), "--follow\n-f\n");
  EXPECT_EQ(Complete("coyotesctl schedule ''"), "add\nrm\n");

  // Channel names come from the daemon when it answers, and quietly
  // nothing when it does not.
  const std::string dead =
      "COYOTES_URL=http://127.0.0.1:" + std::to_string(DeadPort());
  EXPECT_EQ(Complete("coyotesctl tasks ''", {dead}), "");
  StartWith({"--concurrent=1"});
  ASSERT_EQ(Run({"push", "-c", "ci-builds", "--", "true"}).exit, 0);
  EXPECT_EQ(Complete("coyotesctl --url " + url_ + " tasks ci"), "ci-builds\n");
  EXPECT_EQ(Complete("coyotesctl push -c c", {"COYOTES_URL=" + url_}),
            "ci-builds\n");
}

}  // namespace
}  // namespace coyotes::testing
