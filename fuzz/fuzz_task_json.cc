// libFuzzer target for the task-JSON codec. The input is one producer item
// as pushed onto task:prepare:queue. When ParseProducerItem accepts it, the
// task goes through EncodeQueueItem -> DecodeQueueItem and every field a
// worker relies on must come back unchanged (abort otherwise). The same
// bytes are also given to DecodeQueueItem directly, as a queue item read
// back from Redis, which must fail cleanly or succeed, never crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "task/task.h"
#include "task/task_codec.h"

namespace {

[[noreturn]] void Mismatch(const char* field, std::string_view item) {
  std::fprintf(stderr, "queue item round trip changed '%s'; item: %.*s\n",
               field, static_cast<int>(item.size()), item.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const coyotes::ProducerLimits limits{"default", 1 << 20};
  coyotes::Result<coyotes::TaskSpec> parsed =
      coyotes::ParseProducerItem(in, limits);
  if (parsed.ok()) {
    coyotes::TaskSpec spec = std::move(parsed.value());
    if (spec.id.empty()) spec.id = coyotes::NewTaskId();
    if (!coyotes::IsValidTaskId(spec.id)) Mismatch("id (invalid)", "");

    const std::string item = coyotes::EncodeQueueItem(spec);
    coyotes::Result<coyotes::TaskSpec> back = coyotes::DecodeQueueItem(item);
    if (!back.ok()) Mismatch("(decoding failed)", item);
    const coyotes::TaskSpec& got = back.value();
    if (got.id != spec.id) Mismatch("id", item);
    if (got.channel != spec.channel) Mismatch("chan", item);
    if (got.name != spec.name) Mismatch("name", item);
    if (got.command != spec.command) Mismatch("cmd", item);
    if (got.args != spec.args) Mismatch("args", item);
    if (got.timeout_s != spec.timeout_s) Mismatch("timeout", item);
    if (got.env != spec.env) Mismatch("env", item);
    if (got.cwd != spec.cwd) Mismatch("cwd", item);
    if (got.attempt != spec.attempt) Mismatch("a", item);
    // Canonical: encoding the decoded task gives the same bytes.
    if (coyotes::EncodeQueueItem(got) != item) Mismatch("(re-encoding)", item);
  }

  // Untrusted bytes as a queue item: any answer will do, no crash.
  coyotes::Result<coyotes::TaskSpec> raw = coyotes::DecodeQueueItem(in);
  if (raw.ok() && (raw->id.empty() || raw->command.empty()))
    Mismatch("(accepted without id/cmd)", in);
  return 0;
}
