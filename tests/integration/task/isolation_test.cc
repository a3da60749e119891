// Integration tests of isolation (src/task/isolation.h) through RunTask,
// with real processes: each resource limit bites and is reported as such,
// a limit that cannot be set stops the spawn, and each namespace holds
// (net, tmp, pid), with timeouts and cancels still prompt under our PID 1.
// Tasks that must run as another user than root (no_new_privs, the user
// namespace of a daemon that is not root) run in a forked helper that
// drops to nobody and calls RunTask there.
//
// A test that needs a kernel feature skips, saying so, only when the
// kernel refuses that feature (IsolationAvailable); as root on a usual
// kernel everything runs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "store/redis_store.h"
#include "support/wait.h"
#include "task/isolation.h"
#include "task/task_executor.h"

namespace coyotes {
namespace {

using namespace coyotes::testing;
using Kind = TaskOutcome::Kind;
using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class Observer : public ExecObserver {
 public:
  std::vector<int> WatchFds() override { return {}; }
  void OnReadable(int) override {}
  void OnTick() override {}
  double tick_s() const override { return 0.05; }
  StopReason stop_requested() const override {
    return pid > 0 ? stop_after_spawn : StopReason::kNone;
  }
  void OnSpawned(pid_t p) override { pid = p; }

  StopReason stop_after_spawn = StopReason::kNone;
  pid_t pid = -1;
};

TaskSpec Shell(const std::string& command) {
  TaskSpec s;
  s.id = "isolation-test";
  s.channel = "default";
  s.name = s.command = command;
  return s;
}

TaskSpec Argv(const std::string& program, std::vector<std::string> args) {
  TaskSpec s = Shell(program);
  s.args = std::move(args);
  return s;
}

ExecLimits With(const Isolation& isolation, double timeout_s = 30) {
  ExecLimits l;
  l.timeout_s = timeout_s;
  l.kill_grace_s = 1;
  l.pipe_grace_s = 1;
  l.isolation = isolation;
  return l;
}

Isolation Limits(ResourceLimits limits) {
  Isolation i;
  i.limits = limits;
  return i;
}

Isolation Namespaces(unsigned isolate) {
  Isolation i;
  i.isolate = isolate;
  return i;
}

TaskOutcome RunIt(const TaskSpec& spec, const ExecLimits& limits,
                  Observer* observer = nullptr) {
  Observer local;
  return RunTask(spec, {}, limits, observer ? observer : &local);
}

// The record's reason, as the store writes it.
std::string Reason(const TaskOutcome& o) {
  for (const auto& [k, v] : OutcomeFields(o))
    if (k == "reason") return v;
  return "";
}

std::string Describe(const TaskOutcome& o) {
  return "detail: " + o.detail + "\nstdout: " + o.stdout_tail +
         "\nstderr: " + o.stderr_tail;
}

// Skips the test when the kernel refuses what `isolate` needs.
#define SKIP_UNLESS_AVAILABLE(isolate)                               \
  do {                                                               \
    Status available = IsolationAvailable(isolate);                  \
    if (!available.ok())                                             \
      GTEST_SKIP() << "the kernel refuses " << IsolateNames(isolate) \
                   << " isolation here: " << available.ToString();   \
  } while (0)

// Whether a process whose command line holds `arg` exists.
bool ProcessWithArg(const std::string& arg) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(f)),
                        std::istreambuf_iterator<char>());
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (Contains(cmdline, arg)) return true;
  }
  return false;
}

// What a task run by the nobody helper gave.
struct HelperOutcome {
  int kind = -1, exit_code = -1, signal = 0;
  std::string detail, stdout_tail;
};

