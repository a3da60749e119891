// A loopback HTTP server for tests of what the daemon sends (completion
// callbacks): it records every request and answers each with a status the
// test sets, or holds it unanswered. One thread accepts; each connection
// has a thread of its own, so that requests in flight at once are seen as
// such.
#ifndef COYOTES_TESTS_SUPPORT_HTTP_RECEIVER_H_
#define COYOTES_TESTS_SUPPORT_HTTP_RECEIVER_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coyotes::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method, target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };

  // Listens on 127.0.0.1:port (0: a free port); nullptr when it cannot.
  static std::unique_ptr<HttpReceiver> Start(int port = 0);
  ~HttpReceiver();  // closes everything, held requests too
  HttpReceiver(const HttpReceiver&) = delete;

  int port() const { return port_; }
  // The status of the answers from now on (default 200).
  void set_status(int code) { status_ = code; }
  // true: requests are read and recorded but not answered until
  // set_hold(false) or the end.
  void set_hold(bool hold);

  std::vector<Request> requests();
  size_t count();
  // Most requests that were open at once.
  int max_open() const { return max_open_; }

 private:
  HttpReceiver() = default;
  void AcceptLoop();
  void Serve(int fd);

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> status_{200};
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};
  std::atomic<int> max_open_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  std::vector<Request> requests_;
  std::thread acceptor_;
  std::vector<std::thread> servers_;
};

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_HTTP_RECEIVER_H_
