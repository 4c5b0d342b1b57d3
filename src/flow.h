// flow.h: the state of one TCP flow direction, shared by the demux, the writers and the report.
//
// Design note: a Flow is created and owned by the FlowTable and lives from the first packet
// that creates it until it is closed (FIN/RST/-m/timeout/end of input). The TcpDemux owns the
// TCP fields; the flow-file writer owns `output`, and no other sink reads it (what the others
// need of the file comes with the events, stream_sink.h). Every other sink that keeps per-flow
// state keeps it in its own slot of `slots` (SinkSlot, stream_sink.h): one pointer in the Flow,
// to a block allocated on a flow's first use, so that a Flow stays small when no such sink runs.
// Sinks may keep a pointer to a Flow only between OnFlowOpen and OnFlowClose.
#ifndef TCPFLOW_FLOW_H
#define TCPFLOW_FLOW_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "anomaly.h"
#include "flow_key.h"
#include "packet.h"
#include "reassembler.h"
#include "report_extra.h"

namespace tcpflow {

// What the flow-file writer records about its file.
struct FlowOutputState {
  std::string filename;            // path as created (with the -o prefix); empty = no file yet
  std::uint64_t logical_size = 0;  // highest stream offset written + 1 (ignores -b)
  std::uint32_t counter = 0;       // connection counter used in the name (%c)
  std::optional<std::uint32_t> file_id;  // OutputFs handle while the file exists
  bool incomplete = false;               // closed after a write error: the file may lack bytes
};

// Why a flow was closed (report.xml, the JSON log, -v).
enum class CloseReason : std::uint8_t {
  kOpen,         // not closed yet
  kFin,          // FIN, once every byte before it was in
  kRst,          // RST
  kIdleTimeout,  // -S tcp_timeout
  kMaxSeek,      // a segment jumped more than -m bytes: the next flow goes on
  kFlowCap,      // -S max_flows: closed to make room for a new flow
  kEndOfInput,   // the input ended with the flow open
  kInterrupted,  // the run stopped early (signal, error) with the flow open
};

// The anomalies counted for one flow (the run's totals count them too): few kinds per flow, so
// a short list, allocated at the flow's first anomaly.
class FlowAnomalies {
 public:
  using Entry = std::pair<Anomaly, std::uint64_t>;
  void Count(Anomaly a, std::uint64_t n) {
    if (n == 0) return;
    if (!counts_) counts_ = std::make_unique<std::vector<Entry>>();
    for (Entry& e : *counts_) {
      if (e.first == a) {
        e.second += n;
        return;
      }
    }
    counts_->emplace_back(a, n);
  }
  // In the order first counted.
  std::span<const Entry> entries() const {
    return counts_ ? std::span<const Entry>(*counts_) : std::span<const Entry>();
  }

 private:
  std::unique_ptr<std::vector<Entry>> counts_;
};

// A sink's per-flow state, kept in the sink's slot; deleted through this base when a flow is
// destroyed with its state still in place (a sink frees its state at OnFlowClose).
struct SlotState {
  virtual ~SlotState() = default;
};

// The slots of one flow: one per sink that keeps per-flow state (SlotAllocator hands out the
// indexes).
struct FlowSlots {
  static constexpr std::size_t kCount = 8;
  std::array<std::unique_ptr<SlotState>, kCount> states;
};

struct Flow {
  Flow(const FlowKey& k, const ReassemblyLimits& limits, ReassemblyBudget& budget)
      : key(k), reassembler(limits, budget) {}
  Flow(const Flow&) = delete;
  Flow& operator=(const Flow&) = delete;

  FlowKey key;
  std::uint64_t flow_id = 0;     // creation order, from 0 (naming %N %K %M %G)
  std::uint64_t session_id = 0;  // shared by both directions of a connection (%S)

  // Times and counters (every packet that reaches the flow).
  Timeval first_seen;
  Timeval last_seen;
  std::uint64_t packets = 0;
  std::uint64_t wire_bytes = 0;          // sum of original lengths, link headers included
  std::uint64_t captured_bytes = 0;      // sum of captured lengths
  std::uint64_t out_of_order_count = 0;  // segments written below the previous segment's end
  std::uint64_t violations = 0;          // SYN with data, data before the ISN

  // TCP state (TcpDemux). The small fields come last, and with the MACs, so that a million
  // open flows waste no padding.
  std::uint64_t fin_offset = 0;        // stream offset just after the FIN's data
  std::uint64_t prev_segment_end = 0;  // end offset of the previous data segment
  std::uint64_t console_bytes = 0;     // payload bytes printed on the console so far (-c, -b)
  std::uint32_t isn = 0;               // stream offset 0 is sequence number isn + 1
  std::uint32_t syn_count = 0;
  bool client_to_server = false;  // this direction sent a SYN without ACK
  bool fin_seen = false;
  bool has_data = false;  // any payload was offered to the reassembler
  CloseReason close_reason = CloseReason::kOpen;

  // Link-layer identity of the first packet.
  bool has_macs = false;
  MacAddress src_mac{};
  MacAddress dst_mac{};

  Reassembler reassembler;
  FlowOutputState output;  // the flow-file writer's, read by nobody else
  // The other sinks' per-flow state (SinkSlot); null until a sink stores some.
  std::unique_ptr<FlowSlots> slots;
  // What the scanners add to the flow's report entry, appended in scanner order when the flow
  // closes; the ReportSink (last in the fan-out) writes them.
  std::vector<ReportExtra> extras;
  // This flow's share of the run's anomalies (CountAnomaly).
  FlowAnomalies anomalies;

  // The other direction of the connection while both are open (the FlowTable keeps it), else
  // null.
  Flow* reverse = nullptr;
  // Open-flow bookkeeping for the FlowTable (idle order).
  Flow* idle_prev = nullptr;
  Flow* idle_next = nullptr;
};

// Counts `a` for the run and for `flow`.
inline void CountAnomaly(AnomalyCounters& run, Flow& flow, Anomaly a, std::uint64_t n = 1) {
  run.Count(a, n);
  flow.anomalies.Count(a, n);
}

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_H
