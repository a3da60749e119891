// Browser: a headless Chromium (Debian's `chromium`) driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: the browser reads
// commands on its fd 3 and writes answers and events on its fd 4, each one
// JSON text ended by a NUL byte), so that a test can load a page of the
// daemon, read its DOM, click its buttons and take a screenshot, with no
// WebSocket and nothing but the Debian package.
//
//   std::string error;
//   auto browser = Browser::Start(&error);
//   ASSERT_TRUE(browser) << error;
//   ASSERT_TRUE(browser->Open("http://127.0.0.1:PORT/ui/", &error)) << error;
//   std::string title = browser->EvalString("document.title");
//   browser->Screenshot(path, &error);
//
// Every wait has a deadline; nothing here sleeps for a condition.
#ifndef COYOTES_TESTS_SUPPORT_BROWSER_H_
#define COYOTES_TESTS_SUPPORT_BROWSER_H_

#include <jansson.h>
#include <sys/types.h>

#include <memory>
#include <string>

namespace coyotes::testing {

struct BrowserOptions {
  int width = 1280;
  int height = 900;
  std::string binary = "/usr/bin/chromium";
};

// Owns the browser process (its own process group, killed and reaped by the
// destructor), the two pipe ends and its profile folder (removed).
class Browser {
 public:
  // Starts the browser and opens one page (about:blank) to drive; null,
  // with the reason in `*error`, when the binary is missing or does not
  // answer within 30 s.
  static std::unique_ptr<Browser> Start(std::string* error,
                                        const BrowserOptions& options = {});
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Loads `url` in the page and waits (`timeout_s`) until its document has
  // loaded.
  bool Open(const std::string& url, std::string* error, double timeout_s = 20);
  // Evaluates `expression` in the page (a Promise is awaited) and returns
  // its value as compact JSON text ("null" for undefined); on an exception
  // or a broken pipe, "" with the reason in `*error` when given.
  std::string Eval(const std::string& expression, std::string* error = nullptr);
  // The value of a string expression, "" when it is not a string.
  std::string EvalString(const std::string& expression);
  // Writes a PNG of the page's viewport to `path`.
  bool Screenshot(const std::string& path, std::string* error);

  // The browser's stderr so far, for failure messages.
  std::string LogTail(size_t bytes = 3000) const;
  pid_t pid() const { return pid_; }

 private:
  Browser() = default;
  // Sends one command (to the page's session when `session`) and returns
  // its "result" object (a new reference), or null with `*error` set.
  json_t* Call(const std::string& method, json_t* params, bool session,
               std::string* error, double timeout_s = 30);
  // One message from the browser, or null after `deadline` (steady
  // seconds) or at EOF.
  json_t* ReadMessage(double deadline, std::string* error);

  pid_t pid_ = -1;
  int to_browser_ = -1;    // its fd 3
  int from_browser_ = -1;  // its fd 4
  std::string dir_;        // profile and log
  std::string buffer_;     // read but not yet a whole message
  std::string session_;    // the page's, from Target.attachToTarget
  long next_id_ = 1;
};

// Standard base64 decoding; false on a character outside the alphabet.
bool DecodeBase64(const std::string& in, std::string* out);

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_BROWSER_H_
