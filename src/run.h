// run.h: one run of tcpflow, from the typed Config to the exit status: the inputs, the output
// folder, report.xml, privileges and the read loop around the PacketProcessor.
//
// Design note: RunPipeline() checks what needs no capture first (the file name template,
// tcp_alert_fd, the scanners, the output folder), writes report.xml's header, then opens each
// input in turn and feeds its packets to one PacketProcessor (pipeline.h), looking three
// packets ahead. After the first input is open it gives up root (-U / -z). It stops in order on
// a signal or a write error, and always finishes report.xml; it returns the exit status (only
// main() exits).
#ifndef TCPFLOW_RUN_H
#define TCPFLOW_RUN_H

#include <csignal>
#include <ostream>

#include "config.h"
#include "output_dir.h"

namespace tcpflow {

// Returns the exit status: 0 when every input was read and every byte written, 1 otherwise.
// `stop` is polled between packets; non-zero asks for an orderly stop (its value is the signal).
int RunPipeline(const Config& config, OutputFs& fs, std::ostream& err,
                const volatile std::sig_atomic_t* stop);

}  // namespace tcpflow

#endif  // TCPFLOW_RUN_H
