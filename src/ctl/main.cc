// coyotesctl: the command-line client of the daemon's HTTP API. Reads the
// global options and the environment, then hands the words after the
// command's name to the command (commands.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/secret_file.h"
#include "ctl/api_client.h"
#include "ctl/args.h"
#include "ctl/commands.h"
#include "ctl/ctl.h"
#include "ctl/table.h"

namespace coyotes {
namespace {

constexpr char kDefaultUrl[] = "http://127.0.0.1:60001";

constexpr OptSpec kGlobalOptions[] = {
    {"url", 0, true},     {"token-file", 0, true}, {"json", 0, false},
    {"help", 'h', false}, {"version", 0, false},
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "coyotesctl: %s\nTry 'coyotesctl --help'.\n",
               message.c_str());
  return kCtlUsage;
}

// The bearer token: --token-file's (a file others may read is refused, as
// ssh refuses such a key), else $COYOTES_TOKEN, else none. Either must be
// one line without blanks around it, which also keeps it from adding a
// header to the request.
Result<std::string> Token(const ParsedArgs& p) {
  if (auto file = p.Get("token-file")) {
    Result<std::string> content = ReadSecretFile(*file);
    if (!content.ok()) return content.status();
    Result<std::string> line = SecretLine(*content);
    if (!line.ok())
      return InvalidArgument(*file + ": " + line.status().message());
    return line;
  }
  const char* env = std::getenv("COYOTES_TOKEN");
  if (env == nullptr || *env == '\0') return std::string();
  Result<std::string> line = SecretLine(env);
  if (!line.ok())
    return InvalidArgument("COYOTES_TOKEN: " + line.status().message());
  return line;
}

int Main(int argc, char** argv) {
  const Args words(argv + 1, argv + argc);
  Result<ParsedArgs> p =
      ParseArgs(words, kGlobalOptions, Positionals::kStopAtFirst);
  if (!p.ok()) return UsageError(p.status().message());
  if (p->Has("help")) {
    std::fputs(GlobalHelp().c_str(), stdout);
    return kCtlOk;
  }
  if (p->Has("version")) {
    std::printf("coyotesctl %s\n", PACKAGE_VERSION);
    return kCtlOk;
  }
  if (p->positional.empty()) return UsageError("missing COMMAND");
  const std::string name = p->positional[0];
  const Args rest(p->positional.begin() + 1, p->positional.end());
  if (name == "help") {
    if (rest.empty() || rest[0] == "help") {
      std::fputs(GlobalHelp().c_str(), stdout);
      return kCtlOk;
    }
    const CommandInfo* c = FindCommand(rest[0]);
    if (c == nullptr) return UsageError("no command '" + rest[0] + "'");
    std::fputs(CommandHelp(*c).c_str(), stdout);
    return kCtlOk;
  }
  const CommandInfo* command = FindCommand(name);
  if (command == nullptr) return UsageError("unknown command '" + name + "'");
  if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
    std::fputs(CommandHelp(*command).c_str(), stdout);
    return kCtlOk;
  }

  std::string url = kDefaultUrl;
  if (const char* env = std::getenv("COYOTES_URL"); env && *env) url = env;
  if (auto v = p->Get("url")) url = *v;
  Result<ApiAddress> address = ParseApiAddress(url);
  if (!address.ok()) return UsageError(address.status().message());
  Result<std::string> token = Token(*p);
  if (!token.ok()) return UsageError(token.status().message());

  Ctl ctl(ApiClient(std::move(*address), std::move(*token)), p->Has("json"),
          ColorWanted(STDOUT_FILENO));
  const int rc = command->run(ctl, rest);
  if (std::fflush(stdout) != 0 && rc == kCtlOk) {
    std::perror("coyotesctl: stdout");
    return kCtlRefused;
  }
  return rc;
}

}  // namespace
}  // namespace coyotes

int main(int argc, char** argv) { return coyotes::Main(argc, argv); }
