// flow_alerts_test.cpp: tcp_alert_fd lines, tcp_cmd (paths passed verbatim, the bound on
// concurrent children, failures counted) and dropping privileges (-U / -z, in child processes).
#include "flow_alerts.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/temp_dir.h"
#include "filename_template.h"
#include "flow_writer.h"
#include "output_dir.h"
#include "privileges.h"

namespace tcpflow {
namespace {

using testing::B;
using testing::ReadFile;
using testing::TempDir;

// Both ends of a pipe, closed on destruction unless already closed.
class Pipe {
 public:
  Pipe() {
    int fds[2] = {-1, -1};
    if (::pipe(fds) == 0) {
      read_ = fds[0];
      write_ = fds[1];
    }
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_fd() const { return read_; }
  int write_fd() const { return write_; }
  void CloseRead() {
    if (read_ >= 0) ::close(read_);
    read_ = -1;
  }
  void CloseWrite() {
    if (write_ >= 0) ::close(write_);
    write_ = -1;
  }
  // Closes the write end and returns everything written to the pipe.
  std::string Drain() {
    CloseWrite();
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(read_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int read_ = -1;
  int write_ = -1;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool Exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

// A shell command that appends its argument ("$1"), one line each, to `log`.
std::string AppendArgumentTo(const std::string& log) {
  return "a() { printf '%s\\n' \"$1\" >> '" + log + "'; }; a";
}

class FlowAlertsTest : public ::testing::Test {
 protected:
  FlowAlertsTest() {
    const std::uint8_t a[4] = {10, 0, 0, 1};
    const std::uint8_t b[4] = {10, 0, 0, 2};
    key_ = FlowKey{IpAddress::V4(a), IpAddress::V4(b), 1234, 80, kNoVlan};
  }
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowKey key_;
  const Timeval ts_{1600000000, 0};
};

// ---- settings ----

TEST(FlowAlertsConfigTest, DefaultsAreOff) {
  const AlertConfig config;
  EXPECT_EQ(config.alert_fd, -1);
  EXPECT_EQ(config.command, "");
  EXPECT_EQ(config.max_children, 10u);
  EXPECT_FALSE(config.enabled());
  EXPECT_TRUE((AlertConfig{0, "", 10}.enabled()));
  EXPECT_TRUE((AlertConfig{-1, "md5sum", 10}.enabled()));
}

TEST(FlowAlertsConfigTest, DescriptorMustBeOpenForWriting) {
  std::string error;
  EXPECT_TRUE(CheckAlertFd(-1, "tcp_alert_fd", &error));
  Pipe pipe;
  EXPECT_TRUE(CheckAlertFd(pipe.write_fd(), "tcp_alert_fd", &error)) << error;
  const std::string read_end = std::to_string(pipe.read_fd());
  EXPECT_FALSE(CheckAlertFd(pipe.read_fd(), "http_alert_fd", &error));
  EXPECT_EQ(error, "-S http_alert_fd=" + read_end + ": descriptor " + read_end +
                       " is not open for writing");
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::string closed = std::to_string(fd);
  EXPECT_FALSE(CheckAlertFd(fd, "tcp_alert_fd", &error));
  EXPECT_EQ(error, "-S tcp_alert_fd=" + closed + ": descriptor " + closed + " is not open");
}

// ---- alert lines ----

TEST_F(FlowAlertsTest, OpenOnceThenCloseThroughPipe) {
  Pipe pipe;
  ASSERT_GE(pipe.read_fd(), 0);
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  FlowAlerts alerts(config);
  Flow flow(key_, limits_, budget_);
  alerts.OnFlowOpen(flow);
  alerts.OnData(flow, 0, B("x"), ts_);  // no file yet (e.g. the writer has not made one)
  alerts.OnFileCreated(flow, "out/a b");
  alerts.OnData(flow, 1, B("y"), ts_);
  alerts.OnData(flow, 2, B("z"), ts_);
  alerts.OnShift(flow, 3);
  alerts.OnFlowClose(flow, StoredFile{"out/a b", 3, false, 0});
  alerts.Finish();
  EXPECT_EQ(pipe.Drain(), "open\tout/a b\nclose\tout/a b\n");
  EXPECT_FALSE(alerts.alert_failed());
  EXPECT_EQ(alerts.alert_error(), "");
}

TEST_F(FlowAlertsTest, FlowsWithoutFilesGiveNoLines) {
  Pipe pipe;
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  FlowAlerts alerts(config);
  Flow no_data(key_, limits_, budget_);
  alerts.OnFlowOpen(no_data);
  alerts.OnFlowClose(no_data, {});
  Flow no_file(key_, limits_, budget_);  // data, but no file (-FX, or a create error)
  alerts.OnFlowOpen(no_file);
  alerts.OnData(no_file, 0, B("data"), ts_);
  alerts.OnFlowClose(no_file, StoredFile{"", 4, false, 0});
  EXPECT_EQ(pipe.Drain(), "");
}

TEST_F(FlowAlertsTest, ClosedFlowObjectReusedIsAnnouncedAgain) {
  // The FlowTable may put a new flow where a closed one was: it must get its own "open".
  Pipe pipe;
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  FlowAlerts alerts(config);
  Flow flow(key_, limits_, budget_);
  alerts.OnFileCreated(flow, "first");
  alerts.OnData(flow, 0, B("1"), ts_);
  alerts.OnFlowClose(flow, StoredFile{"first", 1, false, 0});
  alerts.OnFileCreated(flow, "second");
  alerts.OnData(flow, 0, B("2"), ts_);
  alerts.OnFlowClose(flow, StoredFile{"second", 1, false, 0});
  EXPECT_EQ(pipe.Drain(), "open\tfirst\nclose\tfirst\nopen\tsecond\nclose\tsecond\n");
}

TEST_F(FlowAlertsTest, AfterTheFileWriterInAFanout) {
  std::string error;
  const FilenameTemplate tmpl = *FilenameTemplate::Parse(kDefaultFilenameTemplate, &error);
  OutputConfig output;
  output.outdir = "out";
  ReassemblyConfig reassembly;
  MemoryOutputFs fs;
  FlowFileWriter writer(output, reassembly, tmpl, fs);
  Pipe pipe;
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  FlowAlerts alerts(config);
  SinkFanout fanout(&writer);
  fanout.Add(&alerts);

  Flow first(key_, limits_, budget_);
  Flow second(key_, limits_, budget_);  // same tuple: the writer names it ...c1
  Flow empty(key_.Reversed(), limits_, budget_);
  for (Flow* f : {&first, &second, &empty}) fanout.OnFlowOpen(*f);
  fanout.OnData(first, 0, B("GET /"), ts_);
  fanout.OnData(second, 0, B("POST"), ts_);
  fanout.OnData(first, 5, B(" HTTP/1.0"), ts_);
  for (Flow* f : {&empty, &second, &first}) fanout.OnFlowClose(*f);
  const std::string name = "out/010.000.000.001.01234-010.000.000.002.00080";
  EXPECT_EQ(pipe.Drain(), "open\t" + name + "\nopen\t" + name + "c1\nclose\t" + name +
                              "c1\nclose\t" + name + "\n");
}

TEST_F(FlowAlertsTest, ClosedPipeStopsAlertsWithoutKillingTheProcess) {
  Pipe pipe;
  pipe.CloseRead();
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  FlowAlerts alerts(config);
  Flow flow(key_, limits_, budget_);
  alerts.OnFileCreated(flow, "f");  // EPIPE; SIGPIPE would end this test binary
  EXPECT_TRUE(alerts.alert_failed());
  EXPECT_NE(alerts.alert_error().find("tcp_alert_fd " + std::to_string(pipe.write_fd())),
            std::string::npos)
      << alerts.alert_error();
  EXPECT_NE(alerts.alert_error().find(std::strerror(EPIPE)), std::string::npos)
      << alerts.alert_error();
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0) << "the SIGPIPE was left pending";
  const std::string first_error = alerts.alert_error();
  alerts.OnFlowClose(flow, StoredFile{"f", 1, false, 0});
  EXPECT_EQ(alerts.alert_error(), first_error);
}

TEST_F(FlowAlertsTest, BadDescriptorStopsAlerts) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::close(fd);  // now a descriptor number that is not open
  AlertConfig config;
  config.alert_fd = fd;
  FlowAlerts alerts(config);
  Flow flow(key_, limits_, budget_);
  alerts.OnFileCreated(flow, "f");
  EXPECT_TRUE(alerts.alert_failed());
  EXPECT_NE(alerts.alert_error().find(std::strerror(EBADF)), std::string::npos)
      << alerts.alert_error();
}

TEST_F(FlowAlertsTest, NonBlockingPipeIsWaitedFor) {
  // A line longer than the pipe buffer, on a non-blocking descriptor: every byte arrives.
  Pipe pipe;
  ASSERT_EQ(::fcntl(pipe.write_fd(), F_SETFL, O_NONBLOCK), 0);
  const std::string long_name(200000, 'n');
  std::string got;
  {
    AlertConfig config;
    config.alert_fd = pipe.write_fd();
    FlowAlerts alerts(config);
    Flow flow(key_, limits_, budget_);
    const int reader = pipe.read_fd();
    // Drain concurrently from a child process that copies the pipe into a file.
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string copy = dir.path() + "/copy";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipe.write_fd());
      const int out = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      char buf[4096];
      for (ssize_t n; (n = ::read(reader, buf, sizeof buf)) > 0;) {
        if (::write(out, buf, static_cast<std::size_t>(n)) != n) ::_exit(1);
      }
      ::_exit(0);
    }
    alerts.OnFileCreated(flow, long_name);
    EXPECT_FALSE(alerts.alert_failed()) << alerts.alert_error();
    pipe.CloseWrite();
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_EQ(status, 0);
    got = ReadFile(copy).value_or("<unreadable>");
  }
  EXPECT_EQ(got, "open\t" + long_name + "\n");
}

// ---- commands ----

TEST(FlowAlertsCommandTest, PassesEveryPathVerbatimAndNeverRunsIt) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  const std::string marker = dir.path() + "/pwned";
  const std::vector<std::string> paths = {
      "out/010.000.000.001.01234-010.000.000.002.00080",
      "with space/and  two",
      "$(touch " + marker + "1)",
      "`touch " + marker + "2`",
      "x; touch " + marker + "3",
      "it's \"quoted\" \\ back",
      "-n",
      "*",
  };
  CommandRunner runner(AppendArgumentTo(log), "tcp_cmd", 10);
  for (const auto& p : paths) runner.Run(p);
  runner.WaitAll();
  EXPECT_EQ(runner.running(), 0u);
  std::vector<std::string> got = Lines(ReadFile(log).value_or(""));
  std::vector<std::string> want = paths;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  for (const char* n : {"1", "2", "3"}) EXPECT_FALSE(Exists(marker + n)) << "ran " << n;
  EXPECT_EQ(runner.stats().started, paths.size());
  EXPECT_EQ(runner.stats().succeeded, paths.size());
  EXPECT_EQ(runner.stats().failed, 0u);
  EXPECT_EQ(runner.first_failure(), "");
}

TEST(FlowAlertsCommandTest, NeverMoreThanMaxChildrenAtOnce) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/events";
  // Each command logs its start and end time (ns) around a 0.2 s sleep.
  const std::string command = "a() { echo \"S $(date +%s%N)\" >> '" + log +
                              "'; sleep 0.2; echo \"E $(date +%s%N)\" >> '" + log + "'; }; a";
  const auto begin = std::chrono::steady_clock::now();
  {
    CommandRunner runner(command, "tcp_cmd", 2);
    for (int i = 0; i < 6; ++i) {
      runner.Run("flow" + std::to_string(i));
      EXPECT_LE(runner.running(), 2u);
    }
    runner.WaitAll();
    EXPECT_EQ(runner.stats().succeeded, 6u);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_GE(seconds, 0.55) << "6 commands of 0.2 s, 2 at a time, take 3 rounds";

  std::vector<std::pair<long long, int>> events;  // (time, +1 start / -1 end)
  for (const auto& line : Lines(ReadFile(log).value_or(""))) {
    ASSERT_GE(line.size(), 3u) << line;
    events.emplace_back(std::stoll(line.substr(2)), line[0] == 'S' ? 1 : -1);
  }
  ASSERT_EQ(events.size(), 12u);
  std::sort(events.begin(), events.end());  // at equal times an end (-1) sorts first
  int alive = 0;
  int most = 0;
  for (const auto& [time, delta] : events) {
    alive += delta;
    most = std::max(most, alive);
  }
  EXPECT_LE(most, 2);
  EXPECT_EQ(most, 2) << "the commands should have overlapped";
}

TEST(FlowAlertsCommandTest, FailuresAreCountedNotFatal) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  CommandRunner runner("a() { echo \"$1\" >> '" + log + "'; [ \"$1\" = good ]; }; a", "tcp_cmd",
                       10);
  runner.Run("good");
  runner.Run("bad one");
  runner.Run("good");
  runner.WaitAll();
  EXPECT_EQ(runner.stats().started, 3u);
  EXPECT_EQ(runner.stats().succeeded, 2u);
  EXPECT_EQ(runner.stats().failed, 1u);
  EXPECT_EQ(runner.first_failure(), "tcp_cmd on 'bad one': exit status 1");
  EXPECT_EQ(Lines(ReadFile(log).value_or("")).size(), 3u);

