// The one table of coyotesctl's commands: their names, usage and options,
// from which --help, "help COMMAND", the man page check and the bash
// completion's word list are all kept in step.
#include <string>

#include "ctl/commands.h"

namespace coyotes {

namespace {

constexpr CommandInfo kCommands[] = {
    {"push",
     "[-c CHANNEL] [--delay S | --at TIME] [--retry N] [--timeout S] "
     "[--env K=V]... [--cwd DIR] [--id ID] [--callback URL] [--wait] "
     "-- PROGRAM [ARGS...]\n"
     "[OPTIONS] --shell 'COMMAND'\n"
     "[OPTIONS] --script FILE [-- ARGS...]",
     "queue a task and print its id",
     "  -c, --channel CHANNEL  the channel (default: default)\n"
     "  --shell COMMAND        run COMMAND with /bin/sh -c\n"
     "  --script FILE          run the script in FILE, with ARGS\n"
     "  --delay S              run S seconds from now (fractions allowed)\n"
     "  --at TIME              run at TIME: Unix seconds or\n"
     "                         YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] (local without)\n"
     "  --retry N              runs allowed after a failed first one\n"
     "  --timeout S            seconds the task may run\n"
     "  --env K=V              set K in the task's environment (repeatable)\n"
     "  --cwd DIR              the task's working directory\n"
     "  --id ID                the task's id (default: the daemon's)\n"
     "  --callback URL         POST the task's record to URL at its end\n"
     "  --wait                 wait for the end, print the task's output,\n"
     "                         exit with its status (128+N for signal N,\n"
     "                         1 when cancelled or never run)\n",
     RunPush},
    {"status", "", "the daemon's state, workers and totals", "", RunStatus},
    {"channels", "", "every channel with its workers and task count", "",
     RunChannels},
    {"channel", "NAME", "one channel's settings and tasks", "", RunChannel},
    {"tasks", "CHANNEL [--limit N] [--offset N]",
     "the running and queued tasks of a channel",
     "  --limit N   at most N tasks (default 100)\n"
     "  --offset N  skip the first N\n",
     RunTasks},
    {"show", "ID", "a task's record", "", RunShow},
    {"wait", "ID",
     "wait for a task's end, print its output, exit with its status", "",
     RunWait},
    {"logs", "[-f] ID", "a task's output (stdout and stderr)",
     "  -f, --follow  follow the live output until the task ends\n", RunLogs},
    {"cancel", "ID", "cancel a queued, delayed or running task", "", RunCancel},
    {"failed", "CHANNEL [--limit N] [--offset N]",
     "the failed tasks of a channel",
     "  --limit N   at most N tasks (default 100)\n"
     "  --offset N  skip the first N\n",
     RunFailed},
    {"retry", "CHANNEL ID\nCHANNEL --all",
     "run a failed task (or all of a channel's) again",
     "  --all  every failed task of the channel\n", RunRetry},
    {"forget", "CHANNEL ID", "delete a failed task and its record", "",
     RunForget},
    {"pause", "CHANNEL", "stop starting the channel's tasks", "", RunPause},
    {"resume", "CHANNEL", "start the channel's tasks again", "", RunResume},
    {"delayed", "[--limit N] [--offset N]",
     "the delayed tasks, the soonest due first",
     "  --limit N   at most N tasks (default 100)\n"
     "  --offset N  skip the first N\n",
     RunDelayed},
    {"schedules", "", "the schedules with their next due time", "",
     RunSchedules},
    {"schedule",
     "add NAME CRON [-c CHANNEL] [--tz ZONE] [--overlap skip] "
     "-- PROGRAM [ARGS...]\n"
     "add NAME CRON [OPTIONS] --shell 'COMMAND'\n"
     "rm NAME",
     "create, replace or delete a schedule",
     "  -c, --channel CHANNEL  the channel of its tasks\n"
     "  --tz ZONE              the time zone of CRON (default UTC)\n"
     "  --overlap skip         skip a due time while the last task runs\n"
     "  --shell COMMAND        run COMMAND with /bin/sh -c\n",
     RunSchedule},
    {"dead-letters", "[--clear] [--limit N] [--offset N]",
     "the producer items that were refused",
     "  --clear     empty the list\n"
     "  --limit N   at most N items (default 100)\n"
     "  --offset N  skip the first N\n",
     RunDeadLetters},
    {"metrics", "", "the Prometheus metrics, as the daemon gives them", "",
     RunMetrics},
};

constexpr char kGlobalOptions[] =
    "Global options (before the command):\n"
    "  --url URL          the daemon's API, http://HOST:PORT[/prefix]\n"
    "                     (default $COYOTES_URL, else http://127.0.0.1:60001)\n"
    "  --token-file FILE  read the bearer token from FILE\n"
    "                     (default: $COYOTES_TOKEN)\n"
    "  --json             print the API's data as JSON\n"
    "  -h, --help         print this help\n"
    "  --version          print the version\n";

// Each line of the synopsis, prefixed with the command's name.
std::string Usage(const CommandInfo& c, const std::string& first,
                  const std::string& indent) {
  std::string out;
  bool at_first = true;
  std::string_view rest = c.synopsis;
  do {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    out += (at_first ? first : indent) + std::string(c.name);
    at_first = false;
    if (!line.empty()) out += " " + std::string(line);
    out += "\n";
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  } while (!rest.empty());
  return out;
}

}  // namespace

std::span<const CommandInfo> Commands() { return kCommands; }

const CommandInfo* FindCommand(std::string_view name) {
  for (const CommandInfo& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

std::string GlobalHelp() {
  std::string out =
      "Usage: coyotesctl [GLOBAL OPTIONS] COMMAND [ARGS...]\n"
      "The command-line client of the coyotes daemon's HTTP API.\n\n";
  out += kGlobalOptions;
  out += "\nCommands:\n";
  for (const CommandInfo& c : kCommands) out += Usage(c, "  ", "  ");
  out += "  help [COMMAND]\n";
  out +=
      "\nExit status: 0 done, 1 the daemon refused, 2 usage error,\n"
      "69 the daemon cannot be reached; push --wait and wait: the task's.\n"
      "See coyotesctl(1).\n";
  return out;
}

std::string CommandHelp(const CommandInfo& c) {
  std::string out = Usage(c, "Usage: coyotesctl ", "       coyotesctl ");
  out += std::string(c.summary) + "\n";
  if (!c.options.empty()) out += "\nOptions:\n" + std::string(c.options);
  return out;
}

}  // namespace coyotes
