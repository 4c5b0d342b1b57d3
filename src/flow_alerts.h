// flow_alerts.h: -S tcp_alert_fd (open/close lines on a file descriptor) and -S tcp_cmd (a shell
// command run on every closed flow file), with the pieces the http scanner reuses for
// http_alert_fd / http_cmd.
//
// Design note: three parts. AlertChannel writes whole "<event>\t<path>\n" lines to a descriptor
// it does not own; the first write error (EPIPE, EBADF, ...) stops it for good and is kept for
// one warning, never failing the run. CommandRunner starts `/bin/sh -c '<command> "$1"' tcpflow
// <path>` with posix_spawn: the path is the shell's $1, never part of the script, so names with
// spaces, quotes or `$(...)` are passed as they are and never run. At most max_children commands
// run at once; Run() waits for one to end when the limit is reached. Children get /dev/null as
// stdin, the parent's stdout and stderr, and no other descriptor. Their exit statuses are
// counted; a failing command is not an error of the run. FlowAlerts is the stream sink that
// drives both for flow files: "open" when the file is created (OnFileCreated), "close" and the
// command at close, with the name the close event carries (the file is closed by then). It keeps
// no per-flow state. Flows that never got a file produce nothing (unlike tcpflow 1.6.1, which
// wrote "close\t" with an empty path).
#ifndef TCPFLOW_FLOW_ALERTS_H
#define TCPFLOW_FLOW_ALERTS_H

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "stream_sink.h"

namespace tcpflow {

// Checks that `fd` (from the setting `fd_name`) is open for writing; true when fd < 0 (off).
// Call it before the run opens any file of its own: a descriptor number that is not open would
// otherwise be taken by one of them (report.xml, a flow file) and receive the alert lines.
bool CheckAlertFd(int fd, std::string_view fd_name, std::string* error);

// Writes event lines to a descriptor that someone else opened and will close.
class AlertChannel {
 public:
  // fd < 0: the channel is off and Send() does nothing. `label` names the setting in error
  // messages (e.g. "tcp_alert_fd").
  AlertChannel(int fd, std::string label);

  // Writes "<event>\t<path>\n" in one write(2) when possible (the rest is written after a
  // partial write; EINTR is retried; a non-blocking descriptor is waited for). A write error
  // switches the channel off and sets error(). A closed pipe does not raise SIGPIPE.
  void Send(std::string_view event, std::string_view path);

  bool active() const { return fd_ >= 0 && error_.empty(); }
  bool failed() const { return !error_.empty(); }
  // One line, e.g. "cannot write to tcp_alert_fd 5: Broken pipe; alerts stopped"; "" if none.
  const std::string& error() const { return error_; }

 private:
  void WriteAll(std::string_view bytes);

  int fd_;
  std::string label_;
  std::string line_;
  std::string error_;
};

struct CommandStats {
  std::uint64_t started = 0;    // children spawned
  std::uint64_t succeeded = 0;  // ended with exit status 0
  std::uint64_t failed = 0;     // non-zero status, killed by a signal, or could not be spawned
};

// Runs one shell command per argument, a bounded number at a time. Not thread-safe. It reaps
// only the children it started (never waitpid(-1)), so other children of the process are left
// alone.
class CommandRunner {
 public:
  // `command` is shell text; each Run() appends the argument as a quoted "$1". `label` names the
  // setting in failure messages (e.g. "tcp_cmd"). max_children < 1 is taken as 1.
  CommandRunner(std::string command, std::string label, std::size_t max_children);
  // Waits for every child that is still running.
  ~CommandRunner();
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;

  // Starts the command for `argument`. Collects finished children first and, when max_children
  // are still running, blocks until one of them ends. A spawn failure is counted as failed.
  void Run(const std::string& argument);
  // Collects the children that have ended, without blocking.
  void Reap();
  // Blocks until every child has ended.
  void WaitAll();

  std::size_t running() const { return children_.size(); }
  const CommandStats& stats() const { return stats_; }
  // The first failure, one line, e.g. "tcp_cmd on 'PATH': exit status 3"; "" if none.
  const std::string& first_failure() const { return first_failure_; }

 private:
  struct Child {
    pid_t pid;
    int pidfd;  // -1 when pidfd_open is unavailable
    std::string argument;
  };
  // Records the end of `child` (status as from waitpid) and closes its pidfd.
  void Finished(const Child& child, int status);
  // Blocks until at least one child has ended and collects it.
  void WaitForOne();
  void Failure(const std::string& argument, const std::string& what);

  std::string script_;
  std::string label_;
  std::size_t max_children_;
  std::vector<Child> children_;  // in start order
  CommandStats stats_;
  std::string first_failure_;
};

class FlowAlerts final : public StreamSink {
 public:
  explicit FlowAlerts(const AlertConfig& config);

  void OnFlowOpen(Flow&) override {}
  // "open\t<path>\n".
  void OnFileCreated(Flow& flow, const std::string& name) override;
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override {}
  void OnShift(Flow&, std::uint64_t) override {}
  // For a flow with a file: "close\t<path>\n", then the command with the path.
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

  // Waits for the commands still running; call once every flow is closed (the destructor does
  // it too). Statistics are final afterwards.
  void Finish();

  bool alert_failed() const { return alerts_.failed(); }
  const std::string& alert_error() const { return alerts_.error(); }
  // All zero / "" when there is no command.
  CommandStats command_stats() const;
  std::string command_failure() const;

 private:
  AlertChannel alerts_;
  std::optional<CommandRunner> runner_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_ALERTS_H