  CommandRunner killed("kill -9 $$; :", "http_cmd", 1);
  killed.Run("p");
  killed.WaitAll();
  EXPECT_EQ(killed.stats().failed, 1u);
  EXPECT_EQ(killed.first_failure(), "http_cmd on 'p': killed by signal 9");
}

TEST(FlowAlertsCommandTest, ChildGetsDevNullStdinAndNoOtherDescriptors) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  Pipe inherited;  // pipe(2) without O_CLOEXEC: would leak into a plain fork+exec
  ASSERT_GE(inherited.write_fd(), 3);
  const std::string fd = std::to_string(inherited.write_fd());
  const std::string command = "a() { if read -r l; then echo stdin-had-data >> '" + log +
                              "'; fi; if [ -e /proc/$$/fd/" + fd + " ]; then echo fd-leaked >> '" +
                              log + "'; fi; echo done >> '" + log + "'; }; a";
  CommandRunner runner(command, "tcp_cmd", 1);
  runner.Run("p");
  runner.WaitAll();
  EXPECT_EQ(ReadFile(log), "done\n");
  EXPECT_EQ(runner.stats().succeeded, 1u);
}

TEST(FlowAlertsCommandTest, DestructorWaitsForChildren) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  {
    CommandRunner runner("sleep 0.1; a() { echo \"$1\" >> '" + log + "'; }; a", "tcp_cmd", 4);
    runner.Run("late");
  }
  EXPECT_EQ(ReadFile(log), "late\n");
}

