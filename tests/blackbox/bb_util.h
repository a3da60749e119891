// Helpers shared by the black-box suites: a temp folder for files that
// tasks create, producer items, and process checks.
#ifndef COYOTES_TESTS_BLACKBOX_BB_UTIL_H_
#define COYOTES_TESTS_BLACKBOX_BB_UTIL_H_

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {

// A temporary folder removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") +
        "/coyotes-bb-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    path_ = mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

inline bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The seed's producer item.
inline std::string SeedItem(const std::string& task,
                            const std::string& chan = "default") {
  std::string escaped;
  for (char c : task) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "{\"task\":\"" + escaped + "\",\"chan\":\"" + chan +
         "\",\"ts\":1491829556}";
}

// Pids of processes whose command line contains `needle`.
inline std::vector<pid_t> PidsWithCmdline(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    std::string cmd = ReadAll("/proc/" + std::string(e->d_name) + "/cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(needle) != std::string::npos) out.push_back(pid);
  }
  closedir(d);
  return out;
}

inline bool Alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  // A zombie is dead for our purposes.
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || stat.size() < close + 3 ||
         stat[close + 2] != 'Z';
}

// The fixture of the black-box suites: a private redis-server, a client
// for assertions, a scratch folder, and the real daemon on demand.
class BlackBox : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = RedisServer::Start();
    conn_ = redis_->Connect();
  }
  std::unique_ptr<Daemon> StartDaemon(std::vector<std::string> flags = {}) {
    auto d = Daemon::Start(*redis_, {.flags = std::move(flags)});
    EXPECT_TRUE(d->WaitReady()) << d->LogTail();
    return d;
  }
  void PushRaw(const std::string& item) {
    conn_->Cmd({"LPUSH", "task:prepare:queue", item});
  }
  void Push(const std::string& task, const std::string& chan = "default") {
    PushRaw(SeedItem(task, chan));
  }
  // A field of a task record; "(nil)" when absent.
  std::string Field(const std::string& id, const std::string& field) {
    return conn_->Cmd({"HGET", "coyotes:task:" + id, field});
  }
  bool WaitState(const std::string& id, const std::string& state,
                 double timeout_s = 15) {
    return WaitFor([&] { return Field(id, "state") == state; }, timeout_s);
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisConn> conn_;
  TempDir tmp_;
};

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_BLACKBOX_BB_UTIL_H_
