#include "task/channel_settings.h"

#include <jansson.h>

#include <initializer_list>

#include "base/json_util.h"

namespace coyotes {

namespace {

bool IsEnvName(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  for (size_t i = 0; i < n.size(); i++) {
    char c = n[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// A JSON array of strings, or an error naming `field`.
Result<std::vector<std::string>> StringArray(const json_t* a,
                                             const char* field) {
  if (!json_is_array(a))
    return InvalidArgument(std::string(field) + ": not a list");
  std::vector<std::string> out;
  size_t i;
  json_t* v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v))
      return InvalidArgument(std::string(field) + ": not a list of strings");
    out.emplace_back(json_string_value(v), json_string_length(v));
  }
  return out;
}

json_t* ToArray(const std::vector<std::string>& v) {
  json_t* a = json_array();
  for (const auto& s : v) json_array_append_new(a, json_string(s.c_str()));
  return a;
}

// The isolation part of a stored object; an error says what could not be
// read.
Status ParseIsolation(const json_t* o, ChannelSettings* s) {
  const json_t* v;
  if ((v = json_object_get(o, "user"))) {
    if (!json_is_string(v)) return InvalidArgument("user: not a string");
    s->user = json_string_value(v);
  }
  if ((v = json_object_get(o, "group"))) {
    if (!json_is_string(v)) return InvalidArgument("group: not a string");
    s->group = json_string_value(v);
  }
  if ((v = json_object_get(o, "limits"))) {
    auto l = LimitsFromJson(v);
    if (!l.ok()) return l.status();
    s->limits = l.value();
  }
  if ((v = json_object_get(o, "isolate"))) {
    auto names = StringArray(v, "isolate");
    if (!names.ok()) return names.status();
    for (const auto& n : names.value()) {
      unsigned bit = IsolateBit(n);
      if (bit == 0) return InvalidArgument("isolate: unknown '" + n + "'");
      s->isolate |= bit;
    }
  }
  if ((v = json_object_get(o, "shell"))) {
    if (!json_is_boolean(v)) return InvalidArgument("shell: not a boolean");
    s->policy.shell = json_is_true(v);
  }
  if ((v = json_object_get(o, "allow"))) {
    auto a = StringArray(v, "allow");
    if (!a.ok()) return a.status();
    for (const auto& p : a.value())
      if (p.empty() || p[0] != '/')
        return InvalidArgument("allow: '" + p + "' is not an absolute path");
    s->policy.allow = a.value();
  }
  if ((v = json_object_get(o, "env_allow"))) {
    auto a = StringArray(v, "env_allow");
    if (!a.ok()) return a.status();
    s->policy.env_allow = a.value();
  }
  if (s->isolate != 0) s->isolate |= kIsolateNoNewPrivs;
  s->policy.refuse_loader_env = s->policy.allow || s->isolate != 0;
  return Status::Ok();
}

}  // namespace

ChannelSettings ParseChannelSettings(const std::string& json,
                                     int default_workers) {
  ChannelSettings s;
  s.workers = default_workers;
  json_error_t err;
  JsonPtr o(json_loads(json.c_str(), 0, &err));
  if (!o || !json_is_object(o.get())) {
    // "" (created on first use) means the defaults; anything else that is
    // not an object cannot be trusted to mean "no isolation".
    if (!json.empty()) s.unreadable = "settings: not a JSON object";
    return s;
  }
  json_t* w = json_object_get(o.get(), "workers");
  if (json_is_integer(w) && json_integer_value(w) >= 1 &&
      json_integer_value(w) <= 1024) {
    s.workers = static_cast<int>(json_integer_value(w));
    s.has_workers = true;
  }
  s.distinct = json_is_true(json_object_get(o.get(), "distinct"));
  s.paused = json_is_true(json_object_get(o.get(), "paused"));
  json_t* r = json_object_get(o.get(), "retry");
  if (json_is_integer(r) && json_integer_value(r) >= 0 &&
      json_integer_value(r) <= 100)
    s.retry = static_cast<int>(json_integer_value(r));
  Status iso = ParseIsolation(o.get(), &s);
  if (!iso.ok()) s.unreadable = "settings: " + iso.message();
  return s;
}

std::string ChannelSettingsJson(const ChannelSettings& s) {
  JsonPtr o(json_object());
  if (s.has_workers)
    json_object_set_new(o.get(), "workers", json_integer(s.workers));
  json_object_set_new(o.get(), "distinct", json_boolean(s.distinct));
  if (s.retry >= 0)
    json_object_set_new(o.get(), "retry", json_integer(s.retry));
  if (!s.user.empty())
    json_object_set_new(o.get(), "user", json_string(s.user.c_str()));
  if (!s.group.empty())
    json_object_set_new(o.get(), "group", json_string(s.group.c_str()));
  if (!s.limits.empty())
    json_object_set_new(o.get(), "limits", LimitsToJsonObject(s.limits));
  if (s.isolate != 0) {
    json_t* a = json_array();
    for (unsigned bit : std::initializer_list<unsigned>{
             kIsolateNet, kIsolateTmp, kIsolatePid, kIsolateNoNewPrivs})
      if (s.isolate & bit)
        json_array_append_new(a, json_string(IsolateNames(bit).c_str()));
    json_object_set_new(o.get(), "isolate", a);
  }
  if (!s.policy.shell) json_object_set_new(o.get(), "shell", json_false());
  if (s.policy.allow)
    json_object_set_new(o.get(), "allow", ToArray(*s.policy.allow));
  if (s.policy.env_allow)
    json_object_set_new(o.get(), "env_allow", ToArray(*s.policy.env_allow));
  return JsonDump(o.get());
}

Status ApplyChannelRequest(const ChannelRequest& req, const char* path,
                           ChannelSettings* s) {
  if (req.group && !req.user) return InvalidArgument("group: needs a user");
  if (req.user) {
    if (req.user->empty()) return InvalidArgument("user: empty");
    s->user = *req.user;
  }
  if (req.group) {
    if (req.group->empty()) return InvalidArgument("group: empty");
    s->group = *req.group;
  }
  if (req.limits_json) {
    auto l = LimitsFromJsonText(*req.limits_json);
    if (!l.ok()) return l.status();
    s->limits = l.value();
  }
  for (const auto& n : req.isolate) {
    unsigned bit = IsolateBit(n);
    if (bit == 0)
      return InvalidArgument("isolate: unknown '" + n +
                             "' (net, tmp, pid, nonewprivs)");
    s->isolate |= bit;
  }
  if (s->isolate != 0) s->isolate |= kIsolateNoNewPrivs;
  if (req.allow) {
    if (req.shell && *req.shell)
      return InvalidArgument(
          "allow: refused with shell=true (a shell runs any program)");
    if (req.allow->empty()) return InvalidArgument("allow: empty list");
    std::vector<std::string> resolved;
    for (const auto& entry : *req.allow) {
      auto file = ResolveAllowEntry(entry, path);
      if (!file.ok()) return file.status();
      resolved.push_back(file.value());
    }
    s->policy.allow = resolved;
    s->policy.shell = false;
    s->policy.env_allow = std::vector<std::string>{};
  }
  if (req.shell) s->policy.shell = *req.shell;
  if (req.env_allow) {
    for (const auto& n : *req.env_allow)
      if (!IsEnvName(n))
        return InvalidArgument("env_allow: '" + n + "' is not a variable name");
    s->policy.env_allow = req.env_allow;
  }
  s->policy.refuse_loader_env = s->policy.allow || s->isolate != 0;
  return Status::Ok();
}

std::optional<RouteRefusal> CheckRoute(const TaskSpec& spec,
                                       const ChannelSettings& s,
                                       const char* path) {
  if (auto key = FirstAbove(spec.limits, s.limits))
    return RouteRefusal{"limits above the channel's: " + std::string(*key),
                        false};
  PolicyDecision d = CheckPolicy(spec, s.policy, spec.channel, path);
  if (!d.refusal.empty()) return RouteRefusal{d.refusal, true};
  return std::nullopt;
}

}  // namespace coyotes
