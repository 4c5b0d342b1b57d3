// scan_python.h: -e python, a user's Python 3 function called with each closed flow's bytes.
//
// Design note: -S py_path=DIR -S py_module=MOD -S py_function=FN. Create() starts an embedded
// CPython interpreter, puts DIR (made absolute against the current directory) at the front of
// sys.path, imports MOD and looks up FN, which must be callable; every failure is reported
// once, before any packet is read (the reference complained once per flow, #214). The scanner
// keeps each stored flow's bytes (the StoredStream view: only flows that have a flow file, only
// what the file stores; holes stay zeros, late fills overwrite) in memory, up to -S py_max_bytes
// per flow (the rest is dropped and counted once per flow as python_input_capped), and up to -S
// py_max_total_bytes for all open flows together (the memory their buffers hold, growth
// included): a flow whose buffer cannot grow within that budget keeps the prefix it has (later
// bytes beyond it are dropped; late fills inside it still land) and is counted once as
// python_total_capped. A closed flow's buffer returns to the budget. When a flow with at least
// one byte closes, FN(data) is called with `data` a `bytes` object (NULs and high bytes intact;
// the reference passed a NUL-terminated str) and the result becomes a report element:
//   str          -> <tcpflow:result xmlns:tcpflow=... scanner='python' path= module= function=>
//                   TEXT</tcpflow:result> (TEXT = the string as UTF-8)
//   None         -> nothing
//   other object -> the same element with TEXT = str(result) (the reference wrote an empty
//                   element; REFERENCE DECISIONS)
//   exception    -> the same element, empty, with error='Type: message'; counted once per flow
//                   as python_error; the run carries on with the next flow.
//
// The interpreter: CPython keeps process-wide state, so at most one PythonScanner may exist at
// a time (Create refuses a second one while an interpreter is running). It runs in UTF-8 mode,
// installs no signal handlers (SIGINT stays ours), does not change the process locale or C
// stdio buffering, and writes no __pycache__ files. It runs on the calling thread, which holds
// the GIL for the scanner's whole life: every method must be called from that thread. The
// destructor finalises the interpreter.
#ifndef TCPFLOW_SCAN_PYTHON_H
#define TCPFLOW_SCAN_PYTHON_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "anomaly.h"
#include "scanner.h"

namespace tcpflow {

// The -S py_* settings (config.h). -b is the StoredStream's: the scanner sees only what the flow
// file stores.
using PythonScanConfig = PythonSettings;

// The scanner's settings for a run (-S py_path, py_module, py_function, py_max_bytes,
// py_max_total_bytes). Returns false with a one-line `*error` naming the setting to give
// when py_module or py_function is empty; `out` is then unchanged.
bool MakePythonScanConfig(const Config& config, PythonScanConfig* out, std::string* error);

class PythonScanner final : public Scanner {
 public:
  // Starts the interpreter and loads the function. On failure returns nullptr, with the
  // interpreter stopped again, and a one-line `*error` that includes the Python exception, e.g.
  // "python scanner: cannot import module 'x' from 'dir': ModuleNotFoundError: No module named
  // 'x'". `anomalies` must outlive the scanner.
  static std::unique_ptr<PythonScanner> Create(const PythonScanConfig& config,
                                               AnomalyCounters& anomalies, std::string* error);
  ~PythonScanner() override;
  PythonScanner(const PythonScanner&) = delete;
  PythonScanner& operator=(const PythonScanner&) = delete;

  void AssignSlots(SlotAllocator& slots) override { slot_.Assign(slots); }
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override;
  // Moves the bytes kept up by n (the front is a hole, zeros) and keeps none past max_end.
  void OnStoredShift(Flow& flow, std::uint64_t n, std::uint64_t max_end) override;
  // Calls FN for a flow that stored bytes, appends the result to flow.extras, frees the bytes.
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

  std::uint64_t calls() const { return calls_; }  // times FN was called (flows scanned)
  // Bytes the open flows' buffers hold (their capacity): at most py_max_total_bytes.
  std::uint64_t held_bytes() const { return held_bytes_; }
  std::uint64_t errors() const { return errors_; }  // of those, calls that raised

 private:
  struct Interpreter;                   // the Python objects held (defined in scan_python.cpp)
  struct FlowBytes final : SlotState {  // in the scanner's slot of each flow it holds bytes of
    std::vector<std::uint8_t> bytes;    // stream offsets [0, size), holes as zeros
    bool capped = false;                // python_input_capped already counted for this flow
    bool total_capped = false;          // python_total_capped counted: the buffer stops growing
  };

  PythonScanner(const PythonScanConfig& config, AnomalyCounters& anomalies,
                std::unique_ptr<Interpreter> interpreter);
  // Counts python_input_capped (for the run and the flow) unless already counted for this flow.
  void CountCap(Flow& flow, FlowBytes& flow_bytes);
  // Makes the flow's buffer able to hold `wanted` bytes (<= max_bytes) within the total budget,
  // charging what it allocates. Returns how many it may hold: `wanted`, or fewer when the budget
  // ran out (python_total_capped is then counted for the flow), never fewer than it holds.
  std::size_t Reserve(Flow& flow, FlowBytes& flow_bytes, std::size_t wanted);
  ReportExtra ResultElement() const;

  PythonScanConfig config_;
  AnomalyCounters& anomalies_;
  std::unique_ptr<Interpreter> interpreter_;
  SinkSlot<FlowBytes> slot_;
  std::uint64_t held_bytes_ = 0;  // capacity of every open flow's buffer
  std::uint64_t calls_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCAN_PYTHON_H
