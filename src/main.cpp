// main.cpp: argv → Config → the run (run.h) → exit status; the only place that exits.
#include <signal.h>

#include <csignal>
#include <iostream>

#include "async_output_fs.h"
#include "build_config.h"
#include "config.h"
#include "output_dir.h"
#include "run.h"
#include "scanner.h"

namespace {

// The one piece of process-wide state: signal handlers can reach nothing else. The run
// (run.cpp) polls it between packets; a second SIGINT/SIGTERM exits at once.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int sig) {
  if (g_stop_signal != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop_signal = sig;
}

// Writer threads, unless a program or descriptor is told about each file as it closes (it must
// find the file complete then), or nothing is written (console mode).
std::size_t WriterThreads(const tcpflow::Config& config) {
  if (config.console.enabled || tcpflow::AnnouncesClosedFiles(config)) return 0;
  return config.output.writer_threads;
}

}  // namespace

int main(int argc, char** argv) {
  tcpflow::Config config;
  tcpflow::ParseResult parsed = tcpflow::ParseCommandLine(argc, argv, config);
  for (const auto& w : parsed.warnings) std::cerr << "tcpflow: " << w << "\n";
  if (parsed.status == tcpflow::ParseResult::Status::kError) {
    std::cerr << "tcpflow: " << parsed.message << "\n"
              << "Try 'tcpflow -h' for more information.\n";
    return 1;
  }
  switch (config.mode) {
    case tcpflow::RunMode::kHelp: std::cout << tcpflow::UsageText(false); return 0;
    case tcpflow::RunMode::kHelpMore:
      std::cout << tcpflow::UsageText(true) << "\n" << tcpflow::ScannerHelpText(false);
      return 0;
    case tcpflow::RunMode::kHelpScanners: std::cout << tcpflow::ScannerHelpText(); return 0;
    case tcpflow::RunMode::kVersion: std::cout << "TCPFLOW " << PACKAGE_VERSION << "\n"; return 0;
    case tcpflow::RunMode::kRun: break;
  }
  // No SA_RESTART: a read blocked on a pipe or a quiet interface returns, so the stop is seen.
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
  // A closed console pipe shows up as EPIPE on the write, and the run ends quietly.
  std::signal(SIGPIPE, SIG_IGN);
  std::size_t max_open = config.output.max_open_files > 0
                             ? static_cast<std::size_t>(config.output.max_open_files)
                             : tcpflow::PosixOutputFs::DefaultMaxOpen();
  const std::size_t writers = WriterThreads(config);
  if (writers == 0) {
    tcpflow::PosixOutputFs fs(max_open);
    return tcpflow::RunPipeline(config, fs, std::cerr, &g_stop_signal);
  }
  tcpflow::AsyncOutputFs fs(max_open, writers);
  return tcpflow::RunPipeline(config, fs, std::cerr, &g_stop_signal);
}
