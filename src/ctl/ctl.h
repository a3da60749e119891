// Ctl: what every command of coyotesctl shares: the API client, the
// output mode (--json, colour), and the exit statuses, which are an API
// for scripts: 0 done, 1 the daemon refused, 2 bad usage, 69
// (EX_UNAVAILABLE) the daemon cannot be reached.
#ifndef COYOTES_CTL_CTL_H_
#define COYOTES_CTL_CTL_H_

#include <jansson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ctl/api_client.h"

namespace coyotes {

inline constexpr int kCtlOk = 0;
inline constexpr int kCtlRefused = 1;
inline constexpr int kCtlUsage = 2;
inline constexpr int kCtlUnavailable = 69;  // EX_UNAVAILABLE

class Ctl {
 public:
  Ctl(ApiClient api, bool json, bool color)
      : api_(std::move(api)), json_(json), color_(color) {}

  ApiClient& api() { return api_; }
  bool json() const { return json_; }
  bool color() const { return color_; }

  // `data` as indented JSON and a newline on stdout (--json).
  void PrintJson(const json_t* data);
  // Text on stdout as it is.
  void Print(std::string_view text);

  // "coyotesctl: COMMAND: MESSAGE" and the hint "Try 'coyotesctl help
  // COMMAND'." on stderr; returns kCtlUsage.
  int Usage(std::string_view command, std::string_view message);
  // The daemon's refusal, or why it could not be reached, on stderr;
  // returns kCtlRefused or kCtlUnavailable.
  int Fail(const Result<ApiReply>& reply);
  // A message on stderr; returns kCtlRefused.
  int Refused(std::string_view message);

 private:
  ApiClient api_;
  bool json_;
  bool color_;
};

// The call reached the daemon and it said yes (2xx).
inline bool Good(const Result<ApiReply>& r) { return r.ok() && r.value().ok(); }

// Fields of the API's JSON objects, for tables: a string as it is, a
// number or boolean as its text, "" for null or absent.
std::string Text(const json_t* object, const char* key);
// An integer field, or `fallback` when it is not one.
int64_t Number(const json_t* object, const char* key, int64_t fallback = 0);
bool Flag(const json_t* object, const char* key);

}  // namespace coyotes

#endif  // COYOTES_CTL_CTL_H_
