// Every command-line flag, read once into a plain Config.
//
// Flags are gflags DEFINEs in flags.cc only; the rest of the program sees the
// validated Config and never a FLAGS_ variable, so tests can build a Config
// by hand. Invalid input exits 2 with one line naming the flag.
#ifndef COYOTES_DAEMON_FLAGS_H_
#define COYOTES_DAEMON_FLAGS_H_

#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace coyotes {

// Validates the flag values gflags has parsed and fills *config. The message
// of an error names the flag in its dashed form: "--concurrent: must be ...".
Status ConfigFromFlags(Config* config);

// Parses argv the way the daemon does: handles --help and --version itself,
// maps every gflags error to exit status 2, then validates. Exits the
// process on bad usage; returns the Config otherwise. Also returns the
// deprecation warnings to log once logging is up.
Config ParseCommandLineOrExit(int* argc, char*** argv,
                              std::vector<std::string>* warnings);

// The usage text printed by --help (generated from the flag table, so it
// cannot drift from the code).
std::string UsageText();

extern const char kVersion[];

}  // namespace coyotes

#endif  // COYOTES_DAEMON_FLAGS_H_