// Runs `spec` in a forked child that first calls `become` (which returns
// false when it failed).
HelperOutcome RunInHelper(bool (*become)(), const TaskSpec& spec,
                          const ExecLimits& limits) {
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  pid_t child = fork();
  if (child == 0) {
    r.reset();
    if (!become()) _exit(90);
    TaskOutcome o = RunIt(spec, limits);
    std::string msg = std::to_string(static_cast<int>(o.kind)) + "\n" +
                      std::to_string(o.exit_code) + "\n" +
                      std::to_string(o.signal) + "\n" + o.detail + "\n" +
                      o.stdout_tail;
    size_t done = 0;
    while (done < msg.size()) {
      ssize_t n = write(w.get(), msg.data() + done, msg.size() - done);
      if (n <= 0) _exit(91);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  w.reset();
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(r.get(), buf, sizeof(buf))) > 0) msg.append(buf, n);
  int status = -1;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "helper status " << status;
  HelperOutcome h;
  std::vector<std::string> lines;
  size_t pos = 0;
  for (int i = 0; i < 4; i++) {
    size_t nl = msg.find('\n', pos);
    if (nl == std::string::npos) return h;
    lines.push_back(msg.substr(pos, nl - pos));
    pos = nl + 1;
  }
  h.kind = std::stoi(lines[0]);
  h.exit_code = std::stoi(lines[1]);
  h.signal = std::stoi(lines[2]);
  h.detail = lines[3];
  h.stdout_tail = msg.substr(pos);
  return h;
}

// Drops to nobody (uid and gid 65534, no supplementary groups), as a
// daemon started as nobody would be.
bool BecomeNobody() {
  return chdir("/") == 0 && setgroups(0, nullptr) == 0 &&
         setgid(kNobody) == 0 && setuid(kNobody) == 0;
}

HelperOutcome RunAsNobody(const TaskSpec& spec, const ExecLimits& limits) {
  return RunInHelper(BecomeNobody, spec, limits);
}

// Enters a user namespace without maps: our uid there is the overflow uid,
// which the kernel will not map into a namespace of ours. So a host that
// refuses the namespaces is at hand without changing the host.
bool EnterUnmappedUserNamespace() { return unshare(CLONE_NEWUSER) == 0; }

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "these tests run as root";
    std::string templ = "/tmp/coyotes-isolation-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    dir_ = templ;
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
};

// ---- limits ----

TEST_F(IsolationTest, CpuLimitEndsABusyLoopWithSigxcpu) {
  ResourceLimits l;
  l.cpu = 1;
  auto t0 = Clock::now();
  TaskOutcome o = RunIt(Shell("while :; do :; done"), With(Limits(l)));
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(o.kind, Kind::kCpuLimit) << Describe(o);
  EXPECT_EQ(o.signal, SIGXCPU);
  EXPECT_FALSE(o.succeeded());
  EXPECT_EQ(Reason(o), "cpu limit");
  EXPECT_LT(took, 5.0);
}

TEST_F(IsolationTest, CpuHardLimitKillsATaskThatIgnoresSigxcpu) {
  ResourceLimits l;
  l.cpu = 1;
  TaskOutcome o =
      RunIt(Shell("trap '' XCPU; while :; do :; done"), With(Limits(l)));
  EXPECT_EQ(o.kind, Kind::kCpuLimit) << Describe(o);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_EQ(Reason(o), "cpu limit");
}

TEST_F(IsolationTest, FileSizeLimitStopsTheWriter) {
  ResourceLimits l;
  l.fsize = 1 << 20;
  std::string file = dir_ + "/big";
  TaskOutcome o =
      RunIt(Shell("exec head -c 3000000 /dev/zero > " + file), With(Limits(l)));
  EXPECT_EQ(o.kind, Kind::kFileSizeLimit) << Describe(o);
  EXPECT_EQ(o.signal, SIGXFSZ);
  EXPECT_EQ(Reason(o), "file size limit");
  EXPECT_EQ(std::filesystem::file_size(file), 1u << 20);
}

