#include "daemon/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace coyotes {

namespace {

// One get*_r call of the user and group databases, with a buffer that
// grows on ERANGE (up to 1 MiB). Returns the entry (null: none) and sets
// *err to the call's error.
template <typename Entry, typename Call>
Entry* LookUp(Call call, Entry* entry, std::vector<char>* buf, int* err) {
  Entry* found = nullptr;
  buf->resize(1024);
  while ((*err = call(entry, buf->data(), buf->size(), &found)) == ERANGE &&
         buf->size() < (1u << 20))
    buf->resize(buf->size() * 2);
  return *err == 0 ? found : nullptr;
}

std::string GroupName(gid_t gid) {
  std::vector<char> buf;
  group gr;
  int err;
  group* found =
      LookUp([gid](group* g, char* b, size_t n,
                   group** r) { return getgrgid_r(gid, g, b, n, r); },
             &gr, &buf, &err);
  return found ? std::string(found->gr_name) : std::to_string(gid);
}

}  // namespace

Result<RunAs> ResolveRunAs(const std::string& spec) {
  size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group_name =
      colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty()) return InvalidArgument("no user name");
  if (colon != std::string::npos && group_name.empty())
    return InvalidArgument("no group name after ':'");
  std::vector<char> buf;
  int err;
  passwd pw;
  passwd* user_entry = LookUp(
      [&user](passwd* p, char* b, size_t n, passwd** r) {
        return getpwnam_r(user.c_str(), p, b, n, r);
      },
      &pw, &buf, &err);
  if (err != 0) return Status::Errno("looking up user '" + user + "'", err);
  if (user_entry == nullptr)
    return InvalidArgument("unknown user '" + user + "'");
  RunAs who;
  who.user = user;
  who.uid = pw.pw_uid;
  who.gid = pw.pw_gid;
  if (!group_name.empty()) {
    group gr;
    group* group_entry = LookUp(
        [&group_name](group* g, char* b, size_t n, group** r) {
          return getgrnam_r(group_name.c_str(), g, b, n, r);
        },
        &gr, &buf, &err);
    if (err != 0)
      return Status::Errno("looking up group '" + group_name + "'", err);
    if (group_entry == nullptr)
      return InvalidArgument("unknown group '" + group_name + "'");
    who.gid = gr.gr_gid;
    who.group = group_name;
  } else {
    who.group = GroupName(who.gid);
  }
  return who;
}

RunAs CurrentIds() {
  RunAs who;
  who.uid = getuid();
  who.gid = getgid();
  return who;
}

std::string UserName(uid_t uid) {
  std::vector<char> buf;
  passwd pw;
  int err;
  passwd* found =
      LookUp([uid](passwd* p, char* b, size_t n,
                   passwd** r) { return getpwuid_r(uid, p, b, n, r); },
             &pw, &buf, &err);
  return found ? std::string(found->pw_name) : std::string();
}

RunAs CurrentUser() {
  RunAs who = CurrentIds();
  who.user = UserName(who.uid);
  if (who.user.empty()) who.user = std::to_string(who.uid);
  who.group = GroupName(who.gid);
  return who;
}

Status DropPrivileges(const RunAs& who) {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  if (ruid == who.uid && euid == who.uid && suid == who.uid &&
      rgid == who.gid && egid == who.gid && sgid == who.gid)
    return Status::Ok();
  // Groups first: once the uid is not 0, they can no longer be changed.
  if (initgroups(who.user.c_str(), who.gid) != 0)
    return Status::Errno("initgroups(" + who.user + ")", errno);
  if (setresgid(who.gid, who.gid, who.gid) != 0)
    return Status::Errno("setresgid(" + std::to_string(who.gid) + ")", errno);
  if (setresuid(who.uid, who.uid, who.uid) != 0)
    return Status::Errno("setresuid(" + std::to_string(who.uid) + ")", errno);
  return CheckCannotRegainRoot();
}

Status CheckCannotRegainRoot() {
  if (getuid() == 0 || geteuid() == 0) return Status::Ok();  // still root
  // Each of these must fail; one that succeeds means a saved or real id
  // of 0 survived, and this process could become root again.
  if (setuid(0) == 0 || seteuid(0) == 0)
    return Internal("could become uid 0 again after dropping privileges");
  if (getgid() != 0 && getegid() != 0 && (setgid(0) == 0 || setegid(0) == 0))
    return Internal("could become gid 0 again after dropping privileges");
  return Status::Ok();
}

}  // namespace coyotes
