// flow_alerts.cpp: alert lines on a descriptor and bounded shell commands for closed files.
#include "flow_alerts.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tcpflow {
namespace {

constexpr const char* kShell = "/bin/sh";

std::string Quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// A descriptor that becomes readable when `pid` ends, or -1 (kernels before 5.3). Called through
// syscall(2): glibc 2.36's <sys/pidfd.h> lacks the C linkage that C++ needs.
int OpenPidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// "exit status 3", "killed by signal 9": how a child ended, from a waitpid status.
std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Blocks SIGPIPE for as long as it lives, so that a write to a closed pipe fails with EPIPE
// instead of killing the process; a SIGPIPE raised meanwhile is discarded on the way out unless
// one was already pending before.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      const timespec no_wait{};
      while (sigtimedwait(&pipe_, nullptr, &no_wait) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

}  // namespace

bool CheckAlertFd(int fd, std::string_view fd_name, std::string* error) {
  if (fd < 0) return true;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1) {
    *error = "-S " + std::string(fd_name) + "=" + std::to_string(fd) + ": descriptor " +
             std::to_string(fd) + " is not open";
    return false;
  }
  if ((flags & O_ACCMODE) == O_RDONLY) {
    *error = "-S " + std::string(fd_name) + "=" + std::to_string(fd) + ": descriptor " +
             std::to_string(fd) + " is not open for writing";
    return false;
  }
  return true;
}

// ---- AlertChannel ----

AlertChannel::AlertChannel(int fd, std::string label) : fd_(fd), label_(std::move(label)) {}

void AlertChannel::Send(std::string_view event, std::string_view path) {
  if (!active()) return;
  line_.assign(event);
  line_ += '\t';
  line_ += path;
  line_ += '\n';
  WriteAll(line_);
}

void AlertChannel::WriteAll(std::string_view bytes) {
  SigpipeGuard guard;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, -1) >= 0) continue;
      err = errno;
      if (err == EINTR) continue;
    }
    error_ = "cannot write to " + label_ + " " + std::to_string(fd_) + ": " + std::strerror(err) +
             "; alerts stopped";
    return;
  }
}

// ---- CommandRunner ----

CommandRunner::CommandRunner(std::string command, std::string label, std::size_t max_children)
    : script_(std::move(command) + " \"$1\""),
      label_(std::move(label)),
      max_children_(max_children < 1 ? 1 : max_children) {}

CommandRunner::~CommandRunner() {
  WaitAll();
}

void CommandRunner::Failure(const std::string& argument, const std::string& what) {
  ++stats_.failed;
  if (first_failure_.empty()) first_failure_ = label_ + " on " + Quoted(argument) + ": " + what;
}

void CommandRunner::Finished(const Child& child, int status) {
  if (child.pidfd >= 0) ::close(child.pidfd);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    ++stats_.succeeded;
  } else {
    Failure(child.argument, DescribeStatus(status));
  }
}

void CommandRunner::Reap() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    int status = 0;
    pid_t got = 0;
    do {
      got = ::waitpid(children_[i].pid, &status, WNOHANG);
    } while (got < 0 && errno == EINTR);
    if (got == 0) {
      if (kept != i) children_[kept] = std::move(children_[i]);
      ++kept;
    } else if (got > 0) {
      Finished(children_[i], status);
    } else {  // not our child any more (e.g. SIGCHLD ignored): its status is lost
      const int err = errno;
      if (children_[i].pidfd >= 0) ::close(children_[i].pidfd);
      Failure(children_[i].argument, std::string("cannot wait for it: ") + std::strerror(err));
    }
  }
  children_.resize(kept);
}

void CommandRunner::WaitForOne() {
  bool all_pidfds = true;
  for (const Child& c : children_) all_pidfds = all_pidfds && c.pidfd >= 0;
  std::size_t index = 0;  // the child to wait for: the oldest, unless pidfds tell which ended
  if (all_pidfds) {
    std::vector<pollfd> fds;
    fds.reserve(children_.size());
    for (const Child& c : children_) fds.push_back(pollfd{c.pidfd, POLLIN, 0});
    int ready = 0;
    do {
      ready = ::poll(fds.data(), fds.size(), -1);
    } while (ready < 0 && errno == EINTR);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        index = i;
        break;
      }
    }
  }
  Child child = std::move(children_[index]);
  children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(index));
  int status = 0;
  pid_t got = 0;
  do {
    got = ::waitpid(child.pid, &status, 0);
  } while (got < 0 && errno == EINTR);
  if (got == child.pid) {
    Finished(child, status);
  } else {
    const int err = errno;
    if (child.pidfd >= 0) ::close(child.pidfd);
    Failure(child.argument, std::string("cannot wait for it: ") + std::strerror(err));
  }
}

void CommandRunner::WaitAll() {
  while (!children_.empty()) WaitForOne();
}

void CommandRunner::Run(const std::string& argument) {
  Reap();
  while (children_.size() >= max_children_) WaitForOne();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigaddset(&signals, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::string arg0 = kShell;
  std::string dash_c = "-c";
  std::string name = "tcpflow";  // $0 of the script
  std::string arg1 = argument;
  char* argv[] = {arg0.data(), dash_c.data(), script_.data(), name.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, kShell, &actions, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    Failure(argument, std::string("cannot start ") + kShell + ": " + std::strerror(rc));
    return;
  }
  ++stats_.started;
  children_.push_back(Child{pid, OpenPidfd(pid), argument});
}

// ---- FlowAlerts ----

FlowAlerts::FlowAlerts(const AlertConfig& config) : alerts_(config.alert_fd, "tcp_alert_fd") {
  if (!config.command.empty()) runner_.emplace(config.command, "tcp_cmd", config.max_children);
}

void FlowAlerts::OnFileCreated(Flow&, const std::string& name) {
  alerts_.Send("open", name);
}

void FlowAlerts::OnFlowClose(Flow&, const StoredFile& file) {
  if (file.name.empty()) return;
  alerts_.Send("close", file.name);
  if (runner_) runner_->Run(file.name);
}

void FlowAlerts::Finish() {
  if (runner_) runner_->WaitAll();
}

CommandStats FlowAlerts::command_stats() const {
  return runner_ ? runner_->stats() : CommandStats{};
}

std::string FlowAlerts::command_failure() const {
  return runner_ ? runner_->first_failure() : std::string();
}

}  // namespace tcpflow