TEST_F(FlowAlertsTest, CommandRunsOnCloseForFlowsWithFiles) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  Pipe pipe;
  AlertConfig config;
  config.alert_fd = pipe.write_fd();
  config.command = AppendArgumentTo(log);
  FlowAlerts alerts(config);
  Flow with_file(key_, limits_, budget_);
  Flow without_file(key_.Reversed(), limits_, budget_);
  alerts.OnFileCreated(with_file, "out/f 1");
  alerts.OnData(with_file, 0, B("x"), ts_);
  alerts.OnData(without_file, 0, B("y"), ts_);
  alerts.OnFlowClose(without_file, {});
  alerts.OnFlowClose(with_file, StoredFile{"out/f 1", 1, false, 0});
  alerts.Finish();
  EXPECT_EQ(ReadFile(log), "out/f 1\n");
  EXPECT_EQ(alerts.command_stats().started, 1u);
  EXPECT_EQ(alerts.command_stats().succeeded, 1u);
  EXPECT_EQ(alerts.command_failure(), "");
  EXPECT_EQ(pipe.Drain(), "open\tout/f 1\nclose\tout/f 1\n");
}

TEST_F(FlowAlertsTest, CommandWithoutAlertDescriptor) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/log";
  AlertConfig config;
  config.command = "false";
  FlowAlerts alerts(config);
  Flow flow(key_, limits_, budget_);
  alerts.OnFileCreated(flow, "f");
  alerts.OnData(flow, 0, B("x"), ts_);
  alerts.OnFlowClose(flow, StoredFile{"f", 1, false, 0});
  alerts.Finish();
  EXPECT_FALSE(alerts.alert_failed());
  EXPECT_EQ(alerts.command_stats().failed, 1u);
  EXPECT_EQ(alerts.command_failure(), "tcp_cmd on 'f': exit status 1");
}

