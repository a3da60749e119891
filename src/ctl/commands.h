// The commands of coyotesctl, one function each, grouped in files by what
// they act on (cmd_push, cmd_task, cmd_channel, cmd_daemon, cmd_schedule),
// and the table that names them with their usage (command_table.cc).
// Each gets the words after its name and returns the exit status.
#ifndef COYOTES_CTL_COMMANDS_H_
#define COYOTES_CTL_COMMANDS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_util.h"
#include "ctl/args.h"
#include "ctl/ctl.h"

namespace coyotes {

using Args = std::vector<std::string>;

int RunPush(Ctl& ctl, const Args& args);
int RunShow(Ctl& ctl, const Args& args);
int RunWait(Ctl& ctl, const Args& args);
int RunLogs(Ctl& ctl, const Args& args);
int RunCancel(Ctl& ctl, const Args& args);
int RunChannels(Ctl& ctl, const Args& args);
int RunChannel(Ctl& ctl, const Args& args);
int RunTasks(Ctl& ctl, const Args& args);
int RunFailed(Ctl& ctl, const Args& args);
int RunRetry(Ctl& ctl, const Args& args);
int RunForget(Ctl& ctl, const Args& args);
int RunPause(Ctl& ctl, const Args& args);
int RunResume(Ctl& ctl, const Args& args);
int RunStatus(Ctl& ctl, const Args& args);
int RunDelayed(Ctl& ctl, const Args& args);
int RunDeadLetters(Ctl& ctl, const Args& args);
int RunMetrics(Ctl& ctl, const Args& args);
int RunSchedules(Ctl& ctl, const Args& args);
int RunSchedule(Ctl& ctl, const Args& args);

// push --wait and wait: waits with ?wait= until `record` (the task's
// record, perhaps not final yet) is final, then writes its stdout and
// stderr to ours (with --json: the record) and returns its exit status
// (task_outcome.h).
int FinishWait(Ctl& ctl, const std::string& id, JsonPtr record);

// The longest ?wait= the API takes; longer waits are a loop of them.
inline constexpr int kMaxWaitSeconds = 300;

// Parses the words of `command` with exactly `want` operands; false with
// the usage error printed and its exit status in `*rc` ("missing
// `missing`", "too many operands", an unknown option).
bool ParseOperands(Ctl& ctl, const char* command, const Args& args,
                   std::span<const OptSpec> specs, size_t want,
                   const char* missing, ParsedArgs* out, int* rc);

// "?limit=N&offset=M" from --limit and --offset, or "".
std::string PageQuery(const std::string& limit, const std::string& offset);

struct CommandInfo {
  std::string_view name;
  // Usage after the name; one line per form ("CHANNEL ID\nCHANNEL --all").
  std::string_view synopsis;
  std::string_view summary;
  // The options, one "  --name VALUE  what" line each, for help COMMAND.
  std::string_view options;
  int (*run)(Ctl& ctl, const Args& args);
};

std::span<const CommandInfo> Commands();
const CommandInfo* FindCommand(std::string_view name);
// coyotesctl --help: the global options and every command's usage.
std::string GlobalHelp();
// coyotesctl help COMMAND.
std::string CommandHelp(const CommandInfo& command);

}  // namespace coyotes

#endif  // COYOTES_CTL_COMMANDS_H_
