// run.cpp: one run of tcpflow, from the typed Config to the exit status.
#include "run.h"

#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "build_config.h"
#include "console_writer.h"
#include "datalink.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "flow_alerts.h"
#include "flow_writer.h"
#include "pcap_source.h"
#include "pcap_writer.h"
#include "pipeline.h"
#include "privileges.h"
#include "progress.h"
#include "scanner_set.h"

namespace tcpflow {
namespace {

struct InputSpec {
  std::string path;  // empty = live capture
  bool finish_only;  // -R
};

std::string ReportPath(const Config& config) {
  if (!config.report.path.empty()) return config.report.path;
  return FlowFileWriter::PathPrefix(config.output.outdir) + "report.xml";
}

// Creates the output directory if needed (`kind`: what fs.Stat found there before); false with a
// message when it is unusable.
bool PrepareOutdir(const std::string& outdir, OutputFs::PathKind kind, OutputFs& fs,
                   std::string* error) {
  if (kind == OutputFs::PathKind::kOther) {
    *error = "outdir is not a directory: " + outdir;
    return false;
  }
  if (!fs.MakeDirs(outdir) || !fs.CheckWritable(outdir)) {
    *error = fs.error();
    return false;
  }
  return true;
}

// -U / -z: hands report.xml (and the output directory when this run created it) to the user,
// then gives up root for good.
bool GiveUpPrivileges(const Config& config, const std::string& report_path, bool chown_outdir,
                      std::string* error) {
  if (!report_path.empty() && !ChownForUser(report_path, config.drop_to_user, error)) return false;
  if (chown_outdir && !ChownForUser(config.output.outdir, config.drop_to_user, error)) {
    return false;
  }
  return DropPrivileges(config.drop_to_user, config.chroot_dir, error);
}

Timeval WallClock() {
  struct timeval tv {};
  ::gettimeofday(&tv, nullptr);
  return Timeval{tv.tv_sec, static_cast<std::int32_t>(tv.tv_usec)};
}

// Where a run stands while its inputs are read: the exit status so far and, when it was cut
// short, why (for report.xml's <termination>).
struct RunOutcome {
  int status = 0;
  std::string termination;

