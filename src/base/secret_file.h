// Secrets read from files (a Redis password, later HTTP tokens), so that
// they never appear on a command line, in /proc/PID/cmdline or in ps. The
// daemon reads them once at start, before it drops privileges; a file that
// other users may read is refused, as ssh refuses a private key that is.
#ifndef COYOTES_BASE_SECRET_FILE_H_
#define COYOTES_BASE_SECRET_FILE_H_

#include <string>

#include "base/status.h"

namespace coyotes {

// The whole content of the regular file at `path` (64 KiB at most).
// InvalidArgument, naming the path, when it cannot be opened or read, is
// not a regular file, is larger, or may be read by others (mode & 004).
Result<std::string> ReadSecretFile(const std::string& path);

// A one-line secret from a file's content: one trailing "\n" or "\r\n" is
// dropped; an empty secret or one holding a line break, NUL, or leading or
// trailing blanks is InvalidArgument (a stray blank is a classic cause of
// "wrong password" that nobody can see).
Result<std::string> SecretLine(const std::string& content);

}  // namespace coyotes

#endif  // COYOTES_BASE_SECRET_FILE_H_
