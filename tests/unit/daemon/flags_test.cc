// Unit tests for src/daemon/flags.h: ParseHostPort, ConfigFromFlags over the
// real gflags table (every validation, the deprecated --host/--password
// aliases, the dashed flag name in every message) and UsageText. Flag values
// are set through gflags itself and restored by a FlagSaver after each test.
// ParseCommandLineOrExit exits the process; its exit statuses are covered by
// the black-box suite.
#include "daemon/flags.h"

#include <gflags/gflags.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

DECLARE_double(kill_grace);
DECLARE_double(lease_ttl);
DECLARE_double(pipe_grace);
DECLARE_double(shutdown_timeout);
DECLARE_double(task_timeout);

namespace coyotes {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// ParseHostPort

TEST(ParseHostPortTest, HostAndPort) {
  Result<HostPort> hp = ParseHostPort("127.0.0.1:6379");
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 6379);
  EXPECT_EQ(hp->ToString(), "127.0.0.1:6379");
}

TEST(ParseHostPortTest, HostNameAndBoundaryPorts) {
  Result<HostPort> hp = ParseHostPort("redis.example.org:65535");
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  EXPECT_EQ(hp->host, "redis.example.org");
  EXPECT_EQ(hp->port, 65535);

  Result<HostPort> zero = ParseHostPort("localhost:0");
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ(zero->port, 0);
}

TEST(ParseHostPortTest, BracketedIpv6) {
  Result<HostPort> hp = ParseHostPort("[::1]:6379");
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 6379);
}

TEST(ParseHostPortTest, EmptyHostMeansAllAddresses) {
  Result<HostPort> hp = ParseHostPort(":6379");
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  EXPECT_EQ(hp->host, "0.0.0.0");
  EXPECT_EQ(hp->port, 6379);
}

TEST(ParseHostPortTest, NoPort) {
  Result<HostPort> hp = ParseHostPort("localhost");
  ASSERT_FALSE(hp.ok());
  EXPECT_EQ(hp.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(hp.status().message(), "localhost"))
      << hp.status().message();
  EXPECT_TRUE(Contains(hp.status().message(), "port")) << hp.status().message();
}

TEST(ParseHostPortTest, BadPorts) {
  for (const char* text : {"localhost:", "localhost:abc", "localhost:-1",
                           "localhost:+80", "localhost: 80", "localhost:80x",
                           "localhost:123456", "localhost:6379:"}) {
    Result<HostPort> hp = ParseHostPort(text);
    ASSERT_FALSE(hp.ok()) << text;
    EXPECT_EQ(hp.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(Contains(hp.status().message(), text))
        << text << " -> " << hp.status().message();
  }
}

TEST(ParseHostPortTest, PortAbove65535) {
  for (const char* text : {"localhost:65536", "localhost:99999"}) {
    Result<HostPort> hp = ParseHostPort(text);
    ASSERT_FALSE(hp.ok()) << text;
    EXPECT_TRUE(Contains(hp.status().message(), "range"))
        << hp.status().message();
  }
}

// ---------------------------------------------------------------------------
// ConfigFromFlags

class ConfigFromFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { saver_ = std::make_unique<gflags::FlagSaver>(); }
  void TearDown() override { saver_.reset(); }

  // Sets a flag the way the command line would (it then counts as given).
  static void Set(const char* name, const std::string& value) {
    std::string result = gflags::SetCommandLineOption(name, value.c_str());
    ASSERT_FALSE(result.empty()) << "gflags refused --" << name << "=" << value;
  }

  // Expects ConfigFromFlags to fail with a message "--FLAG: ...".
  static void ExpectError(const std::string& dashed_flag,
                          const std::string& context) {
    Config config;
    Status s = ConfigFromFlags(&config);
    ASSERT_FALSE(s.ok()) << context << ": accepted";
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << context;
    EXPECT_EQ(s.message().rfind("--" + dashed_flag + ": ", 0), 0u)
        << context << ": message does not start with --" << dashed_flag << ": "
        << s.message();
  }

  // Sets one flag, expects the error to name it, and restores the flag.
  static void ExpectBad(const char* name, const std::string& value,
                        const std::string& dashed_flag) {
    gflags::FlagSaver saver;
    Set(name, value);
    ExpectError(dashed_flag, std::string("--") + name + "=" + value);
  }

  static Config MustConfig() {
    Config config;
    Status s = ConfigFromFlags(&config);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return config;
  }

 private:
  std::unique_ptr<gflags::FlagSaver> saver_;
};

