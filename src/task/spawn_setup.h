// The child's side of isolation, between clone (or vfork) and execve:
// resource limits, no_new_privs, namespaces, and our PID 1.
//
// Everything here that runs in a child makes system calls only: no
// allocation, no lock, no logging (the caller prepares the plans). A step
// that fails is named by a SetupStep, which the child sends to the parent
// with its errno, so that a refusal reads "net namespace: Operation not
// permitted" rather than a bare errno.
#ifndef COYOTES_TASK_SPAWN_SETUP_H_
#define COYOTES_TASK_SPAWN_SETUP_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>

#include "task/isolation.h"

namespace coyotes {

enum class SetupStep : int {
  kNone = 0,
  // The host refused isolation (SetupStepIsIsolation).
  kUserNs,
  kNetNs,
  kMountNs,
  kPidNs,
  kSetgroups,
  kUidMap,
  kGidMap,
  kPrivateMounts,
  kTmpfsTmp,
  kTmpfsVarTmp,
  kLoopbackUp,
  kNoNewPrivs,
  // A limit could not be set (above the worker's hard limit, say), or our
  // init could not start the task: the spawn fails.
  kLimitCpu,
  kLimitMemory,
  kLimitNofile,
  kLimitNproc,
  kLimitFsize,
  kLimitCore,
  kInitFork,
};

// "net namespace", "setrlimit(memory)", ...; "exec" for kNone.
const char* SetupStepName(SetupStep step);
bool SetupStepIsIsolation(SetupStep step);

// The setrlimit calls of a ResourceLimits, prepared before the child.
struct LimitPlan {
  struct Item {
    int resource;
    rlimit value;
    SetupStep step;
  };
  int count = 0;
  Item items[6];
};
// cpu: soft = value (SIGXCPU), hard = value + 1 (the kernel's SIGKILL);
// the others soft = hard = value.
LimitPlan PlanLimits(const ResourceLimits& limits);
// Child: applies the plan; kNone, or the step that failed with errno set.
// A limit that cannot be set fails: the task never runs looser.
SetupStep ApplyLimits(const LimitPlan& plan);

// The namespaces of one spawn, prepared before the child.
struct NamespacePlan {
  unsigned isolate = 0;
  bool user_ns = false;   // not root: a user namespace maps us to ourselves
  char uid_map[32] = {};  // "UID UID 1\n"
  char gid_map[32] = {};
};
NamespacePlan PlanNamespaces(unsigned isolate);
// The clone flags of the plan (CLONE_NEW*).
uint64_t CloneFlags(const NamespacePlan& plan);
// Child, right after a clone with CloneFlags(plan): the uid and gid maps,
// the private /tmp and /var/tmp, `lo` up. kNone or the failed step.
SetupStep EnterNamespaces(const NamespacePlan& plan);
// Parent, after a clone with CloneFlags(plan) failed: which namespace the
// kernel refuses, found by cloning with one at a time (only on this
// failure path, so a spawn that works costs one clone).
SetupStep DiagnoseClone(const NamespacePlan& plan, int* err);

// clone3 as fork: a child with a copy of our memory (no CLONE_VM) in the
// namespaces of `flags`; returns like fork. The child must not use glibc's
// thread state (its cached thread id is the parent's): system calls only.
pid_t CloneProcess(uint64_t flags);

// Our PID 1 of a PID namespace.
//
// The init of a PID namespace gets only the signals it has handlers for,
// so the task itself cannot be PID 1: a timeout's SIGTERM would be lost.
// Ours forks the task (which leads its own session inside), forwards
// SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT and SIGWINCH
// to the task's process group, reaps whatever is orphaned to it, and when
// the task's main process ends it exits, which makes the kernel kill every
// process left in the namespace. SIGKILL (a kill grace that ran out, a
// fast stop) ends it at once, with the same effect.
//
// How the task ended is reported faithfully through a pipe: an init cannot
// re-raise a signal on itself (the kernel ignores it), and an exit code of
// 128+N would be ambiguous with a task that exits 128+N. Init writes an
// ExitReport (the task's own wait status and CPU time) and then exits with
// the task's exit code, or 128+N for signal N, for anyone who only sees
// that. A reader that finds no report (init was killed) takes init's own
// status.
void InstallInitHandlers();  // before the fork of the task
[[noreturn]] void RunPidInit(pid_t task, int report_fd);

}  // namespace coyotes

#endif  // COYOTES_TASK_SPAWN_SETUP_H_