  // An error that ends the run: printed, recorded, exit status 1.
  void Fail(std::ostream& err, const std::string& message) {
    err << "tcpflow: " << message << "\n";
    if (termination.empty()) termination = message;
    status = 1;
  }
};

// What one input's read loop needs besides the source.
struct ReadContext {
  PacketProcessor& pipeline;
  PcapFileWriter* unprocessed;  // -w, or null
  ConsoleWriter* console;       // -c/-C, or null
  bool show_progress;           // stderr is a terminal and -q was not given
  std::ostream& err;
  const volatile std::sig_atomic_t* stop;
};

// Reads every packet of `source` into the pipeline. Returns false when the run must stop (a
// signal, a read or write error, a closed console pipe); `outcome` says why.
bool ReadInput(PcapSource& source, bool finish_only, ReadContext& context, RunOutcome& outcome) {
  std::optional<ProgressMeter> progress;
  if (context.show_progress && source.FileProgress()) progress.emplace(context.err);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t packets = 0;
  const auto draw_progress = [&] {
    const auto position = source.FileProgress();
    if (!position) return;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    progress->Update(ProgressSample{elapsed.count(), position->bytes_read, position->total_bytes,
                                    packets, context.pipeline.open_flows()});
  };
  RawPacket packet;
  bool keep_going = true;
  context.pipeline.ForgetLookAhead();  // this input's view epochs start again
  for (;;) {
    if (*context.stop != 0) {
      outcome.termination = "interrupted by signal " + std::to_string(*context.stop);
      keep_going = false;
      break;
    }
    const PcapSource::Status s = source.Next(&packet);
    if (s == PcapSource::Status::kTimeout) continue;
    if (s == PcapSource::Status::kEnd) break;
    if (s == PcapSource::Status::kError && *context.stop != 0) continue;  // a read cut short
    if (s == PcapSource::Status::kError) {
      if (progress) progress->Clear();
      outcome.Fail(context.err, source.error());
      keep_going = false;
      break;
    }
    ++packets;
    if (progress && packets % 4096 == 0) draw_progress();
    // While this packet is handled, the third one after it (when already read) has its slot
    // loaded, the second its flow and the next one its file state.
    context.pipeline.LookAhead(source.link_type(), source.Ahead(2), source.view_epoch());
    const bool tcp = context.pipeline.HandlePacket(packet.link_type, packet, finish_only);
    if (!tcp && context.unprocessed != nullptr &&
        !context.unprocessed->WriteIfLinkType(packet.link_type, packet.ts, packet.wire_len,
                                              packet.data)) {
      if (progress) progress->Clear();
      outcome.Fail(context.err, context.unprocessed->error());
      keep_going = false;
      break;
    }
    if (context.pipeline.failed()) {
      keep_going = false;  // reported once, after the flows are closed
      break;
    }
    if (context.console != nullptr && context.console->failed()) {
      // A closed pipe (tcpflow -c ... | head) ends the run quietly; other errors are errors.
      if (!context.console->broken_pipe()) outcome.Fail(context.err, context.console->error());
      keep_going = false;
      break;
    }
  }
  if (progress) progress->Clear();
  return keep_going;
}

// report.xml while the run writes it: the file, the stream over it and the writer, destroyed
// in the reverse order (the writer may still write a footer).
struct Report {
  std::unique_ptr<std::streambuf> file;
  std::ostream stream{nullptr};
  std::unique_ptr<ReportWriter> writer;
};

// Creates report.xml through `fs` and writes its header; false (with a message printed) when it
// cannot be created.
bool StartReport(const Config& config, const std::string& path,
                 const std::vector<std::string>& input_names, OutputFs& fs, Report& report,
                 std::ostream& err) {
  report.file = fs.CreateStream(path);
  if (!report.file) {
    err << "tcpflow: " << fs.error() << "\n";
    return false;
  }
  report.stream.rdbuf(report.file.get());
  err << "reportfilename: " << path << "\n";
  report.writer = std::make_unique<ReportWriter>(report.stream);
  ReportHeader header;
  header.program_version = PACKAGE_VERSION;
  header.command_line = config.command_line;
  header.input_files = input_names;
  header.tdelta = config.output.tdelta;
  header.start_time = WallClock();
  report.writer->WriteHeader(header);
  return true;
}

}  // namespace

int RunPipeline(const Config& config, OutputFs& fs, std::ostream& err,
                const volatile std::sig_atomic_t* stop) {
  std::string error;
  auto name_template = FilenameTemplate::Parse(config.output.filename_template, &error);
  if (!name_template) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }
  if (!CheckAlertFd(config.alerts.alert_fd, "tcp_alert_fd", &error)) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }

  std::vector<InputSpec> inputs;
  for (const auto& f : config.input.read_files) inputs.push_back({f, false});
  for (const auto& f : config.input.finish_files) inputs.push_back({f, true});
  if (inputs.empty() || !config.input.interface.empty()) inputs.insert(inputs.begin(), {"", false});
  std::vector<std::string> input_names;
  for (const auto& in : inputs) {
    input_names.push_back(in.path.empty() ? "interface:" + config.input.interface : in.path);
  }

  ScannerRunInfo run_info{input_names, PACKAGE_VERSION, WallClock().sec};
  const std::uint64_t seed = RunSeed(config);
  std::unique_ptr<ScannerSet> scanners = ScannerSet::Create(config, seed, fs, run_info, &error);
  if (!scanners) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }
  const OutputFs::PathKind outdir_kind = fs.Stat(config.output.outdir);
  if (!PrepareOutdir(config.output.outdir, outdir_kind, fs, &error)) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }

  Report report;
  const std::string report_path = ReportPath(config);
  if (config.report.enabled && !StartReport(config, report_path, input_names, fs, report, err)) {
    return 1;
  }

  // The JSON Lines flow log (-S json): a file made through the file system, or standard output.
  std::unique_ptr<std::streambuf> flow_log_file;
  std::ostream flow_log(nullptr);
  if (config.report.json_path == "-") {
    flow_log.rdbuf(std::cout.rdbuf());
  } else if (!config.report.json_path.empty()) {
    flow_log_file = fs.CreateStream(config.report.json_path);
    if (!flow_log_file) {
      err << "tcpflow: " << fs.error() << "\n";
      return 1;
    }
    flow_log.rdbuf(flow_log_file.get());
  }

  std::unique_ptr<ConsoleWriter> console;
  if (config.console.enabled) {
    console =
        ConsoleWriter::Create(config.console, *name_template, config.reassembly.max_bytes_per_flow,
                              config.semlock_name, stdout, &error);
    if (!console) {
      err << "tcpflow: " << error << "\n";
      return 1;
    }
  }
  PipelineSinks sinks;
  sinks.report = report.writer.get();
  sinks.console = console.get();
  sinks.scanners = scanners.get();
  if (!config.report.json_path.empty()) sinks.flow_log = &flow_log;
  if (config.debug_level >= kFlowEventsDebugLevel) sinks.events = &err;
  PacketProcessor pipeline(config, seed, fs, *name_template, sinks);
  bool privileges_dropped = false;
  std::unique_ptr<PcapFileWriter> unprocessed;  // -w
  RunOutcome outcome;
  ReadContext context{
      pipeline, nullptr, console.get(), !config.quiet && ::isatty(STDERR_FILENO) == 1, err, stop};
  for (const auto& input : inputs) {
    std::unique_ptr<PcapSource> source = input.path.empty()
                                             ? PcapSource::OpenLive(config.input, &error)
                                             : PcapSource::OpenFile(input.path, &error);
    if (source == nullptr) {
      outcome.Fail(err, error);
      break;
    }
    if (!IsSupportedLinkType(source->link_type())) {
      outcome.Fail(err, "unknown datalink type " + std::to_string(source->link_type()) + " in " +
                            source->name());
      break;
    }
    if (!source->SetFilter(config.input.bpf_expression, &error)) {
      outcome.Fail(err, error);
      break;
    }
    if (!config.write_unprocessed_path.empty() && !unprocessed) {
      // -w: a classic pcap of the first input's link type; packets of others are counted.
      unprocessed =
          PcapFileWriter::Create(fs, config.write_unprocessed_path, source->link_type(), &error);
      if (!unprocessed) {
        outcome.Fail(err, "cannot create " + config.write_unprocessed_path + " (-w): " + error);
        break;
      }
      context.unprocessed = unprocessed.get();
    }
    if (!config.drop_to_user.empty() && !privileges_dropped) {
      // After the first source is open (live capture needs root), before any flow file.
      if (!GiveUpPrivileges(config, report.writer ? report_path : std::string(),
                            outdir_kind == OutputFs::PathKind::kNone, &error)) {
        outcome.Fail(err, error);
        break;
      }
      privileges_dropped = true;
      if (config.debug_level >= 1) {
        err << "tcpflow: dropped privileges to " << config.drop_to_user << "\n";
      }
    }
    if (input.path.empty()) err << "tcpflow: listening on " << source->name() << "\n";
    if (!ReadInput(*source, input.finish_only, context, outcome)) break;
  }

  if (unprocessed) {
    if (!unprocessed->Close()) outcome.Fail(err, unprocessed->error());
    if (unprocessed->skipped_other_link_type() > 0) {
      err << "tcpflow: " << unprocessed->skipped_other_link_type()
          << " packets of other link types could not be written to "
          << config.write_unprocessed_path << "\n";
    }
  }
  ReportTotals totals;
  totals.open_fds_at_end = fs.open_descriptors();
  // Flows still open close for the end of the input, or because the run stopped early.
  pipeline.Finish(
      &totals, outcome.termination.empty() ? CloseReason::kEndOfInput : CloseReason::kInterrupted);
  if (const FlowAlerts* alerts = pipeline.alerts()) {
    if (alerts->alert_failed()) err << "tcpflow: warning: " << alerts->alert_error() << "\n";
    const CommandStats commands = alerts->command_stats();
    if (commands.failed > 0) {
      err << "tcpflow: warning: tcp_cmd failed for " << commands.failed << " of "
          << commands.succeeded + commands.failed
          << " flow files (first: " << alerts->command_failure() << ")\n";
    }
  }
  for (const std::string& warning : scanners->Warnings()) {
    err << "tcpflow: warning: " << warning << "\n";
  }
  if (pipeline.failed()) outcome.Fail(err, pipeline.error());
  if (report.writer) {
    totals.termination = outcome.termination;
    report.writer->WriteFooter(totals);
    report.stream.flush();
    if (!report.writer->ok() || !report.stream) {
      err << "tcpflow: write error on " << report_path << "\n";
      outcome.status = 1;
    }
  }
  return outcome.status;
}

}  // namespace tcpflow
