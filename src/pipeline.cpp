// pipeline.cpp: one run of tcpflow, from command-line configuration to exit status.
#include "pipeline.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "anomaly.h"
#include "build_config.h"
#include "datalink.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "flow_alerts.h"
#include "flow_table.h"
#include "flow_writer.h"
#include "ip.h"
#include "pcap_source.h"
#include "pcap_writer.h"
#include "privileges.h"
#include "report_sink.h"
#include "stream_sink.h"
#include "tcp_demux.h"
#include "tcp_segment.h"
#include "tunnel.h"

namespace tcpflow {
namespace {

constexpr std::uint8_t kIpProtoTcp = 6;

struct InputSpec {
  std::string path;  // empty = live capture
  bool finish_only;  // -R
};

std::string ReportPath(const Config& config) {
  if (!config.report.path.empty()) return config.report.path;
  return FlowFileWriter::PathPrefix(config.output.outdir) + "report.xml";
}

// Creates the output directory if needed; false with a message when it is unusable.
bool PrepareOutdir(const std::string& outdir, OutputFs& fs, std::string* error) {
  struct stat st {};
  if (::stat(outdir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    *error = "outdir is not a directory: " + outdir;
    return false;
  }
  if (!fs.MakeDirs(outdir)) {
    *error = fs.error();
    return false;
  }
  if (::access(outdir.c_str(), W_OK | X_OK) != 0) {
    *error = "cannot write to output directory " + outdir + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// Options that parse but whose component is not built yet: refuse them rather than quietly
// produce output without them. Returns the message, or "" when everything asked for exists.
std::string NotYetSupported(const Config& config) {
  static constexpr const char* kScanners[] = {"md5",      "http",   "netviz",
                                              "tcpdemux", "python", "wifiviz"};
  for (const auto& command : config.scanner_commands) {
    if (command.op == ScannerCommand::Op::kEnableAll) {
      return "-a (all scanners): the scanners are not implemented yet";
    }
    bool known = command.name == "all";
    for (const char* name : kScanners) known = known || command.name == name;
    if (!known) return "invalid scanner name '" + command.name + "'";
    const bool enables = command.op != ScannerCommand::Op::kDisable;
    if (enables && command.name != "tcpdemux") {
      return "scanner '" + command.name + "' is not implemented yet";
    }
    if (!enables && command.name == "tcpdemux") {
      return "-x tcpdemux: turning off reassembly is not implemented yet";
    }
  }
  return {};
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

}  // namespace

PacketProcessor::PacketProcessor(const Config& config, OutputFs& fs,
                                 const FilenameTemplate& name_template, ReportWriter* report,
                                 const FlowAlertConfig& alerts, ConsoleWriter* console)
    : config_(config),
      limits_{config.reassembly.max_buffered_per_flow, 1024, config.reassembly.overlap_last},
      budget_{config.reassembly.max_buffered_total, 0},
      table_(std::random_device{}(), limits_, budget_),
      writer_(config.output, config.reassembly, name_template, fs),
      demux_(config.reassembly, table_, fanout_, fs, anomalies_),
      defrag_limits_{config.ip.max_fragment_datagrams, config.ip.max_fragment_bytes,
                     config.ip.fragment_timeout_sec},
      defrag_(defrag_limits_, anomalies_) {
  fanout_.Add(&writer_);
  if (config.findx) {
    findx_ = std::make_unique<FindxWriter>(config.reassembly.max_bytes_per_flow, fs);
    fanout_.Add(findx_.get());
  }
  if (console != nullptr) demux_.AddTap(console);
  if (config.per_flow_pcap) {
    flow_pcaps_ = std::make_unique<FlowPcapWriter>(config.output.outdir, name_template, fs,
                                                   std::random_device{}());
  }
  if (alerts.enabled()) {
    alerts_ = std::make_unique<FlowAlerts>(alerts);
    fanout_.Add(alerts_.get());
  }
  if (report != nullptr) {
    report_sink_ = std::make_unique<ReportSink>(*report);
    fanout_.Add(report_sink_.get());
  }
}

PacketProcessor::~PacketProcessor() = default;

bool PacketProcessor::HandlePacket(int link_type, const RawPacket& packet, bool finish_only) {
  LinkLayer link;
  if (!DecodeLink(link_type, packet.data, link, anomalies_)) return false;
  const Timeval ts{packet.ts.sec + config_.output.tdelta, packet.ts.usec};
  defrag_.Expire(ts);
  Bytes network = link.network;
  std::uint16_t ethertype = link.ethertype;
  // Each pass peels one IP layer: defragment it, and either hand its TCP segment on or step
  // into the tunnel it carries. Flows are named by the innermost IP/TCP headers.
  for (std::size_t depth = 0;; ++depth) {
    if (depth == kMaxIpLayers) {
      anomalies_.Count(Anomaly::kTooManyVlanTags);
      return false;
    }
    IpLayer ip;
    if (!DecodeIp(network, ethertype, ip, anomalies_)) return false;
    if (ip.is_fragment) {
      anomalies_.Count(Anomaly::kIpFragment);
      const bool tcp = ip.protocol == kIpProtoTcp;
      IpLayer whole;
      if (!defrag_.Add(ip, ts, &whole)) return tcp;  // held until its datagram is complete
      // The defragmenter's buffer lives only until its next call, and an inner layer may be
      // fragmented too: keep this layer's datagram in a buffer of its own.
      std::vector<std::uint8_t>& copy = datagrams_[depth];
      copy.assign(whole.payload.begin(), whole.payload.end());
      ip = whole;
      ip.payload = Bytes(copy.data(), copy.size());
    }
    TunnelInner inner;
    switch (Decapsulate(ip, &inner, anomalies_)) {
      case TunnelStatus::kFailed: return false;
      case TunnelStatus::kInner:
        if (inner.is_ethernet) {
          // The innermost Ethernet header names the flow (its MACs and VLAN), like its IP/TCP.
          if (!DecodeLink(kDltEn10mb, inner.frame, link, anomalies_)) return false;
          network = link.network;
          ethertype = link.ethertype;
        } else {
          network = inner.frame;
          ethertype = inner.ethertype;
        }
        continue;
      case TunnelStatus::kNotTunnel: break;
    }
    if (ip.protocol != kIpProtoTcp) {
      anomalies_.Count(Anomaly::kNotTcp);
      return false;
    }
    TcpLayer tcp;
    if (!DecodeTcp(ip.payload, tcp, anomalies_)) return false;
    PacketMeta meta;
    meta.ts = ts;
    meta.wire_len = packet.wire_len;
    meta.cap_len = static_cast<std::uint32_t>(packet.data.size());
    meta.link_type = link_type;
    meta.frame = packet.data;
    if (flow_pcaps_) {
      // -K: instead of reassembling, every TCP packet goes to its direction's pcap as captured.
      NameFields fields;
      fields.key = FlowKey{ip.src, ip.dst, tcp.src_port, tcp.dst_port, link.vlan};
      fields.has_macs = link.has_macs;
      fields.src_mac = link.src_mac;
      fields.dst_mac = link.dst_mac;
      fields.first_seen_sec = ts.sec;
      const SegmentInfo segment{ts,      link_type, packet.data, packet.wire_len,
                                tcp.seq, tcp.flags, tcp.payload};
      flow_pcaps_->OnPacket(fields.key, fields, segment);
      return true;
    }
    demux_.Process(meta, link, ip, tcp, finish_only);
    demux_.ExpireIdle(meta.ts);
    return true;
  }
}

void PacketProcessor::Finish(ReportTotals* totals) {
  totals->flow_map_size = table_.size();
  totals->max_open_flows = table_.peak_size();
  demux_.CloseAll();
  if (alerts_) alerts_->Finish();
  if (flow_pcaps_) flow_pcaps_->Finish();
  totals->total_flows = table_.total_created();
  totals->total_packets = demux_.total_packets();
  totals->anomalies = &anomalies_;
}

bool PacketProcessor::failed() const {
  return writer_.failed() || (findx_ && findx_->failed()) || (flow_pcaps_ && flow_pcaps_->failed());
}

const std::string& PacketProcessor::error() const {
  if (writer_.failed()) return writer_.error();
  if (findx_ && findx_->failed()) return findx_->error();
  return flow_pcaps_->error();
}

int RunPipeline(const Config& given, OutputFs& fs, std::ostream& err,
                const volatile std::sig_atomic_t* stop) {
  // Console mode (-c/-C) prints segments instead of storing flows, and writes no report.
  Config config = given;
  if (config.console.enabled) {
    config.output.store_output = false;
    config.report.enabled = false;
  }
  std::string error = NotYetSupported(config);
  if (!error.empty()) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }
  auto name_template = FilenameTemplate::Parse(config.output.filename_template, &error);
  if (!name_template) {
    err << "tcpflow: invalid filename template '" << config.output.filename_template
        << "': " << error << "\n";
    return 1;
  }
  FlowAlertConfig alert_config;
  if (!ParseFlowAlertConfig(config.settings, &alert_config, &error) ||
      !CheckAlertFd(alert_config.alert_fd, "tcp_alert_fd", &error)) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }
  struct stat outdir_stat {};
  const bool outdir_existed = ::stat(config.output.outdir.c_str(), &outdir_stat) == 0;
  if (!PrepareOutdir(config.output.outdir, fs, &error)) {
    err << "tcpflow: " << error << "\n";
    return 1;
  }

  std::vector<InputSpec> inputs;
  for (const auto& f : config.input.read_files) inputs.push_back({f, false});
  for (const auto& f : config.input.finish_files) inputs.push_back({f, true});
  if (inputs.empty() || !config.input.interface.empty()) inputs.insert(inputs.begin(), {"", false});

  std::ofstream report_stream;
  std::unique_ptr<ReportWriter> report;
  const std::string report_path = ReportPath(config);
  if (config.report.enabled) {
    report_stream.open(report_path, std::ios::binary | std::ios::trunc);
    if (!report_stream) {
      err << "tcpflow: cannot create " << report_path << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    err << "reportfilename: " << report_path << "\n";
    report = std::make_unique<ReportWriter>(report_stream);
    ReportHeader header;
    header.program_version = PACKAGE_VERSION;
    header.command_line = config.command_line;
    for (const auto& in : inputs) {
      header.input_files.push_back(
          in.path.empty() ? "interface:" + config.input.interface : in.path);
    }
    header.tdelta = config.output.tdelta;
    header.start_time = WallClock();
    report->WriteHeader(header);
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
  PacketProcessor pipeline(config, fs, *name_template, report.get(), alert_config, console.get());
  bool privileges_dropped = false;
  std::unique_ptr<PcapFileWriter> unprocessed;  // -w
  int status = 0;
  std::string termination;
  for (const auto& input : inputs) {
    std::unique_ptr<PcapSource> source = input.path.empty()
                                             ? PcapSource::OpenLive(config.input, &error)
                                             : PcapSource::OpenFile(input.path, &error);
    if (source == nullptr) {
      err << "tcpflow: " << error << "\n";
      termination = error;
      status = 1;
      break;
    }
    if (!IsSupportedLinkType(source->link_type())) {
      error =
          "unknown datalink type " + std::to_string(source->link_type()) + " in " + source->name();
      err << "tcpflow: " << error << "\n";
      termination = error;
      status = 1;
      break;
    }
    if (!source->SetFilter(config.input.bpf_expression, &error)) {
      err << "tcpflow: " << error << "\n";
      termination = error;
      status = 1;
      break;
    }
    if (!config.write_unprocessed_path.empty() && !unprocessed) {
      // -w: a classic pcap of the first input's link type; packets of others are counted.
      unprocessed =
          PcapFileWriter::Create(fs, config.write_unprocessed_path, source->link_type(), &error);
      if (!unprocessed) {
        error = "cannot create " + config.write_unprocessed_path + " (-w): " + error;
        err << "tcpflow: " << error << "\n";
        termination = error;
        status = 1;
        break;
      }
    }
    if (!config.drop_to_user.empty() && !privileges_dropped) {
      // After the first source is open (live capture needs root), before any flow file.
      if (!GiveUpPrivileges(config, report ? report_path : std::string(), !outdir_existed,
                            &error)) {
        err << "tcpflow: " << error << "\n";
        termination = error;
        status = 1;
        break;
      }
      privileges_dropped = true;
      if (config.debug_level >= 1) {
        err << "tcpflow: dropped privileges to " << config.drop_to_user << "\n";
      }
    }
    if (input.path.empty()) err << "tcpflow: listening on " << source->name() << "\n";
    RawPacket packet;
    bool stopped = false;
    for (;;) {
      if (*stop != 0) {
        termination = "interrupted by signal " + std::to_string(*stop);
        stopped = true;
        break;
      }
      PcapSource::Status s = source->Next(&packet);
      if (s == PcapSource::Status::kTimeout) continue;
      if (s == PcapSource::Status::kEnd) break;
      if (s == PcapSource::Status::kError && *stop != 0) continue;  // a read cut short by the stop
      if (s == PcapSource::Status::kError) {
        err << "tcpflow: " << source->error() << "\n";
        termination = source->error();
        status = 1;
        stopped = true;
        break;
      }
      const bool tcp = pipeline.HandlePacket(packet.link_type, packet, input.finish_only);
      if (!tcp && unprocessed &&
          !unprocessed->WriteIfLinkType(packet.link_type, packet.ts, packet.wire_len,
                                        packet.data)) {
        err << "tcpflow: " << unprocessed->error() << "\n";
        termination = unprocessed->error();
        status = 1;
        stopped = true;
        break;
      }
      if (pipeline.failed()) {
        stopped = true;
        break;
      }
      if (console && console->failed()) {
        // A closed pipe (tcpflow -c ... | head) ends the run quietly; other errors are errors.
        if (!console->broken_pipe()) {
          err << "tcpflow: " << console->error() << "\n";
          termination = console->error();
          status = 1;
        }
        stopped = true;
        break;
      }
    }
    if (stopped) break;
  }

  if (unprocessed) {
    if (!unprocessed->Close()) {
      err << "tcpflow: " << unprocessed->error() << "\n";
      if (termination.empty()) termination = unprocessed->error();
      status = 1;
    }
    if (unprocessed->skipped_other_link_type() > 0) {
      err << "tcpflow: " << unprocessed->skipped_other_link_type()
          << " packets of other link types could not be written to "
          << config.write_unprocessed_path << "\n";
    }
  }
  ReportTotals totals;
  totals.open_fds_at_end = fs.open_descriptors();
  pipeline.Finish(&totals);
  if (const FlowAlerts* alerts = pipeline.alerts()) {
    if (alerts->alert_failed()) err << "tcpflow: warning: " << alerts->alert_error() << "\n";
    const CommandStats commands = alerts->command_stats();
    if (commands.failed > 0) {
      err << "tcpflow: warning: tcp_cmd failed for " << commands.failed << " of "
          << commands.succeeded + commands.failed
          << " flow files (first: " << alerts->command_failure() << ")\n";
    }
  }
  if (pipeline.failed()) {
    err << "tcpflow: " << pipeline.error() << "\n";
    if (termination.empty()) termination = pipeline.error();
    status = 1;
  }
  if (report) {
    totals.termination = termination;
    report->WriteFooter(totals);
    report_stream.flush();
    if (!report->ok() || !report_stream) {
      err << "tcpflow: write error on " << report_path << "\n";
      status = 1;
    }
  }
  return status;
}

}  // namespace tcpflow