// ---- privileges (irreversible, so only in forked children) ----

TEST(FlowAlertsPrivilegesTest, UnknownUser) {
  std::string error;
  EXPECT_FALSE(DropPrivileges("no-such-user-tcpflow-test", "", &error));
  EXPECT_EQ(error, "unknown user 'no-such-user-tcpflow-test'");
  error.clear();
  EXPECT_FALSE(ChownForUser("/nonexistent", "no-such-user-tcpflow-test", &error));
  EXPECT_EQ(error, "unknown user 'no-such-user-tcpflow-test'");
  EXPECT_FALSE(DropPrivileges("", "", &error));
  EXPECT_NE(error, "");
}

TEST(FlowAlertsPrivilegesTest, RefusesRootAsTarget) {
  std::string error;
  EXPECT_FALSE(DropPrivileges("root", "", &error));
  if (::geteuid() == 0) {
    EXPECT_EQ(error, "user 'root' has uid 0: no privileges would be dropped");
    EXPECT_EQ(::geteuid(), 0u);
  } else {
    EXPECT_EQ(error, "cannot change to user 'root': not running as root");
  }
}

class FlowAlertsPrivilegesRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) GTEST_SKIP() << "no user 'nobody'";
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

TEST_F(FlowAlertsPrivilegesRootTest, ChownHandsFileToUser) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string file = dir.path() + "/report.xml";
  std::ofstream(file) << "x";
  std::string error;
  ASSERT_TRUE(ChownForUser(file, "nobody", &error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid_);
  EXPECT_EQ(st.st_gid, gid_);
  EXPECT_FALSE(ChownForUser(dir.path() + "/missing", "nobody", &error));
  EXPECT_NE(error.find(dir.path() + "/missing"), std::string::npos) << error;
}