TEST_F(ConfigFromFlagsTest, DefaultsAreValid) {
  Config c = MustConfig();
  const Config defaults;
  EXPECT_EQ(c.channel_default, "default");
  EXPECT_EQ(c.concurrent, defaults.concurrent);
  EXPECT_EQ(c.redis_addr.host, "127.0.0.1");
  EXPECT_EQ(c.redis_addr.port, 6379);
  EXPECT_EQ(c.http_addr.host, "127.0.0.1");
  EXPECT_EQ(c.http_addr.port, 60001);
  EXPECT_EQ(c.pidfile, defaults.pidfile);
  EXPECT_EQ(c.redis_db, 0);
  EXPECT_EQ(c.redis_password, "");
  EXPECT_TRUE(c.task_mode);
  EXPECT_EQ(c.key_namespace, "");
  EXPECT_EQ(c.max_task_bytes, defaults.max_task_bytes);
  EXPECT_EQ(c.max_channels, defaults.max_channels);
  EXPECT_EQ(c.output_tail, defaults.output_tail);
  EXPECT_EQ(c.result_ttl_s, defaults.result_ttl_s);
  EXPECT_EQ(c.http_max_body, defaults.http_max_body);
  EXPECT_DOUBLE_EQ(c.kill_grace_s, defaults.kill_grace_s);
  EXPECT_DOUBLE_EQ(c.lease_ttl_s, defaults.lease_ttl_s);
  EXPECT_DOUBLE_EQ(c.pipe_grace_s, defaults.pipe_grace_s);
  EXPECT_DOUBLE_EQ(c.shutdown_timeout_s, 0);
  EXPECT_DOUBLE_EQ(c.task_timeout_s, 0);
}

TEST_F(ConfigFromFlagsTest, ValuesAreCopied) {
  Set("channel_default", "jobs.main");
  Set("colorful_tty", "true");
  Set("concurrent", "7");
  Set("redis_host", "10.1.2.3:7000");
  Set("redis_password", "s3cret");
  Set("redis_db", "3");
  Set("http_addr", "[::1]:8080");
  Set("pidfile", "/run/x.pid");
  Set("task_mode", "false");
  Set("shutdown_timeout", "12.5");
  Set("kill_grace", "0.25");
  Set("task_timeout", "60");
  Set("pipe_grace", "0");
  Set("lease_ttl", "0.3");
  Set("namespace", "prod:eu");
  Set("max_task_bytes", "64");
  Set("max_channels", "4096");
  Set("output_tail", "0");
  Set("result_ttl", "1");
  Set("http_max_body", "1024");
  Config c = MustConfig();
  EXPECT_EQ(c.channel_default, "jobs.main");
  EXPECT_TRUE(c.colorful_tty);
  EXPECT_EQ(c.concurrent, 7);
  EXPECT_EQ(c.redis_addr.host, "10.1.2.3");
  EXPECT_EQ(c.redis_addr.port, 7000);
  EXPECT_EQ(c.redis_password, "s3cret");
  EXPECT_EQ(c.redis_db, 3);
  EXPECT_EQ(c.http_addr.host, "::1");
  EXPECT_EQ(c.http_addr.port, 8080);
  EXPECT_EQ(c.pidfile, "/run/x.pid");
  EXPECT_FALSE(c.task_mode);
  EXPECT_DOUBLE_EQ(c.shutdown_timeout_s, 12.5);
  EXPECT_DOUBLE_EQ(c.kill_grace_s, 0.25);
  EXPECT_DOUBLE_EQ(c.task_timeout_s, 60);
  EXPECT_DOUBLE_EQ(c.pipe_grace_s, 0);
  EXPECT_DOUBLE_EQ(c.lease_ttl_s, 0.3);
  EXPECT_EQ(c.key_namespace, "prod:eu");
  EXPECT_EQ(c.max_task_bytes, 64);
  EXPECT_EQ(c.max_channels, 4096);
  EXPECT_EQ(c.output_tail, 0);
  EXPECT_EQ(c.result_ttl_s, 1);
  EXPECT_EQ(c.http_max_body, 1024);
}

