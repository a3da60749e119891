// Resource limits of a task (setrlimit before exec): parsing, combining and
// printing them. Pure functions; applying them is task_spawn's part.
//
// A limit that is absent is not limited at this level: the task keeps what
// the daemon has. The combination of levels (daemon, channel, task) is
// per key the tightest present value, so no level can loosen another.
#ifndef COYOTES_TASK_LIMITS_H_
#define COYOTES_TASK_LIMITS_H_

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coyotes {

struct ResourceLimits {           // absent: not limited at this level
  std::optional<int64_t> cpu;     // CPU seconds (RLIMIT_CPU)
  std::optional<int64_t> memory;  // bytes of address space (RLIMIT_AS)
  std::optional<int64_t> nofile;  // open files (RLIMIT_NOFILE)
  std::optional<int64_t> nproc;   // processes (RLIMIT_NPROC)
  std::optional<int64_t> fsize;   // largest file written, bytes
  std::optional<int64_t> core;    // core dump bytes (RLIMIT_CORE)
  bool empty() const;

  bool operator==(const ResourceLimits&) const = default;
};

// The smallest address space a task may be given: below it not even a
// shell starts, so such a value is a mistake (a unit forgotten).
inline constexpr int64_t kMinMemoryLimit = int64_t{1} << 20;

// From a JSON object whose keys are among cpu, memory, nofile, nproc, fsize
// and core. cpu, nofile and nproc are integers >= 1; memory, fsize and core
// are bytes, as integers >= 0 or as strings of digits with an optional K, M
// or G suffix (powers of 1024); memory is at least kMinMemoryLimit. Errors
// are InvalidArgument and name the key ("limits: memory: ...").
Result<ResourceLimits> LimitsFromJson(const json_t* j);
// The same from JSON text (as LimitsToJson writes it).
Result<ResourceLimits> LimitsFromJsonText(std::string_view text);
// From flag text: "cpu=600,memory=2G" (the same keys and values; empty
// text: no limit).
Result<ResourceLimits> LimitsFromFlag(std::string_view text);

// A compact JSON object of the present limits, values as integers.
std::string LimitsToJson(const ResourceLimits& l);
// The same as a new jansson object (the caller owns the reference).
json_t* LimitsToJsonObject(const ResourceLimits& l);

// Per key the smaller of the present values.
ResourceLimits Tightest(const ResourceLimits& a, const ResourceLimits& b);

// The first key, in the order cpu, memory, nofile, nproc, fsize, core,
// where `task` asks for more than `channel` allows (both present and the
// task's value larger); nullopt when the task asks for nothing more.
std::optional<std::string_view> FirstAbove(const ResourceLimits& task,
                                           const ResourceLimits& channel);

}  // namespace coyotes

#endif  // COYOTES_TASK_LIMITS_H_
