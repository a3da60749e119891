// What several commands do alike with their words: operands counted,
// and the page options of the lists.
#include "ctl/api_client.h"
#include "ctl/commands.h"

namespace coyotes {

bool ParseOperands(Ctl& ctl, const char* command, const Args& args,
                   std::span<const OptSpec> specs, size_t want,
                   const char* missing, ParsedArgs* out, int* rc) {
  Result<ParsedArgs> p = ParseArgs(args, specs);
  if (!p.ok()) {
    *rc = ctl.Usage(command, p.status().message());
    return false;
  }
  if (p->positional.size() < want) {
    *rc = ctl.Usage(command, std::string("missing ") + missing);
    return false;
  }
  if (p->positional.size() > want) {
    *rc = ctl.Usage(command, "too many operands");
    return false;
  }
  *out = std::move(*p);
  return true;
}

std::string PageQuery(const std::string& limit, const std::string& offset) {
  std::string q;
  if (!limit.empty()) q += "limit=" + PathSegment(limit);
  if (!offset.empty())
    q += (q.empty() ? "offset=" : "&offset=") + PathSegment(offset);
  return q.empty() ? q : "?" + q;
}

}  // namespace coyotes
