#include "support/browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {

namespace {

// A descriptor at 10 or above, so that the child's dup2 onto 3 and 4 never
// overwrites the other end; the old one is closed.
int MoveHigh(int fd) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

std::string Dump(json_t* j) {
  char* text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  std::string out = text ? text : "";
  free(text);
  return out;
}

}  // namespace

bool DecodeBase64(const std::string& in, std::string* out) {
  out->clear();
  unsigned bits = 0;
  int nbits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=' || c == '\n' || c == '\r')
      continue;
    else
      return false;
    bits = (bits << 6) | static_cast<unsigned>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out->push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  return true;
}

std::unique_ptr<Browser> Browser::Start(std::string* error,
                                        const BrowserOptions& options) {
  if (access(options.binary.c_str(), X_OK) != 0) {
    *error = options.binary +
             " is missing: install Debian's chromium package "
             "(contrib/install-deps.sh does)";
    return nullptr;
  }
  std::unique_ptr<Browser> b(new Browser());
  b->dir_ = internal::MakeTempDir();
  int cmd[2], reply[2];
  if (pipe(cmd) != 0 || pipe(reply) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return nullptr;
  }
  int child_in = MoveHigh(cmd[0]), child_out = MoveHigh(reply[1]);
  b->to_browser_ = MoveHigh(cmd[1]);
  b->from_browser_ = MoveHigh(reply[0]);
  // Everything the child needs is made before the fork: between fork and
  // exec it only makes system calls.
  std::vector<std::string> args = {
      options.binary,
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-proxy-server",
      "--hide-scrollbars",
      "--window-size=" + std::to_string(options.width) + "," +
          std::to_string(options.height),
      "--user-data-dir=" + b->dir_ + "/profile",
      "--remote-debugging-pipe",
      "about:blank",
  };
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string log = b->dir_ + "/browser.log";
  int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    dup2(child_in, 3);
    dup2(child_out, 4);
    for (int fd = 5; fd < 1024; fd++) close(fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(child_in);
  close(child_out);
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    *error = std::string("fork: ") + strerror(errno);
    return nullptr;
  }
  b->pid_ = pid;

  // One page to drive, attached in flat mode: its commands carry the
  // session id instead of being wrapped in Target.sendMessageToTarget.
  json_t* target =
      b->Call("Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
              false, error, 30);
  if (target == nullptr) {
    *error = "the browser did not answer: " + *error + "\n" + b->LogTail();
    return nullptr;
  }
  std::string target_id =
      json_string_value(json_object_get(target, "targetId")) ?: "";
  json_decref(target);
  json_t* attached = b->Call(
      "Target.attachToTarget",
      json_pack("{s:s,s:b}", "targetId", target_id.c_str(), "flatten", 1),
      false, error);
  if (attached == nullptr) return nullptr;
  b->session_ = json_string_value(json_object_get(attached, "sessionId")) ?: "";
  json_decref(attached);
  for (const char* domain : {"Page.enable", "Runtime.enable"}) {
    json_t* r = b->Call(domain, json_object(), true, error);
    if (r == nullptr) return nullptr;
    json_decref(r);
  }
  return b;
}

Browser::~Browser() {
  if (pid_ > 0) {
    // Asked to close, the browser ends its own children. It is reaped only
    // after its process group has been killed: while it is an unreaped
    // zombie its pid, the group's id, cannot be reused, so the kill can
    // only reach what it left behind.
    std::string ignored;
    if (to_browser_ >= 0)
      json_decref(Call("Browser.close", json_object(), false, &ignored, 5));
    WaitFor(
        [&] {
          siginfo_t info = {};
          return waitid(P_PID, static_cast<id_t>(pid_), &info,
                        WEXITED | WNOHANG | WNOWAIT) != 0 ||
                 info.si_pid == pid_;
        },
        5, 0.02);
    kill(-pid_, SIGKILL);
    internal::ReapBlocking(pid_);
  }
  if (to_browser_ >= 0) close(to_browser_);
  if (from_browser_ >= 0) close(from_browser_);
  if (!dir_.empty()) internal::RemoveTempDir(dir_);
}

std::string Browser::LogTail(size_t bytes) const {
  return internal::ReadFileTail(dir_ + "/browser.log", bytes);
}

