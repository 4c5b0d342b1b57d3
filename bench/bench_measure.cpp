// bench_measure.cpp: runs one command and records its wall time, CPU time, peak memory and exit
// status, so the benchmarks need no /usr/bin/time. (POSIX fork/execvp, wait4.)
//
// The record is one line: "WALL_S USER_S SYS_S MAXRSS_KIB STATUS", e.g. "1.234567 0.512000
// 0.701000 10244 0". Wall time is CLOCK_MONOTONIC from before fork to after wait4; STATUS is the
// exit status, 128+N for a command killed by signal N, 127 when it could not be started.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string_view>

namespace tcpflow {
namespace {

constexpr std::string_view kUsage =
    "usage: bench_measure [--inherit | --output FILE] RECORD -- COMMAND [ARG...]\n"
    "Runs COMMAND and writes \"WALL_S USER_S SYS_S MAXRSS_KIB STATUS\" to RECORD.\n"
    "COMMAND's standard output and error go to /dev/null, to FILE with --output, or stay\n"
    "where they are with --inherit. Exits with COMMAND's STATUS, or 125 on a usage or\n"
    "system error.\n";
constexpr int kUsageError = 125;
constexpr int kExecFailed = 127;

double Elapsed(const timespec& from, const timespec& to) {
  return static_cast<double>(to.tv_sec - from.tv_sec) + (to.tv_nsec - from.tv_nsec) * 1e-9;
}
double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6;
}

int Main(int argc, char** argv) {
  bool inherit = false;
  const char* output = "/dev/null";
  int i = 1;
  for (; i < argc && std::string_view(argv[i]).starts_with("--"); ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--inherit") {
      inherit = true;
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else {
      break;
    }
  }
  if (i + 2 >= argc || std::string_view(argv[i + 1]) != "--") {
    std::fputs(kUsage.data(), stderr);
    return kUsageError;
  }
  const char* record = argv[i];
  char** command = argv + i + 2;

  int output_fd = -1;
  if (!inherit) {
    output_fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (output_fd < 0) {
      std::fprintf(stderr, "bench_measure: %s: %s\n", output, std::strerror(errno));
      return kUsageError;
    }
  }
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const pid_t child = fork();
  if (child < 0) {
    std::perror("bench_measure: fork");
    return kUsageError;
  }
  if (child == 0) {
    if (output_fd >= 0 &&
        (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0)) {
      _exit(kExecFailed);
    }
    execvp(command[0], command);
    std::fprintf(stderr, "bench_measure: %s: %s\n", command[0], std::strerror(errno));
    _exit(kExecFailed);
  }
  int wait_status = 0;
  rusage usage{};
  pid_t waited;
  do {
    waited = wait4(child, &wait_status, 0, &usage);
  } while (waited < 0 && errno == EINTR);
  timespec end{};
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (waited < 0) {
    std::perror("bench_measure: wait4");
    return kUsageError;
  }
  if (output_fd >= 0) close(output_fd);

  const int status = WIFEXITED(wait_status)     ? WEXITSTATUS(wait_status)
                     : WIFSIGNALED(wait_status) ? 128 + WTERMSIG(wait_status)
                                                : kUsageError;
  std::FILE* out = std::fopen(record, "w");
  if (out == nullptr) {
    std::fprintf(stderr, "bench_measure: %s: %s\n", record, std::strerror(errno));
    return kUsageError;
  }
  std::fprintf(out, "%.6f %.6f %.6f %ld %d\n", Elapsed(start, end), Seconds(usage.ru_utime),
               Seconds(usage.ru_stime), usage.ru_maxrss, status);
  if (std::fclose(out) != 0) {
    std::fprintf(stderr, "bench_measure: %s: %s\n", record, std::strerror(errno));
    return kUsageError;
  }
  return status;
}

}  // namespace
}  // namespace tcpflow

int main(int argc, char** argv) {
  return tcpflow::Main(argc, argv);
}
