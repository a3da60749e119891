// Script tasks: the text travels with the task, the worker writes it to a
// folder only the task's user may enter, runs it, and removes the folder
// however the task ends.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

class Script : public BlackBox {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    d_ = StartDaemon(std::move(flags));
    port_ = d_->http_port();
  }
  // Pushes a script task whose script first writes $COYOTES_SCRIPT to
  // DIR/<id>.path, so that the test can watch its folder.
  void PushScript(const std::string& id, const std::string& body,
                  const std::string& extra = "") {
    PushRaw("{\"id\":\"" + id + "\",\"script\":" + Json(body) + extra + "}");
  }
  std::string Record(const std::string& id) {
    return HttpRequest(port_, "GET", "/tasks/" + id).body;
  }
  // The folder of the script the task ran, from what it wrote.
  std::string FolderOf(const std::string& id) {
    std::string p = ReadAll(tmp_ / (id + ".path"));
    while (!p.empty() && p.back() == '\n') p.pop_back();
    return p.substr(0, p.rfind('/'));
  }
  std::string Mark(const std::string& id) {
    return "echo \"$COYOTES_SCRIPT\" > " + (tmp_ / (id + ".path")) + "\n";
  }

  std::unique_ptr<Daemon> d_;
  int port_ = 0;
};

TEST_F(Script, WithoutShebangRunsUnderShWithArgs) {
  Start();
  PushScript("s1", Mark("s1") + "echo \"hi $1 $2\" > " + (tmp_ / "out1"),
             ",\"args\":[\"a\",\"b c\"]");
  ASSERT_TRUE(WaitState("s1", "succeeded")) << d_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "out1"), "hi a b c\n");
  std::string r = Record("s1");
  EXPECT_NE(r.find("\"task_name\":\"script:echo \\\"$COYOTES_SCRIPT"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("\"script\":\"echo"), std::string::npos) << r;
  EXPECT_NE(r.find("\"interpreter\":null"), std::string::npos) << r;
  const std::string folder = FolderOf("s1");
  EXPECT_EQ(folder.rfind("/dev/shm/coyotes-script-", 0), 0u) << folder;
  EXPECT_FALSE(Exists(folder)) << "the script's folder outlived the task";
}

TEST_F(Script, ShebangLineWithItsArgument) {
  Start();
  // sh -e: the script stops at `false`.
  PushScript("s2", "#!/bin/sh -e\n" + Mark("s2") + "false\necho no > " +
                       (tmp_ / "out2"));
  ASSERT_TRUE(WaitState("s2", "failed")) << d_->LogTail();
  EXPECT_FALSE(Exists(tmp_ / "out2"));
  EXPECT_EQ(Field("s2", "exit_code"), "1");
  EXPECT_NE(Record("s2").find("\"task_name\":\"script:echo"),
            std::string::npos);
  EXPECT_FALSE(Exists(FolderOf("s2")));
}

TEST_F(Script, NamedInterpreterAndTheFolderItRunsIn) {
  Start();
  PushScript("s3",
             Mark("s3") +
                 "[[ -x $COYOTES_SCRIPT ]] && stat -c %a \"${0%/*}\" > " +
                 (tmp_ / "out3"),
             ",\"interpreter\":\"bash\"");
  ASSERT_TRUE(WaitState("s3", "succeeded")) << d_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "out3"), "700\n");
  EXPECT_NE(Record("s3").find("\"interpreter\":\"bash\""), std::string::npos);
}

TEST_F(Script, OneMebibyteScript) {
  Start({"--max-task-bytes=2097152"});
  std::string body = Mark("big");
  while (body.size() < (1u << 20)) body += "# " + std::string(70, 'x') + "\n";
  body += "echo big > " + (tmp_ / "big");
  PushScript("big", body);
  ASSERT_TRUE(WaitState("big", "succeeded")) << d_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "big"), "big\n");
  EXPECT_FALSE(Exists(FolderOf("big")));
}

TEST_F(Script, TheFolderGoesWhateverTheEnd) {
  Start({"--concurrent=2", "--kill-grace=1"});
  PushScript("to", Mark("to") + "sleep 30", ",\"timeout\":1");
  ASSERT_TRUE(WaitState("to", "failed", 20)) << d_->LogTail();
  EXPECT_FALSE(Exists(FolderOf("to")));

  PushScript("cx", Mark("cx") + "sleep 30");
  ASSERT_TRUE(WaitState("cx", "running")) << d_->LogTail();
  ASSERT_TRUE(WaitFor([&] { return Exists(tmp_ / "cx.path"); }, 10));
  EXPECT_TRUE(Exists(FolderOf("cx")));
  EXPECT_EQ(HttpRequest(port_, "DELETE", "/tasks/cx").status, 202);
  ASSERT_TRUE(WaitState("cx", "cancelled")) << d_->LogTail();
  EXPECT_FALSE(Exists(FolderOf("cx")));
}

