#include "ctl/args.h"

namespace coyotes {

bool ParsedArgs::Has(std::string_view name) const {
  for (const auto& [n, v] : options)
    if (n == name) return true;
  return false;
}

std::optional<std::string> ParsedArgs::Get(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [n, v] : options)
    if (n == name) out = v;
  return out;
}

std::vector<std::string> ParsedArgs::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : options)
    if (n == name) out.push_back(v);
  return out;
}

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             std::span<const OptSpec> specs, Positionals mode) {
  ParsedArgs out;
  size_t i = 0;
  auto value_of =
      [&](const std::string& shown,
          std::optional<std::string> attached) -> Result<std::string> {
    if (attached) return *attached;
    if (i + 1 >= args.size())
      return InvalidArgument("option " + shown + " needs a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      size_t eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? eq : eq - 2);
      const OptSpec* spec = nullptr;
      for (const OptSpec& s : specs)
        if (s.name == name) spec = &s;
      if (spec == nullptr) return InvalidArgument("unknown option --" + name);
      if (!spec->takes_value) {
        if (eq != std::string::npos)
          return InvalidArgument("option --" + name + " takes no value");
        out.options.emplace_back(name, "");
        continue;
      }
      std::optional<std::string> attached;
      if (eq != std::string::npos) attached = a.substr(eq + 1);
      Result<std::string> v = value_of("--" + name, attached);
      if (!v.ok()) return v.status();
      out.options.emplace_back(name, std::move(*v));
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      // A cluster of short options: -fc NAME, -cNAME.
      for (size_t k = 1; k < a.size(); ++k) {
        const OptSpec* spec = nullptr;
        for (const OptSpec& s : specs)
          if (s.short_name != 0 && s.short_name == a[k]) spec = &s;
        if (spec == nullptr)
          return InvalidArgument(std::string("unknown option -") + a[k]);
        if (!spec->takes_value) {
          out.options.emplace_back(std::string(spec->name), "");
          continue;
        }
        std::optional<std::string> attached;
        if (k + 1 < a.size()) attached = a.substr(k + 1);
        Result<std::string> v = value_of(std::string("-") + a[k], attached);
        if (!v.ok()) return v.status();
        out.options.emplace_back(std::string(spec->name), std::move(*v));
        break;
      }
      continue;
    }
    if (mode == Positionals::kStopAtFirst) break;
    out.positional.push_back(a);
  }
  for (; i < args.size(); ++i) out.positional.push_back(args[i]);
  return out;
}

}  // namespace coyotes
