#include "daemon/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace coyotes {

namespace {

// getpwnam_r and getgrnam_r with a buffer that grows on ERANGE.
Result<passwd> LookUpUser(const std::string& name, std::vector<char>* buf) {
  passwd pw, *found = nullptr;
  buf->resize(1024);
  for (;;) {
    int rc = getpwnam_r(name.c_str(), &pw, buf->data(), buf->size(), &found);
    if (rc == ERANGE && buf->size() < (1u << 20)) {
      buf->resize(buf->size() * 2);
      continue;
    }
    if (rc != 0) return Status::Errno("looking up user '" + name + "'", rc);
    if (found == nullptr) return InvalidArgument("unknown user '" + name + "'");
    return pw;
  }
}

Result<group> LookUpGroup(const std::string& name, std::vector<char>* buf) {
  group gr, *found = nullptr;
  buf->resize(1024);
  for (;;) {
    int rc = getgrnam_r(name.c_str(), &gr, buf->data(), buf->size(), &found);
    if (rc == ERANGE && buf->size() < (1u << 20)) {
      buf->resize(buf->size() * 2);
      continue;
    }
    if (rc != 0) return Status::Errno("looking up group '" + name + "'", rc);
    if (found == nullptr)
      return InvalidArgument("unknown group '" + name + "'");
    return gr;
  }
}

std::string GroupName(gid_t gid) {
  std::vector<char> buf(1024);
  group gr, *found = nullptr;
  while (getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == ERANGE &&
         buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
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
  auto pw = LookUpUser(user, &buf);
  if (!pw.ok()) return pw.status();
  RunAs who;
  who.user = user;
  who.uid = pw->pw_uid;
  who.gid = pw->pw_gid;
  if (!group_name.empty()) {
    auto gr = LookUpGroup(group_name, &buf);
    if (!gr.ok()) return gr.status();
    who.gid = gr->gr_gid;
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
  std::vector<char> buf(1024);
  passwd pw, *found = nullptr;
  while (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == ERANGE &&
         buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
  return found ? std::string(found->pw_name) : std::string();
}

RunAs CurrentUser() {
  RunAs who;
  who.uid = getuid();
  who.gid = getgid();
  std::vector<char> buf(1024);
  passwd pw, *found = nullptr;
  while (getpwuid_r(who.uid, &pw, buf.data(), buf.size(), &found) == ERANGE &&
         buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
  who.user = found ? std::string(found->pw_name) : std::to_string(who.uid);
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