TEST_F(ConfigFromFlagsTest, FlagSaverRestoresBetweenTests) {
  // ValuesAreCopied (or any other test) must not leak into this one.
  Config c = MustConfig();
  EXPECT_EQ(c.concurrent, 5);
  EXPECT_EQ(c.redis_addr.ToString(), "127.0.0.1:6379");
}

TEST_F(ConfigFromFlagsTest, Concurrent) {
  ExpectBad("concurrent", "0", "concurrent");
  ExpectBad("concurrent", "-1", "concurrent");
  ExpectBad("concurrent", "1025", "concurrent");
  {
    gflags::FlagSaver saver;
    Set("concurrent", "1025");
    Config config;
    Status s = ConfigFromFlags(&config);
    EXPECT_TRUE(Contains(s.message(), "1025")) << s.message();
  }
  for (const char* ok : {"1", "1024"}) {
    gflags::FlagSaver saver;
    Set("concurrent", ok);
    EXPECT_EQ(MustConfig().concurrent, std::stoi(ok));
  }
}

TEST_F(ConfigFromFlagsTest, ChannelDefault) {
  ExpectBad("channel_default", "", "channel-default");
  ExpectBad("channel_default", "has space", "channel-default");
  ExpectBad("channel_default", "a/b", "channel-default");
  ExpectBad("channel_default", std::string(65, 'c'), "channel-default");
  gflags::FlagSaver saver;
  Set("channel_default", std::string(64, 'c'));
  EXPECT_EQ(MustConfig().channel_default, std::string(64, 'c'));
}

TEST_F(ConfigFromFlagsTest, RedisHost) {
  ExpectBad("redis_host", "localhost", "redis-host");
  ExpectBad("redis_host", "localhost:abc", "redis-host");
  ExpectBad("redis_host", "localhost:65536", "redis-host");
  ExpectBad("redis_host", "localhost:0", "redis-host");
  ExpectBad("redis_host", "unix:", "redis-host");
  ExpectBad("redis_host", "unix:relative/redis.sock", "redis-host");
  ExpectBad("redis_host", "unix:/" + std::string(108, 'x'), "redis-host");
}