TEST_F(IsolationTest, NofileLimitsOpenDescriptors) {
  const std::string opener =
      "for fd in 3 4 5 6 7 8 9; do eval \"exec $fd</dev/null\" || exit 3; "
      "done; echo opened";
  ResourceLimits l;
  l.nofile = 6;
  TaskOutcome o = RunIt(Shell(opener), With(Limits(l)));
  EXPECT_EQ(o.kind, Kind::kExited) << Describe(o);
  EXPECT_NE(o.exit_code, 0);
  EXPECT_EQ(o.stdout_tail, "");
  l.nofile = 16;
  o = RunIt(Shell(opener), With(Limits(l)));
  EXPECT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_EQ(o.stdout_tail, "opened\n");
}

TEST_F(IsolationTest, MemoryLimitFailsAnAllocationAboveIt) {
  // sh keeps a command substitution's output in memory: 64 MB of it does
  // not fit in 32 MB of address space.
  const std::string hog =
      "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo ${#x}";
  ResourceLimits l;
  l.memory = 32 << 20;
  TaskOutcome o = RunIt(Shell(hog), With(Limits(l)));
  EXPECT_FALSE(o.succeeded()) << Describe(o);
  EXPECT_NE(o.stdout_tail, "64000000\n");
  o = RunIt(Shell(hog), With(Isolation()));
  EXPECT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_EQ(o.stdout_tail, "64000000\n");
}

TEST_F(IsolationTest, ALimitThatCannotBeSetStopsTheSpawn) {
  // Above fs.nr_open not even root may raise RLIMIT_NOFILE: never run
  // with a looser limit than asked.
  ResourceLimits l;
  l.nofile = int64_t{1} << 40;
  TaskOutcome o = RunIt(Shell("echo ran"), With(Limits(l)));
  EXPECT_EQ(o.kind, Kind::kSpawnFailed) << Describe(o);
  EXPECT_EQ(o.detail, "setrlimit(nofile): Operation not permitted");
  EXPECT_EQ(o.stdout_tail, "");
  EXPECT_EQ(Reason(o), "spawn: setrlimit(nofile): Operation not permitted");
}

TEST_F(IsolationTest, CoreZeroAndLimitsInsideNamespaces) {
  SKIP_UNLESS_AVAILABLE(kIsolatePid | kIsolateNet | kIsolateTmp);
  ResourceLimits l;
  l.core = 0;
  l.nofile = 50;
  Isolation i = Namespaces(kIsolatePid | kIsolateNet | kIsolateTmp);
  i.limits = l;
  TaskOutcome o = RunIt(Shell("ulimit -c; ulimit -n"), With(i));
  EXPECT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_EQ(o.stdout_tail, "0\n50\n");
  i.limits = {};
  i.limits.cpu = 1;
  o = RunIt(Shell("while :; do :; done"), With(i));
  EXPECT_EQ(o.kind, Kind::kCpuLimit) << Describe(o);
  EXPECT_EQ(o.signal, SIGXCPU);
}

// ---- namespaces ----

TEST_F(IsolationTest, ProbeSaysWhatIsAvailable) {
  EXPECT_TRUE(IsolationAvailable(0).ok());
  EXPECT_TRUE(IsolationAvailable(kIsolateNoNewPrivs).ok());
  EXPECT_EQ(IsolationAvailable(16).code(), StatusCode::kInvalidArgument);
  // As root on a kernel with namespaces, all of them; the answer is
  // remembered.
  Status all = IsolationAvailable(kIsolateAll);
  EXPECT_TRUE(all.ok()) << all.ToString();
  EXPECT_EQ(IsolationAvailable(kIsolateAll).ToString(), all.ToString());
  EXPECT_EQ(IsolateNames(kIsolateAll), "net,tmp,pid,nonewprivs");
  EXPECT_EQ(IsolateBit("tmp"), unsigned{kIsolateTmp});
  EXPECT_EQ(IsolateBit("disk"), 0u);
}

