// The Lua scripts of the queue protocol. Each multi-key step runs as one
// script so that Redis applies it whole or not at all: a crash between two
// commands can never leave a task in two places or in none. The protocol is
// described in HACKING.md. Each script is a file, src/store/lua/NAME.lua,
// whose header states its keys, arguments, reply and why it is one step;
// the build embeds the files (src/store/lua/embed.sh) as the constants below.
#ifndef COYOTES_STORE_SCRIPTS_H_
#define COYOTES_STORE_SCRIPTS_H_

#include <span>

#include "store/redis_client.h"

namespace coyotes {

extern const Script kRouteScript;
extern const Script kTakeBatchScript;
extern const Script kDeadLetterScript;
extern const Script kStartScript;
extern const Script kFinishScript;
extern const Script kRetryScript;
extern const Script kPromoteScript;
extern const Script kTaskSetPageScript;
extern const Script kFailedActionScript;
extern const Script kRequeueScript;
extern const Script kHeartbeatScript;
extern const Script kTaskHeartbeatScript;
extern const Script kCancelScript;
extern const Script kChannelPageScript;
extern const Script kDeleteChannelScript;
extern const Script kExpiredScript;
extern const Script kRecoverScript;
extern const Script kCallbackClaimScript;
extern const Script kCallbackDoneScript;
extern const Script kChannelPauseScript;
extern const Script kClaimCheckScript;
extern const Script kScheduleDueScript;
extern const Script kSchedulePutScript;
extern const Script kScheduleFileScript;
extern const Script kScheduleViewScript;
extern const Script kMetricsScript;
extern const Script kOutputAppendScript;
extern const Script kOutputReadScript;

// Every embedded script, so that a test can hold each to its file.
std::span<const Script* const> AllScripts();

// Most dead letters kept; older ones are trimmed.
inline constexpr int kDeadLetterCap = 10000;

}  // namespace coyotes

#endif  // COYOTES_STORE_SCRIPTS_H_