TEST_F(ConfigFromFlagsTest, RedisHostUnixSocket) {
  gflags::FlagSaver saver;
  Set("redis_host", "unix:/run/redis/redis.sock");
  Config c = MustConfig();
  EXPECT_TRUE(c.redis_addr.is_unix());
  EXPECT_EQ(c.redis_addr.unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(c.redis_addr.ToString(), "unix:/run/redis/redis.sock");
}

TEST_F(ConfigFromFlagsTest, Sentinel) {
  gflags::FlagSaver saver;
  Set("redis_sentinel", "10.0.0.1:26379,10.0.0.2:26380,unix:/run/s.sock");
  Set("redis_master_name", "mymaster");
  Set("redis_sentinel_password", "s3cret");
  Set("redis_wait_replicas", "1");
  Set("redis_wait_timeout", "250");
  Config c = MustConfig();
  ASSERT_EQ(c.redis_sentinels.size(), 3u);
  EXPECT_EQ(c.redis_sentinels[0].ToString(), "10.0.0.1:26379");
  EXPECT_EQ(c.redis_sentinels[1].ToString(), "10.0.0.2:26380");
  EXPECT_EQ(c.redis_sentinels[2].ToString(), "unix:/run/s.sock");
  EXPECT_EQ(c.redis_master_name, "mymaster");
  EXPECT_EQ(c.redis_sentinel_password, "s3cret");
  EXPECT_EQ(c.redis_wait_replicas, 1);
  EXPECT_EQ(c.redis_wait_timeout_ms, 250);
}

TEST_F(ConfigFromFlagsTest, SentinelFlagsCheckEachOther) {
  {
    gflags::FlagSaver saver;
    Set("redis_sentinel", "10.0.0.1:26379");
    ExpectError("redis-sentinel", "no --redis-master-name");
    Set("redis_master_name", "has blank");
    ExpectError("redis-master-name", "a blank in the name");
    Set("redis_master_name", "m");
    Set("redis_host", "10.0.0.9:6379");
    ExpectError("redis-sentinel", "--redis-host too");
  }
  {
    gflags::FlagSaver saver;
    Set("redis_master_name", "m");
    ExpectError("redis-master-name", "no --redis-sentinel");
  }
  {
    gflags::FlagSaver saver;
    Set("redis_sentinel_password", "x");
    ExpectError("redis-sentinel-password", "no --redis-sentinel");
  }
  {
    gflags::FlagSaver saver;
    Set("redis_master_name", "m");
    Set("redis_sentinel", "10.0.0.1:26379,");
    ExpectError("redis-sentinel", "a trailing comma");
    Set("redis_sentinel", "10.0.0.1");
    ExpectError("redis-sentinel", "no port");
  }
  ExpectBad("redis_wait_replicas", "-1", "redis-wait-replicas");
  ExpectBad("redis_wait_replicas", "65", "redis-wait-replicas");
  ExpectBad("redis_wait_timeout", "0", "redis-wait-timeout");
  ExpectBad("redis_wait_timeout", "60001", "redis-wait-timeout");
}

TEST_F(ConfigFromFlagsTest, HostAliasTakesAUnixSocket) {
  gflags::FlagSaver saver;
  Set("host", "unix:/tmp/r.sock");
  EXPECT_EQ(MustConfig().redis_addr.unix_path, "/tmp/r.sock");
  ExpectBad("host", "unix:r.sock", "host");
}

TEST_F(ConfigFromFlagsTest, HostAliasUsedWhenRedisHostIsDefault) {
  Set("host", "10.9.8.7:7001");
  Config c = MustConfig();
  EXPECT_EQ(c.redis_addr.host, "10.9.8.7");
  EXPECT_EQ(c.redis_addr.port, 7001);
}

TEST_F(ConfigFromFlagsTest, RedisHostWinsOverHostAlias) {
  Set("host", "10.9.8.7:7001");
  Set("redis_host", "10.0.0.1:7002");
  Config c = MustConfig();
  EXPECT_EQ(c.redis_addr.host, "10.0.0.1");
  EXPECT_EQ(c.redis_addr.port, 7002);
}

TEST_F(ConfigFromFlagsTest, BadHostAliasNamesHost) {
  ExpectBad("host", "nohostport", "host");
  ExpectBad("host", "h:99999", "host");
}

TEST_F(ConfigFromFlagsTest, HostAliasWithPortZeroNamesHost) {
  ExpectBad("host", "127.0.0.1:0", "host");
}

TEST_F(ConfigFromFlagsTest, PasswordAlias) {
  {
    gflags::FlagSaver saver;
    Set("password", "old");
    EXPECT_EQ(MustConfig().redis_password, "old");
  }
  {
    gflags::FlagSaver saver;
    Set("password", "old");
    Set("redis_password", "new");
    EXPECT_EQ(MustConfig().redis_password, "new");
  }
}

// A scratch file with `content` and `mode`, removed with the object.
class ScratchFile {
 public:
  ScratchFile(const std::string& content, mode_t mode) {
    char tmpl[] = "/tmp/coyotes-flags-XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    path_ = tmpl;
    EXPECT_EQ(write(fd, content.data(), content.size()),
              static_cast<ssize_t>(content.size()));
    fchmod(fd, mode);
    close(fd);
  }
  ~ScratchFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(ConfigFromFlagsTest, RedisPasswordFile) {
  ScratchFile good("s3cret\n", 0600);
  {
    gflags::FlagSaver saver;
    Set("redis_password_file", good.path());
    EXPECT_EQ(MustConfig().redis_password, "s3cret");
  }
  {
    gflags::FlagSaver saver;
    Set("redis_password_file", good.path());
    Set("redis_password", "other");
    ExpectError("redis-password-file", "with --redis-password");
  }
  ScratchFile world("s3cret\n", 0644);
  ExpectBad("redis_password_file", world.path(), "redis-password-file");
  ScratchFile empty("\n", 0600);
  ExpectBad("redis_password_file", empty.path(), "redis-password-file");
  ScratchFile two("a\nb\n", 0600);
  ExpectBad("redis_password_file", two.path(), "redis-password-file");
  ExpectBad("redis_password_file", "/nonexistent/coyotes-password",
            "redis-password-file");
}

TEST_F(ConfigFromFlagsTest, Callbacks) {
  Config c = MustConfig();
  EXPECT_EQ(c.callback_timeout_s, 10);
  EXPECT_EQ(c.callback_max_age_s, 86400);
  EXPECT_EQ(c.callback_concurrency, 16);
  EXPECT_EQ(c.callback_secret, "");
  ExpectBad("callback_timeout", "0", "callback-timeout");
  ExpectBad("callback_timeout", "nan", "callback-timeout");
  ExpectBad("callback_timeout", "3601", "callback-timeout");
  ExpectBad("callback_max_age", "0", "callback-max-age");
  ExpectBad("callback_concurrency", "0", "callback-concurrency");
  ExpectBad("callback_concurrency", "1025", "callback-concurrency");
  ExpectBad("callback_hosts", "ok.host,bad host", "callback-hosts");
  ExpectBad("callback_hosts", "a/b", "callback-hosts");
  {
    gflags::FlagSaver saver;
    Set("callback_hosts", "hooks.internal,*.example.com,,10.0.0.7,::1");
    EXPECT_EQ(MustConfig().callback_hosts,
              (std::vector<std::string>{"hooks.internal", "*.example.com",
                                        "10.0.0.7", "::1"}));
  }
  ScratchFile good("hmac key\n", 0600);
  {
    gflags::FlagSaver saver;
    Set("callback_secret_file", good.path());
    EXPECT_EQ(MustConfig().callback_secret, "hmac key");
  }
  ScratchFile world("hmac key\n", 0644);
  ExpectBad("callback_secret_file", world.path(), "callback-secret-file");
  ScratchFile empty("\n", 0600);
  ExpectBad("callback_secret_file", empty.path(), "callback-secret-file");
  ExpectBad("callback_secret_file", "/nonexistent/coyotes-secret",
            "callback-secret-file");
}

TEST_F(ConfigFromFlagsTest, RedisUser) {
  {
    gflags::FlagSaver saver;
    Set("redis_user", "coyotes");
    Set("redis_password", "pw");
    Config c = MustConfig();
    EXPECT_EQ(c.redis_user, "coyotes");
    EXPECT_EQ(c.redis_password, "pw");
  }
  // AUTH user password needs the password.
  ExpectBad("redis_user", "coyotes", "redis-user");
  {
    gflags::FlagSaver saver;
    Set("redis_password", "pw");
    Set("redis_user", "two words");
    ExpectError("redis-user", "a blank in the name");
  }
}

TEST_F(ConfigFromFlagsTest, HttpOutsideLoopbackNeedsTokensOrInsecure) {
  ExpectBad("http_addr", "0.0.0.0:8080", "http-addr");
  ExpectBad("http_addr", ":8080", "http-addr");
  ExpectBad("http_addr", "192.0.2.1:8080", "http-addr");
  ExpectBad("http_addr", "[::]:8080", "http-addr");
  for (const char* local :
       {"127.0.0.1:1", "127.9.9.9:1", "[::1]:1", "localhost:1"}) {
    gflags::FlagSaver saver;
    Set("http_addr", local);
    EXPECT_EQ(MustConfig().http_addr_text, local);
  }
  {
    gflags::FlagSaver saver;
    Set("http_addr", "0.0.0.0:8080");
    Set("http_token_file", "/etc/coyotes/tokens");
    EXPECT_EQ(MustConfig().http_token_file, "/etc/coyotes/tokens");
  }
  {
    gflags::FlagSaver saver;
    Set("http_addr", "0.0.0.0:8080");
    Set("http_insecure", "true");
    EXPECT_TRUE(MustConfig().http_insecure);
  }
}

TEST(IsLoopbackHostTest, Addresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.255.0.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("example.org"));
  EXPECT_FALSE(IsLoopbackHost(""));
}

TEST_F(ConfigFromFlagsTest, User) {
  ExpectBad("user", "", "user");
  gflags::FlagSaver saver;
  Set("user", "nobody:nogroup");
  EXPECT_EQ(MustConfig().user, "nobody:nogroup");
}

TEST_F(ConfigFromFlagsTest, RedisDb) {
  ExpectBad("redis_db", "-1", "redis-db");
}

TEST_F(ConfigFromFlagsTest, HttpAddr) {
  ExpectBad("http_addr", "nohostport", "http-addr");
  ExpectBad("http_addr", "127.0.0.1:70000", "http-addr");
  gflags::FlagSaver saver;
  Set("http_addr", "");
  Config c = MustConfig();
  EXPECT_EQ(c.http_addr_text, "");
  EXPECT_EQ(c.http_addr.port, 0);
}

TEST_F(ConfigFromFlagsTest, Pidfile) { ExpectBad("pidfile", "", "pidfile"); }

TEST_F(ConfigFromFlagsTest, Seconds) {
  ExpectBad("shutdown_timeout", "-1", "shutdown-timeout");
  ExpectBad("shutdown_timeout", "1e8", "shutdown-timeout");
  ExpectBad("kill_grace", "-1", "kill-grace");
  ExpectBad("kill_grace", "-0.5", "kill-grace");
  ExpectBad("kill_grace", "3601", "kill-grace");
  ExpectBad("task_timeout", "-1", "task-timeout");
  ExpectBad("task_timeout", "1e8", "task-timeout");
  ExpectBad("pipe_grace", "-1", "pipe-grace");
  ExpectBad("pipe_grace", "3601", "pipe-grace");
  ExpectBad("lease_ttl", "-1", "lease-ttl");
  ExpectBad("lease_ttl", "3601", "lease-ttl");
  ExpectBad("redis_wait", "-1", "redis-wait");
  ExpectBad("redis_wait", "301", "redis-wait");
  ExpectBad("redis_wait", "nan", "redis-wait");
  gflags::FlagSaver saver;
  EXPECT_EQ(MustConfig().redis_wait_s, 5);
  Set("redis_wait", "0.5");
  EXPECT_EQ(MustConfig().redis_wait_s, 0.5);
}

TEST_F(ConfigFromFlagsTest, NonFiniteSeconds) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  for (double v : {kNaN, kInf}) {
    {
      gflags::FlagSaver saver;
      FLAGS_kill_grace = v;
      ExpectError("kill-grace", "kill_grace non-finite");
    }
    {
      gflags::FlagSaver saver;
      FLAGS_shutdown_timeout = v;
      ExpectError("shutdown-timeout", "shutdown_timeout non-finite");
    }
    {
      gflags::FlagSaver saver;
      FLAGS_task_timeout = v;
      ExpectError("task-timeout", "task_timeout non-finite");
    }
    {
      gflags::FlagSaver saver;
      FLAGS_pipe_grace = v;
      ExpectError("pipe-grace", "pipe_grace non-finite");
    }
    {
      gflags::FlagSaver saver;
      FLAGS_lease_ttl = v;
      ExpectError("lease-ttl", "lease_ttl non-finite");
    }
  }
}