TEST_F(IsolationTest, NetReachesNothingButItsOwnLoopback) {
  SKIP_UNLESS_AVAILABLE(kIsolateNet);
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener.valid());
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
      0);
  ASSERT_EQ(listen(listener.get(), 8), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(
      getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  TaskSpec connect = Argv("bash", {"-c", "exec 3<>/dev/tcp/127.0.0.1/" + port +
                                             " && echo connected"});

  // Without isolation the listener answers: the check below means it.
  TaskOutcome o = RunIt(connect, With(Isolation()));
  ASSERT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_EQ(o.stdout_tail, "connected\n");

  o = RunIt(connect, With(Namespaces(kIsolateNet)));
  EXPECT_EQ(o.kind, Kind::kExited) << Describe(o);
  EXPECT_NE(o.exit_code, 0);
  EXPECT_EQ(o.stdout_tail, "");
  // Refused, not unreachable: the task's own lo is up, and nobody listens
  // on it.
  EXPECT_TRUE(Contains(o.stderr_tail, "Connection refused")) << Describe(o);

  // Only lo is there (a header of two lines, then one per interface).
  o = RunIt(Shell("ip -o link show up; tail -n +3 /proc/net/dev | wc -l"),
            With(Namespaces(kIsolateNet)));
  EXPECT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_TRUE(Contains(o.stdout_tail, "lo: <LOOPBACK,UP")) << o.stdout_tail;
  EXPECT_TRUE(Contains(o.stdout_tail, "\n1\n")) << o.stdout_tail;
}

TEST_F(IsolationTest, TmpIsPrivateEmptyAndGoneAfterTheTask) {
  SKIP_UNLESS_AVAILABLE(kIsolateTmp);
  const std::string marker =
      "coyotes-isolation-" + std::to_string(getpid()) + "-marker";
  TaskOutcome o =
      RunIt(Shell("ls -A /tmp /var/tmp | wc -l; echo x > /tmp/" + marker +
                  " && echo y > /var/tmp/" + marker + " && cat /tmp/" + marker),
            With(Namespaces(kIsolateTmp)));
  ASSERT_TRUE(o.succeeded()) << Describe(o);
  // `ls -A` of two empty folders prints their two headers and a blank line.
  EXPECT_EQ(o.stdout_tail, "3\nx\n");
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + marker));
  EXPECT_FALSE(std::filesystem::exists("/var/tmp/" + marker));
  o = RunIt(Shell("test ! -e /tmp/" + marker + " && test ! -e /var/tmp/" +
                  marker + " && echo clean"),
            With(Namespaces(kIsolateTmp)));
  EXPECT_TRUE(o.succeeded()) << Describe(o);
  EXPECT_EQ(o.stdout_tail, "clean\n");
}

TEST_F(IsolationTest, PidLeavesNothingBehind) {
  SKIP_UNLESS_AVAILABLE(kIsolatePid);
  // A number no other process has on its command line.
  const std::string unique =
      "1000." + std::to_string(getpid()) +
      std::to_string(Clock::now().time_since_epoch().count() % 1000000);
  TaskOutcome o = RunIt(Shell("setsid sleep " + unique +
                              " >/dev/null 2>&1 & "
                              "sleep 0.2; echo $$"),
                        With(Namespaces(kIsolatePid)));
  ASSERT_TRUE(o.succeeded()) << Describe(o);
  // The shell is the first child of our init.
  EXPECT_EQ(o.stdout_tail, "2\n");
  EXPECT_FALSE(ProcessWithArg("sleep " + unique));
}

