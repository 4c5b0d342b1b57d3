// flow_events.cpp: the -v flow event lines.
#include "flow_events.h"

#include "flow_evidence.h"

namespace tcpflow {
namespace {

void AppendEndpoint(std::string& line, const IpAddress& address, std::uint16_t port) {
  if (address.is_v6()) {
    line += '[';
    line += address.ToString();
    line += ']';
  } else {
    line += address.ToString();
  }
  line += ':';
  line += std::to_string(port);
}

}  // namespace

std::string FlowEvents::Begin(const Flow& flow, const char* event) const {
  std::string line = "tcpflow: ";
  line += event;
  line += ' ';
  AppendEndpoint(line, flow.key.src, flow.key.src_port);
  line += " > ";
  AppendEndpoint(line, flow.key.dst, flow.key.dst_port);
  if (flow.key.vlan != kNoVlan) line += " vlan " + std::to_string(flow.key.vlan);
  line += " (connection " + std::to_string(flow.session_id) + ")";
  return line;
}

void FlowEvents::OnFlowOpen(Flow& flow) {
  out_ << Begin(flow, "open") << '\n';
}

void FlowEvents::OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval&) {
  out_ << Begin(flow, "hole") << ": " << length << " bytes missing at offset " << offset << '\n';
}

void FlowEvents::OnFlowClose(Flow& flow, const StoredFile& file) {
  std::string line = Begin(flow, "close");
  line += ": ";
  switch (flow.close_reason) {
    case CloseReason::kMaxSeek:
      line += "split: a segment jumped more than -m bytes, the next flow goes on";
      break;
    case CloseReason::kFlowCap:
      line += "flow cap reached (-S max_flows=" + std::to_string(max_flows_) +
              "): the least recently active flow closes";
      break;
    default: line += CloseReasonName(flow.close_reason); break;
  }
  line += flow.syn_count > 0 ? ", handshake seen" : ", picked up mid-stream";
  line += ", " + std::to_string(file.logical_size) + " bytes, " + std::to_string(flow.packets) +
          " packets";
  if (!file.name.empty()) line += ", " + file.name;
  out_ << line << '\n';
}

}  // namespace tcpflow