TEST_F(ConfigFromFlagsTest, LeaseTtlMinimum) {
  ExpectBad("lease_ttl", "0.1", "lease-ttl");
  ExpectBad("lease_ttl", "0", "lease-ttl");
  gflags::FlagSaver saver;
  Set("lease_ttl", "0.1");
  Config config;
  Status s = ConfigFromFlags(&config);
  EXPECT_TRUE(Contains(s.message(), "0.3")) << s.message();
}

TEST_F(ConfigFromFlagsTest, Namespace) {
  ExpectBad("namespace", "has space", "namespace");
  ExpectBad("namespace", "a{b}", "namespace");
  ExpectBad("namespace", std::string(65, 'n'), "namespace");
  gflags::FlagSaver saver;
  Set("namespace", "staging");
  EXPECT_EQ(MustConfig().key_namespace, "staging");
}

TEST_F(ConfigFromFlagsTest, Sizes) {
  ExpectBad("max_task_bytes", "63", "max-task-bytes");
  ExpectBad("max_task_bytes", std::to_string((512 << 20) + 1),
            "max-task-bytes");
  ExpectBad("max_channels", "0", "max-channels");
  ExpectBad("max_channels", "4097", "max-channels");
  ExpectBad("output_tail", "-1", "output-tail");
  ExpectBad("output_tail", std::to_string((64 << 20) + 1), "output-tail");
  ExpectBad("result_ttl", "0", "result-ttl");
  ExpectBad("result_ttl", "-5", "result-ttl");
  ExpectBad("http_max_body", "1023", "http-max-body");
  ExpectBad("http_max_body", std::to_string((512 << 20) + 1), "http-max-body");
}