TEST_F(IsolationTest, PidReportsTheTasksOwnExitAndSignal) {
  SKIP_UNLESS_AVAILABLE(kIsolatePid);
  TaskOutcome o = RunIt(Shell("exit 7"), With(Namespaces(kIsolatePid)));
  EXPECT_EQ(o.kind, Kind::kExited) << Describe(o);
  EXPECT_EQ(o.exit_code, 7);
  // 128+N from a task is an exit code, not a signal.
  o = RunIt(Shell("exit 143"), With(Namespaces(kIsolatePid)));
  EXPECT_EQ(o.kind, Kind::kExited) << Describe(o);
  EXPECT_EQ(o.exit_code, 143);
  o = RunIt(Shell("kill -USR1 $$"), With(Namespaces(kIsolatePid)));
  EXPECT_EQ(o.kind, Kind::kSignaled) << Describe(o);
  EXPECT_EQ(o.signal, SIGUSR1);
  // A missing command is still sh's 127, an argv task's spawn failure.
  o = RunIt(Argv("/nonexistent/prog", {}), With(Namespaces(kIsolatePid)));
  EXPECT_EQ(o.kind, Kind::kSpawnFailed) << Describe(o);
  EXPECT_TRUE(Contains(o.detail, "No such file")) << o.detail;
}

TEST_F(IsolationTest, PidTimeoutIsPromptAndForwardedToTheTask) {
  SKIP_UNLESS_AVAILABLE(kIsolatePid);
  auto t0 = Clock::now();
  TaskOutcome o = RunIt(Shell("sleep 100"),
                        With(Namespaces(kIsolatePid), /*timeout_s=*/0.5));
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(o.kind, Kind::kTimeout) << Describe(o);
  // SIGTERM reached the task through our init, no SIGKILL needed.
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_LT(took, 1.4);

  // A task that ignores SIGTERM: the kill grace's SIGKILL ends init, and
  // with it the namespace.
  t0 = Clock::now();
  o = RunIt(Shell("trap '' TERM; sleep 100; sleep 100"),
            With(Namespaces(kIsolatePid), /*timeout_s=*/0.5));
  took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(o.kind, Kind::kTimeout) << Describe(o);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_LT(took, 2.5);
}

TEST_F(IsolationTest, PidCancelIsPrompt) {
  SKIP_UNLESS_AVAILABLE(kIsolatePid | kIsolateNet | kIsolateTmp);
  Observer observer;
  observer.stop_after_spawn = StopReason::kCancel;
  auto t0 = Clock::now();
  TaskOutcome o = RunIt(
      Shell("sleep 100"),
      With(Namespaces(kIsolatePid | kIsolateNet | kIsolateTmp)), &observer);
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(o.kind, Kind::kCancelled) << Describe(o);
  EXPECT_LT(took, 1.0);
}

TEST_F(IsolationTest, NoNewPrivsDefeatsSetuid) {
  // A setuid-root copy of id, run by nobody: without no_new_privs it
  // reports euid 0 (which shows the setuid bit works here), with it 65534.
  const std::string id = dir_ + "/id";
  std::filesystem::copy_file("/usr/bin/id", id);
  ASSERT_EQ(chown(id.c_str(), 0, 0), 0);
  ASSERT_EQ(chmod(id.c_str(), 04755), 0);
  HelperOutcome h = RunAsNobody(Argv(id, {"-u"}), With(Isolation()));
  ASSERT_EQ(h.kind, static_cast<int>(Kind::kExited)) << h.detail;
  ASSERT_EQ(h.stdout_tail, "0\n") << "setuid has no effect here";
  h = RunAsNobody(Argv(id, {"-u"}), With(Namespaces(kIsolateNoNewPrivs)));
  EXPECT_EQ(h.kind, static_cast<int>(Kind::kExited)) << h.detail;
  EXPECT_EQ(h.stdout_tail, "65534\n");
}

