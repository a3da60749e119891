#include "task/limits.h"

#include <array>
#include <charconv>

#include "base/json_util.h"

namespace coyotes {

namespace {

// Above this a value is surely not meant (and cpu + 1, the hard limit,
// must still fit in 64 bits): refused as out of range.
constexpr int64_t kMaxValue = int64_t{1} << 62;

struct Key {
  std::string_view name;
  std::optional<int64_t> ResourceLimits::*field;
  bool size;  // bytes: K/M/G suffixes allowed, 0 allowed
};

// The fixed order of FirstAbove and of the JSON output.
constexpr std::array<Key, 6> kKeys = {{
    {"cpu", &ResourceLimits::cpu, false},
    {"memory", &ResourceLimits::memory, true},
    {"nofile", &ResourceLimits::nofile, false},
    {"nproc", &ResourceLimits::nproc, false},
    {"fsize", &ResourceLimits::fsize, true},
    {"core", &ResourceLimits::core, true},
}};

const Key* FindKey(std::string_view name) {
  for (const Key& k : kKeys)
    if (k.name == name) return &k;
  return nullptr;
}

Status KeyError(std::string_view key, const std::string& what) {
  return InvalidArgument("limits: " + std::string(key) + ": " + what);
}

// The range rules shared by both notations.
Result<int64_t> CheckRange(const Key& key, int64_t v) {
  if (v < 0) return KeyError(key.name, "must not be negative");
  if (v > kMaxValue) return KeyError(key.name, "out of range");
  if (!key.size && v < 1) return KeyError(key.name, "must be at least 1");
  if (key.field == &ResourceLimits::memory && v < kMinMemoryLimit)
    return KeyError(key.name, "must be at least 1M (1048576 bytes); " +
                                  std::to_string(v) +
                                  " bytes cannot run a program");
  return v;
}

// Digits, and for a size one optional K, M or G.
Result<int64_t> ParseText(const Key& key, std::string_view text) {
  const std::string expect =
      key.size ? "expected bytes: digits with an optional K, M or G suffix"
               : "expected a whole number";
  int shift = 0;
  if (key.size && !text.empty()) {
    switch (text.back()) {
      case 'K':
        shift = 10;
        break;
      case 'M':
        shift = 20;
        break;
      case 'G':
        shift = 30;
        break;
    }
    if (shift != 0) text.remove_suffix(1);
  }
  if (text.empty()) return KeyError(key.name, "empty value; " + expect);
  if (text.front() == '-') return KeyError(key.name, "must not be negative");
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range)
    return KeyError(key.name, "out of range");
  if (ec != std::errc() || end != text.data() + text.size())
    return KeyError(key.name, "\"" + std::string(text) + "\": " + expect);
  if (v > (kMaxValue >> shift)) return KeyError(key.name, "out of range");
  return CheckRange(key, v << shift);
}

Result<int64_t> ParseJsonValue(const Key& key, const json_t* v) {
  if (json_is_integer(v)) return CheckRange(key, json_integer_value(v));
  if (key.size && json_is_string(v))
    return ParseText(
        key, std::string_view(json_string_value(v), json_string_length(v)));
  return KeyError(key.name, key.size ? "expected an integer of bytes or a "
                                       "string such as \"512M\""
                                     : "expected an integer");
}

}  // namespace

bool ResourceLimits::empty() const {
  for (const Key& k : kKeys)
    if ((this->*k.field).has_value()) return false;
  return true;
}

Result<ResourceLimits> LimitsFromJson(const json_t* j) {
  if (!json_is_object(j)) return InvalidArgument("limits: expected an object");
  ResourceLimits l;
  const char* name;
  json_t* value;
  // json_object_foreach takes a non-const object; it does not change it.
  json_object_foreach(const_cast<json_t*>(j), name, value) {
    const Key* key = FindKey(name);
    if (key == nullptr)
      return InvalidArgument(
          "limits: " + std::string(name) +
          ": unknown limit (cpu, memory, nofile, nproc, fsize, core)");
    auto v = ParseJsonValue(*key, value);
    if (!v.ok()) return v.status();
    l.*key->field = *v;
  }
  return l;
}

Result<ResourceLimits> LimitsFromJsonText(std::string_view text) {
  json_error_t err;
  JsonPtr j(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &err));
  if (!j) return InvalidArgument(std::string("limits: ") + err.text);
  return LimitsFromJson(j.get());
}

Result<ResourceLimits> LimitsFromFlag(std::string_view text) {
  ResourceLimits l;
  bool more = !text.empty();
  while (more) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) text.remove_prefix(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument("limits: \"" + std::string(item) +
                             "\": expected key=value");
    std::string_view name = item.substr(0, eq);
    const Key* key = FindKey(name);
    if (key == nullptr)
      return InvalidArgument(
          "limits: " + std::string(name) +
          ": unknown limit (cpu, memory, nofile, nproc, fsize, core)");
    if ((l.*key->field).has_value()) return KeyError(name, "given twice");
    auto v = ParseText(*key, item.substr(eq + 1));
    if (!v.ok()) return v.status();
    l.*key->field = *v;
  }
  return l;
}

json_t* LimitsToJsonObject(const ResourceLimits& l) {
  json_t* o = json_object();
  for (const Key& k : kKeys)
    if ((l.*k.field).has_value())
      json_object_set_new(o, std::string(k.name).c_str(),
                          json_integer(*(l.*k.field)));
  return o;
}

std::string LimitsToJson(const ResourceLimits& l) {
  JsonPtr o(LimitsToJsonObject(l));
  return JsonDump(o.get());
}

ResourceLimits Tightest(const ResourceLimits& a, const ResourceLimits& b) {
  ResourceLimits t;
  for (const Key& k : kKeys) {
    const auto &x = a.*k.field, &y = b.*k.field;
    if (x && y)
      t.*k.field = std::min(*x, *y);
    else
      t.*k.field = x ? x : y;
  }
  return t;
}

std::optional<std::string_view> FirstAbove(const ResourceLimits& task,
                                           const ResourceLimits& channel) {
  for (const Key& k : kKeys) {
    const auto &asked = task.*k.field, &allowed = channel.*k.field;
    if (asked && allowed && *asked > *allowed) return k.name;
  }
  return std::nullopt;
}

}  // namespace coyotes