TEST_F(Script, AFolderLeftByAKilledWorkerIsRemoved) {
  Start({"--concurrent=1"});
  PushScript("k9", Mark("k9") + "sleep 30");
  ASSERT_TRUE(WaitFor([&] { return Exists(tmp_ / "k9.path"); }, 10))
      << d_->LogTail();
  const std::string folder = FolderOf("k9");
  ASSERT_TRUE(Exists(folder));
  std::vector<pid_t> workers = d_->WorkerPids();
  ASSERT_EQ(workers.size(), 1u);
  kill(workers[0], SIGKILL);
  // The worker that replaces it removes what the dead one left.
  EXPECT_TRUE(WaitFor([&] { return !Exists(folder); }, 20)) << d_->LogTail();
  // The task itself runs again (at least once); end it for a quick drain.
  HttpRequest(port_, "DELETE", "/tasks/k9");
}

TEST_F(Script, OverHttpFormJsonAndFilePart) {
  Start();
  HttpResponse r =
      HttpRequest(port_, "POST", "/channels/default",
                  "id=h1&script=" + UrlEncode("echo form > " + (tmp_ / "h1")),
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 200) << r.body;
  r = HttpRequest(port_, "POST", "/channels/default",
                  "{\"id\":\"h2\",\"script\":" +
                      Json("#!/bin/sh\necho json $1 > " + (tmp_ / "h2")) +
                      ",\"args\":[\"x\"]}",
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string boundary = "----coyotes-test-boundary";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n"
                     "h3\r\n--" +
                     boundary +
                     "\r\nContent-Disposition: form-data; name=\"script\"; "
                     "filename=\"deploy.sh\"\r\nContent-Type: "
                     "application/x-sh\r\n\r\n#!/bin/sh\necho file > " +
                     (tmp_ / "h3") + "\n\r\n--" + boundary + "--\r\n";
  r = HttpRequest(
      port_, "POST", "/channels/default", body,
      {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  EXPECT_EQ(r.status, 200) << r.body;
  for (const char* id : {"h1", "h2", "h3"})
    EXPECT_TRUE(WaitState(id, "succeeded")) << id << d_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "h1"), "form\n");
  EXPECT_EQ(ReadAll(tmp_ / "h2"), "json x\n");
  EXPECT_EQ(ReadAll(tmp_ / "h3"), "file\n");
  // Bad combinations: 400, nothing queued.
  r = HttpRequest(port_, "POST", "/channels/default",
                  "id=h4&task=true&script=true",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = HttpRequest(port_, "POST", "/channels/default",
                  "id=h5&task=true&interpreter=bash",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Field("h4", "state"), "(nil)");
  EXPECT_EQ(Field("h5", "state"), "(nil)");
}

TEST_F(Script, ChannelPolicyAndDistinct) {
  Start();
  auto channel = [&](const std::string& json) {
    HttpResponse r = HttpRequest(port_, "POST", "/channels", json,
                                 {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 200) << r.body;
  };
  channel("{\"name\":\"strict\",\"shell\":false}");
  channel("{\"name\":\"sh_only\",\"allow\":[\"/bin/sh\"]}");
  channel("{\"name\":\"one\",\"distinct\":true}");
  HttpResponse r =
      HttpRequest(port_, "POST", "/channels/strict", "script=true",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("script tasks not allowed in channel strict"),
            std::string::npos)
      << r.body;
  PushRaw("{\"id\":\"p1\",\"chan\":\"strict\",\"script\":\"true\"}");
  EXPECT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"LINDEX", "coyotes:dead-letters", "0"})
                   .find("script tasks not allowed in channel strict") !=
               std::string::npos;
      },
      10));
  // allow: the interpreter must be listed.
  PushRaw("{\"id\":\"p2\",\"chan\":\"sh_only\",\"script\":" +
          Json("touch " + (tmp_ / "p2")) + "}");
  ASSERT_TRUE(WaitState("p2", "succeeded")) << d_->LogTail();
  r = HttpRequest(port_, "POST", "/channels/sh_only",
                  "script=true&interpreter=bash",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("program not allowed in channel sh_only: /"),
            std::string::npos)
      << r.body;
  // distinct: the same script and args once; other args are another task.
  const std::string slow = Json("sleep 3");
  PushRaw("{\"id\":\"d1\",\"chan\":\"one\",\"script\":" + slow + "}");
  ASSERT_TRUE(WaitState("d1", "running")) << d_->LogTail();
  r = HttpRequest(port_, "POST", "/channels/one",
                  "{\"id\":\"d2\",\"script\":" + slow + "}",
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"result\":false"), std::string::npos) << r.body;
  r = HttpRequest(port_, "POST", "/channels/one",
                  "{\"id\":\"d3\",\"script\":" + slow + ",\"args\":[\"x\"]}",
                  {{"Content-Type", "application/json"}});
  EXPECT_NE(r.body.find("\"result\":true"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace coyotes::testing