TEST_F(ConfigFromFlagsTest, UpperBoundsAccepted) {
  Set("max_task_bytes", std::to_string(512 << 20));
  Set("output_tail", std::to_string(64 << 20));
  Set("http_max_body", std::to_string(512 << 20));
  Set("kill_grace", "3600");
  Set("shutdown_timeout", "10000000");
  Config c = MustConfig();
  EXPECT_EQ(c.max_task_bytes, 512 << 20);
  EXPECT_EQ(c.output_tail, 64 << 20);
  EXPECT_EQ(c.http_max_body, 512 << 20);
  EXPECT_DOUBLE_EQ(c.kill_grace_s, 3600);
  EXPECT_DOUBLE_EQ(c.shutdown_timeout_s, 1e7);
}

// ---------------------------------------------------------------------------
// UsageText

TEST(UsageTextTest, ListsEveryFlagDashed) {
  const std::string usage = UsageText();
  const std::vector<std::string> flags = {
      "channel-default", "colorful-tty",   "concurrent",     "host",
      "http-addr",       "password",       "pidfile",        "redis-db",
      "redis-host",      "redis-password", "task-mode",      "shutdown-timeout",
      "kill-grace",      "namespace",      "max-task-bytes", "max-channels",
      "output-tail",     "task-timeout",   "result-ttl",     "lease-ttl",
      "http-max-body",   "pipe-grace"};
  for (const std::string& f : flags) {
    EXPECT_TRUE(Contains(usage, "  --" + f + "\n") ||
                Contains(usage, "  --" + f + "="))
        << "--" << f << " missing from:\n"
        << usage;
  }
  // Dashed only: no underscore spelling of a flag name is shown.
  for (const std::string& f : flags) {
    std::string underscored = f;
    for (char& ch : underscored)
      if (ch == '-') ch = '_';
    if (underscored == f) continue;
    EXPECT_FALSE(Contains(usage, "--" + underscored))
        << "--" << underscored << " shown in:\n"
        << usage;
  }
  EXPECT_TRUE(Contains(usage, "--help")) << usage;
  EXPECT_TRUE(Contains(usage, "--version")) << usage;
}

