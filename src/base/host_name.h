// This host's name, read once: it labels workers in task records and lease
// owners, so that a master can tell its own host's owners from others'.
#ifndef COYOTES_BASE_HOST_NAME_H_
#define COYOTES_BASE_HOST_NAME_H_

#include <string>

namespace coyotes {

// gethostname(), or "localhost" when it fails.
const std::string& HostName();

}  // namespace coyotes

#endif  // COYOTES_BASE_HOST_NAME_H_
