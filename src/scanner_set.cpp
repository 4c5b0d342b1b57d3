// scanner_set.cpp: building the run's scanners from -e / -x / -E / -a and their -S settings.
#include "scanner_set.h"

#include <utility>

#include "build_config.h"
#include "scan_hash.h"
#include "scan_http.h"
#if HAVE_PYTHON3
#include "scan_python.h"
#endif
#if HAVE_CAIRO
#include "scan_netviz.h"
#endif

namespace tcpflow {

std::unique_ptr<ScannerSet> ScannerSet::Create(const Config& config, OutputFs& fs,
                                               const ScannerRunInfo& info, std::string* error) {
  std::unique_ptr<ScannerSet> set(new ScannerSet(config.reassembly.max_bytes_per_flow));
  if (!SelectScanners(config.scanner_commands, &set->selection_, error)) return nullptr;
  const ScannerSelection& on = set->selection_;
  const std::int64_t max_bytes = config.reassembly.max_bytes_per_flow;

  // md5 (and -S hash=...): on with -e md5 / -FM / -a, or when -S hash names digests.
  HashScanConfig hash;
  if (!ParseHashScanConfig(config.settings, on.enabled(ScannerId::kMd5), max_bytes, &hash, error)) {
    return nullptr;
  }
  if (!hash.algorithms.empty()) {
    set->owned_.push_back(std::make_unique<HashScanner>(hash, fs));
    set->stored_stream_.Add(set->owned_.back().get());
  }

  if (on.enabled(ScannerId::kHttp)) {
    HttpScanConfig http;
    if (!ParseHttpScanConfig(config.settings, &http, error)) return nullptr;
    http.decompress = !config.no_http_decompress;
    FlowAlertConfig alerts;
    if (!ParseAlertSettings(config.settings, "http_alert_fd", "http_cmd", &alerts, error) ||
        !CheckAlertFd(alerts.alert_fd, "http_alert_fd", error)) {
      return nullptr;
    }
    if (alerts.alert_fd >= 0) {
      set->http_alerts_ = std::make_unique<AlertChannel>(alerts.alert_fd, "http_alert_fd");
    }
    if (!alerts.command.empty()) {
      set->http_commands_ =
          std::make_unique<CommandRunner>(alerts.command, "http_cmd", alerts.max_children);
    }
    auto scanner = std::make_unique<HttpScanner>(http, fs, set->anomalies_, set->http_alerts_.get(),
                                                 set->http_commands_.get());
    set->http_ = scanner.get();
    set->stored_stream_.Add(scanner.get());
    set->owned_.push_back(std::move(scanner));
  }

#if HAVE_PYTHON3
  // -a and -e all include python only when a plugin is configured: it has nothing to run
  // otherwise. Named with -e python / -E python, a missing plugin is an error.
  bool python_named = false;
  for (const ScannerCommand& command : config.scanner_commands) {
    python_named =
        python_named || (command.name == "python" && command.op != ScannerCommand::Op::kDisable);
  }
  if (on.enabled(ScannerId::kPython) && (python_named || config.settings.contains("py_module"))) {
    PythonScanConfig python;
    if (!ParsePythonScanConfig(config.settings, &python, error)) return nullptr;
    python.max_bytes_per_flow = max_bytes;
    std::unique_ptr<PythonScanner> scanner = PythonScanner::Create(python, set->anomalies_, error);
    if (!scanner) return nullptr;
    set->stored_stream_.Add(scanner.get());
    set->owned_.push_back(std::move(scanner));
  }
#endif

#if HAVE_CAIRO
  if (on.enabled(ScannerId::kNetviz)) {
    NetvizConfig netviz;
    if (!ParseNetvizConfig(config.settings, &netviz, error)) return nullptr;
    netviz.pdf_path =
        (config.output.outdir.empty() || config.output.outdir == "." ? std::string()
                                                                     : config.output.outdir + "/") +
        "report.pdf";
    netviz.version = info.version;
    netviz.inputs = info.inputs;
    netviz.generated_time = info.start_time;
    auto scanner = std::make_unique<NetvizScanner>(netviz);
    set->packet_scanners_.push_back(scanner.get());
    set->owned_.push_back(std::move(scanner));
  }
#else
  (void)info;
#endif
  return set;
}

ScannerSet::~ScannerSet() = default;

bool ScannerSet::Finish(std::string* error) {
  bool ok = true;
  for (const auto& scanner : owned_) {
    std::string why;
    if (!scanner->OnRunEnd(&why) && ok) {
      *error = why;
      ok = false;
    }
  }
  if (http_commands_) http_commands_->WaitAll();
  return ok;
}

std::vector<std::string> ScannerSet::Warnings() const {
  std::vector<std::string> warnings;
  if (http_alerts_ && http_alerts_->failed()) warnings.push_back(http_alerts_->error());
  if (http_commands_ && http_commands_->stats().failed > 0) {
    const CommandStats& stats = http_commands_->stats();
    warnings.push_back("http_cmd failed for " + std::to_string(stats.failed) + " of " +
                       std::to_string(stats.succeeded + stats.failed) +
                       " body files (first: " + http_commands_->first_failure() + ")");
  }
  return warnings;
}

bool ScannerSet::failed() const {
  return http_ != nullptr && http_->failed();
}

const std::string& ScannerSet::error() const {
  return http_ != nullptr && http_->failed() ? http_->error() : error_;
}

}  // namespace tcpflow