json_t* Browser::ReadMessage(double deadline, std::string* error) {
  for (;;) {
    size_t nul = buffer_.find('\0');
    if (nul != std::string::npos) {
      std::string text = buffer_.substr(0, nul);
      buffer_.erase(0, nul + 1);
      json_error_t err;
      json_t* msg = json_loadb(text.data(), text.size(), 0, &err);
      if (msg == nullptr) {
        *error = "not JSON from the browser: " + text.substr(0, 200);
        return nullptr;
      }
      return msg;
    }
    double left = deadline - NowSeconds();
    if (left <= 0) {
      *error = "no answer from the browser in time";
      return nullptr;
    }
    pollfd p = {from_browser_, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char chunk[65536];
    ssize_t got = read(from_browser_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      *error = "the browser closed its pipe";
      return nullptr;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

json_t* Browser::Call(const std::string& method, json_t* params, bool session,
                      std::string* error, double timeout_s) {
  long id = next_id_++;
  json_t* msg = json_object();
  json_object_set_new(msg, "id", json_integer(id));
  json_object_set_new(msg, "method", json_string(method.c_str()));
  json_object_set_new(msg, "params", params);
  if (session)
    json_object_set_new(msg, "sessionId", json_string(session_.c_str()));
  std::string text = Dump(msg);
  json_decref(msg);
  text.push_back('\0');
  for (size_t off = 0; off < text.size();) {
    ssize_t n = write(to_browser_, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = method + ": cannot write to the browser: " + strerror(errno);
      return nullptr;
    }
    off += static_cast<size_t>(n);
  }
  const double deadline = NowSeconds() + timeout_s;
  for (;;) {
    json_t* m = ReadMessage(deadline, error);
    if (m == nullptr) {
      *error = method + ": " + *error;
      return nullptr;
    }
    json_t* mid = json_object_get(m, "id");
    // Events (no id) are not needed: the page shows no native dialog.
    if (!json_is_integer(mid) || json_integer_value(mid) != id) {
      json_decref(m);
      continue;
    }
    if (json_t* err = json_object_get(m, "error")) {
      *error = method + ": " + Dump(err);
      json_decref(m);
      return nullptr;
    }
    json_t* result = json_incref(json_object_get(m, "result"));
    json_decref(m);
    if (result == nullptr) result = json_object();
    return result;
  }
}

bool Browser::Open(const std::string& url, std::string* error,
                   double timeout_s) {
  json_t* r = Call("Page.navigate", json_pack("{s:s}", "url", url.c_str()),
                   true, error);
  if (r == nullptr) return false;
  const char* nav_error = json_string_value(json_object_get(r, "errorText"));
  if (nav_error != nullptr) {
    *error = "navigation to " + url + " failed: " + nav_error;
    json_decref(r);
    return false;
  }
  json_decref(r);
  bool loaded = WaitFor(
      [&] {
        return Eval("document.readyState + ' ' + location.href") ==
               "\"complete " + url + "\"";
      },
      timeout_s, 0.05);
  if (!loaded) *error = url + " did not finish loading";
  return loaded;
}

std::string Browser::Eval(const std::string& expression, std::string* error) {
  std::string why;
  json_t* r = Call("Runtime.evaluate",
                   json_pack("{s:s,s:b,s:b}", "expression", expression.c_str(),
                             "returnByValue", 1, "awaitPromise", 1),
                   true, &why);
  if (r == nullptr) {
    if (error) *error = why;
    return "";
  }
  std::string out;
  if (json_t* ex = json_object_get(r, "exceptionDetails")) {
    if (error) *error = "exception: " + Dump(ex);
  } else {
    json_t* value = json_object_get(json_object_get(r, "result"), "value");
    out = value ? Dump(value) : "null";
  }
  json_decref(r);
  return out;
}

std::string Browser::EvalString(const std::string& expression) {
  std::string json = Eval(expression);
  json_error_t err;
  json_t* v = json_loads(json.c_str(), JSON_DECODE_ANY, &err);
  std::string out = json_is_string(v) ? json_string_value(v) : "";
  json_decref(v);
  return out;
}

bool Browser::Screenshot(const std::string& path, std::string* error) {
  json_t* r = Call("Page.captureScreenshot",
                   json_pack("{s:s}", "format", "png"), true, error);
  if (r == nullptr) return false;
  const char* data = json_string_value(json_object_get(r, "data"));
  std::string png;
  bool ok = data && DecodeBase64(data, &png);
  json_decref(r);
  if (!ok) {
    *error = "the screenshot is not base64";
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace coyotes::testing
