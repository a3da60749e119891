// Command-line options of coyotesctl and of each of its commands, parsed
// by hand: every command has options of its own (push's -c is not
// channel's), which a global flags library cannot express. getopt_long's
// conventions: --name=value, --name value, -c value, -cvalue, "--" ends
// the options.
#ifndef COYOTES_CTL_ARGS_H_
#define COYOTES_CTL_ARGS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace coyotes {

struct OptSpec {
  std::string_view name;  // the long name, without "--"
  char short_name;        // 0 for none
  bool takes_value;
};

struct ParsedArgs {
  // Options in the order given, by long name; a flag's value is "".
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> positional;

  bool Has(std::string_view name) const;
  // The last value given (a later option overrides an earlier one).
  std::optional<std::string> Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
};

enum class Positionals {
  // Options and operands may be mixed: "logs ID -f".
  kMixed,
  // The first operand ends the options, as "--" does: what follows is a
  // program's command line ("push -c ci make -j2"), whose options are its
  // own.
  kStopAtFirst,
};

// InvalidArgument with a one-line message for an unknown option, a missing
// value, or a value given to a flag.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             std::span<const OptSpec> specs,
                             Positionals mode = Positionals::kMixed);

}  // namespace coyotes

#endif  // COYOTES_CTL_ARGS_H_
