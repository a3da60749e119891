// Unit tests for src/store/scripts.h: the scripts built into the binary are
// exactly the files of src/store/lua/, all of them and nothing else, so that
// the embedded text can never silently go stale behind an edited file.
#include "store/scripts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace coyotes {
namespace {

namespace fs = std::filesystem;

const fs::path kLuaDir = fs::path(COYOTES_SRCDIR) / "src/store/lua";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The source tree's scripts, by name (the file name without ".lua").
std::map<std::string, std::string> LuaFiles() {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(kLuaDir)) {
    if (entry.path().extension() != ".lua") continue;
    files[entry.path().stem().string()] = ReadFile(entry.path());
  }
  return files;
}

TEST(ScriptsTest, EmbeddedScriptsAreTheLuaFiles) {
  const auto files = LuaFiles();
  ASSERT_FALSE(files.empty()) << "no .lua file in " << kLuaDir;
  std::set<std::string> embedded;
  for (const Script* script : AllScripts()) {
    ASSERT_NE(script, nullptr);
    EXPECT_TRUE(embedded.insert(script->name).second)
        << script->name << " embedded twice";
    auto file = files.find(script->name);
    if (file == files.end()) {
      ADD_FAILURE() << script->name << " is embedded but " << kLuaDir
                    << " has no " << script->name << ".lua";
      continue;
    }
    EXPECT_EQ(script->text, file->second)
        << script->name << ".lua differs from the embedded text";
  }
  for (const auto& [name, text] : files)
    EXPECT_TRUE(embedded.contains(name))
        << name << ".lua is not embedded: list it in LUA_FILES (Makefile.am)";
}

// The constants callers use are among the embedded scripts, under the name
// of their file.
TEST(ScriptsTest, ConstantsNameTheirFiles) {
  const std::map<std::string, const Script*> constants = {
      {"route", &kRouteScript},
      {"take_batch", &kTakeBatchScript},
      {"dead_letter", &kDeadLetterScript},
      {"start", &kStartScript},
      {"finish", &kFinishScript},
      {"retry", &kRetryScript},
      {"promote", &kPromoteScript},
      {"task_set_page", &kTaskSetPageScript},
      {"failed_action", &kFailedActionScript},
      {"requeue", &kRequeueScript},
      {"heartbeat", &kHeartbeatScript},
      {"task_heartbeat", &kTaskHeartbeatScript},
      {"cancel", &kCancelScript},
      {"channel_page", &kChannelPageScript},
      {"delete_channel", &kDeleteChannelScript},
      {"expired", &kExpiredScript},
      {"recover", &kRecoverScript},
  };
  std::set<const Script*> all(AllScripts().begin(), AllScripts().end());
  for (const auto& [name, script] : constants) {
    EXPECT_EQ(script->name, name);
    EXPECT_TRUE(all.contains(script)) << name << " is not in AllScripts()";
  }
}

// finish.lua and retry.lua each carry the same release() and history_with()
// (a script cannot include another); a fix to one must reach the other.
TEST(ScriptsTest, FinishAndRetryShareTheWorkerEnd) {
  auto worker_end = [](const std::string& text) {
    const std::string begin = "-- >>> worker end", end = "-- <<< worker end";
    size_t from = text.find(begin);
    size_t to = text.find(end);
    if (from == std::string::npos || to == std::string::npos || to < from)
      return std::string();
    return text.substr(from, to - from);
  };
  const std::string finish = worker_end(kFinishScript.text);
  ASSERT_NE(finish, "") << "finish.lua lacks its worker end markers";
  EXPECT_NE(finish.find("local function release()"), std::string::npos);
  EXPECT_NE(finish.find("local function history_with("), std::string::npos);
  EXPECT_EQ(worker_end(kRetryScript.text), finish);
}

// Every script that changes a task's state publishes it with the same
// event() (issue: task events); a fix to one copy must reach all.
TEST(ScriptsTest, StateChangesShareTheEvent) {
  auto section = [](const std::string& text) {
    const std::string begin = "-- >>> event", end = "-- <<< event";
    size_t from = text.find(begin);
    size_t to = text.find(end);
    if (from == std::string::npos || to == std::string::npos || to < from)
      return std::string();
    return text.substr(from, to - from);
  };
  const std::string route = section(kRouteScript.text);
  ASSERT_NE(route, "") << "route.lua lacks its event markers";
  int with_state = 0;
  for (const Script* script : AllScripts()) {
    const std::string text = script->text;
    if (text.find("'state', '") == std::string::npos &&
        text.find("'state', state") == std::string::npos &&
        text.find("'state', ARGV") == std::string::npos)
      continue;
    with_state++;
    EXPECT_EQ(section(text), route) << script->name;
    const size_t body = text.find("-- <<< event");
    EXPECT_NE(text.find("event(", body == std::string::npos ? 0 : body + 12),
              std::string::npos)
        << script->name << " never calls event()";
  }
  EXPECT_EQ(with_state, 9);
}

}  // namespace
}  // namespace coyotes