TEST_F(IsolationTest, EveryOtherEntryImpliesNoNewPrivs) {
  const TaskSpec status = Shell("grep NoNewPrivs /proc/self/status");
  TaskOutcome o = RunIt(status, With(Isolation()));
  EXPECT_EQ(o.stdout_tail, "NoNewPrivs:\t0\n") << Describe(o);
  for (unsigned bit : {kIsolateNet, kIsolateTmp, kIsolatePid}) {
    if (!IsolationAvailable(bit).ok()) continue;  // the others still count
    o = RunIt(status, With(Namespaces(bit)));
    EXPECT_EQ(o.stdout_tail, "NoNewPrivs:\t1\n")
        << IsolateNames(bit) << ": " << Describe(o);
  }
}

TEST_F(IsolationTest, NotRootGetsAUserNamespaceOrDoesNotRun) {
  // A daemon that is not root: a user namespace maps it to itself, so the
  // task's uid is unchanged; a kernel that refuses one refuses the task.
  HelperOutcome h =
      RunAsNobody(Shell("id -u; echo $$; ls -A /tmp | wc -l"),
                  With(Namespaces(kIsolateNet | kIsolatePid | kIsolateTmp)));
  if (h.kind == static_cast<int>(Kind::kIsolationUnavailable)) {
    EXPECT_TRUE(Contains(h.detail, "namespace")) << h.detail;
    EXPECT_EQ(h.stdout_tail, "");
    GTEST_SKIP() << "the kernel refuses user namespaces to nobody: "
                 << h.detail;
  }
  EXPECT_EQ(h.kind, static_cast<int>(Kind::kExited)) << h.detail;
  EXPECT_EQ(h.exit_code, 0) << h.detail;
  EXPECT_EQ(h.stdout_tail, "65534\n2\n0\n");
}

TEST_F(IsolationTest, NprocLimitsForksOfAUserThatIsNotRoot) {
  // Root is exempt from RLIMIT_NPROC, so nobody runs this one.
  ResourceLimits l;
  l.nproc = 1;
  HelperOutcome h =
      RunAsNobody(Shell("(true) && echo forked"), With(Limits(l)));
  EXPECT_EQ(h.kind, static_cast<int>(Kind::kExited)) << h.detail;
  EXPECT_NE(h.exit_code, 0);
  EXPECT_EQ(h.stdout_tail, "");
  l.nproc = 100;
  h = RunAsNobody(Shell("(true) && echo forked"), With(Limits(l)));
  EXPECT_EQ(h.stdout_tail, "forked\n") << h.detail;
}

TEST_F(IsolationTest, RefusedNamespacesStopTheTask) {
  for (unsigned isolate : {kIsolateNet, kIsolateTmp, kIsolatePid}) {
    HelperOutcome h = RunInHelper(EnterUnmappedUserNamespace, Shell("echo ran"),
                                  With(Namespaces(isolate)));
    EXPECT_EQ(h.kind, static_cast<int>(Kind::kIsolationUnavailable))
        << IsolateNames(isolate) << ": " << h.detail;
    EXPECT_EQ(h.detail, "user namespace: Operation not permitted");
    EXPECT_EQ(h.stdout_tail, "");
  }
  // Limits and no_new_privs need no namespace: they still run there.
  HelperOutcome h = RunInHelper(EnterUnmappedUserNamespace, Shell("echo ran"),
                                With(Namespaces(kIsolateNoNewPrivs)));
  EXPECT_EQ(h.kind, static_cast<int>(Kind::kExited)) << h.detail;
  EXPECT_EQ(h.stdout_tail, "ran\n");
}

TEST(IsolationReason, RecordReasons) {
  TaskOutcome o;
  o.kind = Kind::kIsolationUnavailable;
  o.detail = "net namespace: Operation not permitted";
  EXPECT_EQ(Reason(o),
            "isolation unavailable: net namespace: Operation not permitted");
  o.kind = Kind::kCpuLimit;
  o.signal = SIGXCPU;
  EXPECT_EQ(Reason(o), "cpu limit");
  o.kind = Kind::kFileSizeLimit;
  o.signal = SIGXFSZ;
  EXPECT_EQ(Reason(o), "file size limit");
}

}  // namespace
}  // namespace coyotes