TEST_F(FlowAlertsPrivilegesRootTest, DropsForGood) {
  const uid_t uid = uid_;
  const gid_t gid = gid_;
  EXPECT_EXIT(
      {
        std::string error;
        if (!DropPrivileges("nobody", "", &error)) ::_exit(1);
        if (::getuid() != uid || ::geteuid() != uid || ::getgid() != gid || ::getegid() != gid) {
          ::_exit(2);
        }
        if (::setuid(0) == 0 || ::setgid(0) == 0) ::_exit(3);
        if (DropPrivileges("nobody", "", &error)) ::_exit(4);
        if (error != "cannot change to user 'nobody': not running as root") ::_exit(5);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(FlowAlertsPrivilegesRootTest, ChrootsFirst) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  std::ofstream(dir.path() + "/marker") << "m";
  const std::string root = dir.path();
  EXPECT_EXIT(
      {
        std::string error;
        if (!DropPrivileges("nobody", root, &error)) ::_exit(1);
        if (::access("/marker", R_OK) != 0) ::_exit(2);
        char cwd[256] = {};
        if (::getcwd(cwd, sizeof cwd) == nullptr || std::string(cwd) != "/") ::_exit(3);
        if (::geteuid() == 0) ::_exit(4);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        std::string e;
        if (DropPrivileges("nobody", root + "/missing", &e)) ::_exit(1);
        ::_exit(e.rfind("cannot chroot to " + root + "/missing: ", 0) == 0 ? 0 : 2);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace tcpflow
