// report_sink.cpp: a closed flow's facts as a report entry.
#include "report_sink.h"

#include <cstddef>
#include <utility>

namespace tcpflow {
namespace {

ReportExtra Incomplete() {
  return ReportExtra{
      "incomplete", {}, "the run stopped on a write error before this flow closed", {}};
}

}  // namespace

void ReportSink::OnFlowClose(Flow& flow, const StoredFile& file) {
  ReportFlow entry;
  entry.filename = file.name;
  entry.filesize = file.logical_size;
  entry.first_seen = flow.first_seen;
  entry.last_seen = flow.last_seen;
  entry.has_macs = flow.has_macs;
  entry.src_mac = flow.src_mac;
  entry.dst_mac = flow.dst_mac;
  entry.key = flow.key;
  entry.packets = flow.packets;
  entry.out_of_order_count = flow.out_of_order_count;
  entry.violations = flow.violations;
  entry.wire_bytes = flow.wire_bytes;
  entry.captured_bytes = flow.captured_bytes;
  entry.evidence = CollectEvidence(flow, file, max_bytes_per_flow_, holes_listed_);
  if (file.incomplete) entry.extras.push_back(Incomplete());
  for (ReportExtra& extra : flow.extras) entry.extras.push_back(std::move(extra));
  flow.extras.clear();
  const std::uint64_t ticket = file.close_ticket;
  if (waiting_head_ == waiting_.size() && fs_.CloseDone(ticket) == std::optional<bool>(true)) {
    writer_.WriteFlow(entry);
    return;
  }
  waiting_.emplace_back(ticket, std::move(entry));
  WriteReady(false);
}

void ReportSink::WriteReady(bool all) {
  for (; waiting_head_ < waiting_.size(); ++waiting_head_) {
    auto& [ticket, entry] = waiting_[waiting_head_];
    const std::optional<bool> done = fs_.CloseDone(ticket);
    if (!done && !all) break;
    const bool marked = !entry.extras.empty() && entry.extras.front().element == "incomplete";
    if (!done.value_or(false) && !marked) entry.extras.insert(entry.extras.begin(), Incomplete());
    writer_.WriteFlow(entry);
  }
  // Written entries are dropped once they are at least half the vector: each entry is moved
  // at most about once on average, and the vector keeps its capacity.
  if (2 * waiting_head_ >= waiting_.size()) {
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(waiting_head_));
    waiting_head_ = 0;
  }
}

}  // namespace tcpflow
