#include "task/policy.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "task/command_path.h"
#include "task/shell_words.h"

namespace coyotes {

namespace {

// The first of `candidates` that is a regular file we may execute, as
// execve would pick it, resolved by realpath; nullopt when none is.
std::optional<std::string> FirstExecutable(
    const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates) {
    struct stat st;
    if (stat(c.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (access(c.c_str(), X_OK) != 0) continue;
    std::unique_ptr<char, decltype(&std::free)> real(
        realpath(c.c_str(), nullptr), &std::free);
    if (real) return std::string(real.get());
  }
  return std::nullopt;
}

}  // namespace

bool IsLoaderVariable(std::string_view name) {
  // glibc's loader honours LD_* (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, ...)
  // and these, which it also clears for setuid programs.
  static const char* const kOthers[] = {
      "GCONV_PATH",  "GETCONF_DIR",      "GLIBC_TUNABLES", "HOSTALIASES",
      "LOCALDOMAIN", "LOCPATH",          "MALLOC_TRACE",   "NIS_PATH",
      "NLSPATH",     "RESOLV_HOST_CONF", "RES_OPTIONS",    "TZDIR"};
  if (name.substr(0, 3) == "LD_") return true;
  return std::find(std::begin(kOthers), std::end(kOthers), name) !=
         std::end(kOthers);
}

PolicyDecision CheckPolicy(const TaskSpec& spec, const CommandPolicy& policy,
                           const std::string& channel, const char* path) {
  PolicyDecision d;
  if (policy.unrestricted()) return d;
  for (const auto& [name, value] : spec.env) {
    bool listed = !policy.env_allow ||
                  std::find(policy.env_allow->begin(), policy.env_allow->end(),
                            name) != policy.env_allow->end();
    if (!listed || (policy.refuse_loader_env && IsLoaderVariable(name))) {
      d.refusal = "environment variable not allowed in channel " + channel +
                  ": " + name;
      return d;
    }
  }
  std::string program = spec.command;
  // A script task runs its interpreter (spec.command): an allow list must
  // name it; without one, shell=false refuses scripts, which are as open
  // as a shell line.
  if (spec.is_script() && !policy.allow && !policy.shell) {
    d.refusal = "script tasks not allowed in channel " + channel;
    return d;
  }
  if (spec.uses_shell() && !policy.shell) {
    auto words = SimpleCommandWords(spec.command);
    if (!words) {
      d.refusal = "shell syntax not allowed in channel " + channel;
      return d;
    }
    program = (*words)[0];
    d.split_words = true;
  }
  if (!policy.allow) return d;
  // An allow list implies shell=false (the channel refuses the combination
  // otherwise), so `program` is the program itself here.
  auto file = FirstExecutable(PathCandidates(path, program));
  if (!file || std::find(policy.allow->begin(), policy.allow->end(), *file) ==
                   policy.allow->end()) {
    d.refusal = "program not allowed in channel " + channel + ": " +
                (file ? *file : program);
    return d;
  }
  d.program = *file;
  return d;
}

Result<std::string> ResolveAllowEntry(const std::string& entry,
                                      const char* path) {
  if (entry.empty()) return InvalidArgument("allow: empty program name");
  if (entry.find('/') != std::string::npos && entry[0] != '/')
    return InvalidArgument("allow: '" + entry +
                           "' is neither an absolute path nor a bare name");
  auto file = FirstExecutable(PathCandidates(path, entry));
  if (!file)
    return InvalidArgument("allow: no executable file '" + entry + "'" +
                           (entry[0] == '/' ? "" : " in PATH"));
  return *file;
}

}  // namespace coyotes
