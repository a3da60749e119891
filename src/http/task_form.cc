#include "http/task_form.h"

#include <jansson.h>

#include <cmath>
#include <cstdlib>

#include "base/json_util.h"
#include "task/task_codec.h"

namespace coyotes {

Result<JsonPtr> TaskObjectFromForm(const Form& form, const std::string& channel,
                                   int64_t max_task_bytes) {
  JsonPtr o(json_object());
  for (const char* k :
       {"task", "command", "id", "cwd", "script", "interpreter", "callback"}) {
    const std::string* v = FormGet(form, k);
    if (v) json_object_set_new(o.get(), k, json_stringn(v->data(), v->size()));
  }
  json_object_set_new(o.get(), "chan",
                      json_stringn(channel.data(), channel.size()));
  std::vector<std::string> args = FormGetAll(form, "args");
  if (!args.empty()) {
    json_t* a = json_array();
    for (const auto& x : args)
      json_array_append_new(a, json_stringn(x.data(), x.size()));
    json_object_set_new(o.get(), "args", a);
  }
  if (const std::string* t = FormGet(form, "timeout"); t && !t->empty()) {
    char* end = nullptr;
    double v = std::strtod(t->c_str(), &end);
    if (end == t->c_str() || *end != '\0' || !std::isfinite(v))
      return InvalidArgument("field 'timeout' must be a number of seconds");
    json_object_set_new(o.get(), "timeout", json_real(v));
  }
  // Numbers arrive as text in forms; the JSON rules then apply to them.
  for (const char* k : {"delay", "run_at", "retry"}) {
    const std::string* v = FormGet(form, k);
    if (v == nullptr || v->empty()) continue;
    json_error_t err;
    json_t* n = json_loadb(v->data(), v->size(), JSON_DECODE_ANY, &err);
    if (n == nullptr || !json_is_number(n)) {
      if (n) json_decref(n);
      return InvalidArgument(std::string("field '") + k + "' must be a number");
    }
    json_object_set_new(o.get(), k, n);
  }
  std::vector<std::string> codes = FormGetAll(form, "retry_on");
  if (!codes.empty()) {
    json_t* a = json_array();
    for (const auto& c : codes) {
      if (c.empty() || c.size() > 3 ||
          c.find_first_not_of("0123456789") != std::string::npos) {
        json_decref(a);
        return InvalidArgument("field 'retry_on' must hold exit codes");
      }
      json_array_append_new(a, json_integer(std::stoi(c)));
    }
    json_object_set_new(o.get(), "retry_on", a);
  }
  if (const std::string* l = FormGet(form, "limits"); l && !l->empty())
    json_object_set_new(o.get(), "limits", json_stringn(l->data(), l->size()));
  if (const std::string* e = FormGet(form, "env"); e && !e->empty()) {
    json_error_t err;
    json_t* env = json_loadb(e->data(), e->size(), 0, &err);
    if (env == nullptr)
      return InvalidArgument("field 'env' must be a JSON object");
    json_object_set_new(o.get(), "env", env);
  }
  size_t bytes = 0;
  for (const auto& f : form) bytes += f.name.size() + f.value.size();
  if (static_cast<int64_t>(bytes) > max_task_bytes)
    return InvalidArgument("task of " + std::to_string(bytes) +
                           " bytes is over --max-task-bytes");
  return o;
}

Result<TaskSpec> TaskFromForm(const Form& form, const std::string& channel,
                              int64_t max_task_bytes) {
  auto o = TaskObjectFromForm(form, channel, max_task_bytes);
  if (!o.ok()) return o.status();
  ProducerLimits limits{channel, max_task_bytes};
  return TaskFromJsonObject(o.value().get(), limits);
}

}  // namespace coyotes