TEST(UsageTextTest, EveryFlagDefinedInFlagsCcIsListed) {
  // Whatever flags.cc defines (now or later) appears, with its description.
  const std::string usage = UsageText();
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  int ours = 0;
  for (const auto& f : all) {
    const std::string& file = f.filename;
    if (file.size() < 9 || file.compare(file.size() - 9, 9, "/flags.cc") != 0)
      continue;
    ours++;
    std::string dashed = f.name;
    for (char& ch : dashed)
      if (ch == '_') ch = '-';
    EXPECT_TRUE(Contains(usage, "  --" + dashed)) << dashed;
    EXPECT_TRUE(Contains(usage, f.description)) << dashed;
  }
  EXPECT_GE(ours, 22);
}

TEST(UsageTextTest, ShowsDefaultsAndTypes) {
  const std::string usage = UsageText();
  EXPECT_TRUE(Contains(usage, "--concurrent=int32")) << usage;
  EXPECT_TRUE(Contains(usage, "(default 5)")) << usage;
  EXPECT_TRUE(Contains(usage, "(default \"127.0.0.1:6379\")")) << usage;
  // Booleans take no "=TYPE".
  EXPECT_TRUE(Contains(usage, "  --task-mode\n")) << usage;
}

TEST(UsageTextTest, OnlyOurFlags) {
  // glog's and gflags' own flags are not the daemon's options (--flagfile,
  // --log_dir and --v are documented by hand at the end).
  const std::string usage = UsageText();
  for (const char* foreign :
       {"--fromenv", "--tryfromenv", "--undefok", "--logtostderr",
        "--minloglevel", "--tab-completion", "--tab_completion"}) {
    EXPECT_FALSE(Contains(usage, foreign)) << foreign << " in:\n" << usage;
  }
  size_t first = usage.find("--flagfile");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(usage.find("--flagfile", first + 1), std::string::npos)
      << "--flagfile listed twice:\n"
      << usage;
}

}  // namespace
}  // namespace coyotes
