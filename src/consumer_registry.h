// consumer_registry.h: the consumers of one run that write output of their own, in one list
// that gathers their failures.
//
// Design note: a consumer is anything with `bool failed() const` and
// `const std::string& error() const` (the flow-file writer, the -I index, the -K pcaps, the
// scanners). The PacketProcessor adds each one once, where it wires it; failed() asks them in
// the order they were added, and error() gives the message of the first one that failed, so
// the message printed and kept in report.xml does not depend on which failure came first in
// time. Failures found only when the run ends (a scanner's OnRunEnd, the last flush of the file
// system) are noted with NoteRunEndFailure and come after every consumer's. The list holds a
// pointer and two plain function pointers per consumer: no base class to derive from, no
// allocation per call; failed() is asked once per packet.
#ifndef TCPFLOW_CONSUMER_REGISTRY_H
#define TCPFLOW_CONSUMER_REGISTRY_H

#include <string>
#include <vector>

namespace tcpflow {

class ConsumerRegistry {
 public:
  // `consumer` must outlive the registry.
  template <typename Consumer>
  void Add(const Consumer& consumer) {
    entries_.push_back(Entry{
        &consumer,
        [](const void* c) { return static_cast<const Consumer*>(c)->failed(); },
        [](const void* c) -> const std::string& {
          return static_cast<const Consumer*>(c)->error();
        },
    });
  }
  // Keeps the first failure noted; later ones are dropped.
  void NoteRunEndFailure(const std::string& error) {
    if (run_end_failed_) return;
    run_end_failed_ = true;
    run_end_error_ = error;
  }

  bool failed() const {
    for (const Entry& entry : entries_) {
      if (entry.failed(entry.consumer)) return true;
    }
    return run_end_failed_;
  }
  // The first failed consumer's message, else the first run-end failure's; "" when none failed.
  const std::string& error() const {
    for (const Entry& entry : entries_) {
      if (entry.failed(entry.consumer)) return entry.error(entry.consumer);
    }
    return run_end_error_;
  }

 private:
  struct Entry {
    const void* consumer;
    bool (*failed)(const void*);
    const std::string& (*error)(const void*);
  };
  std::vector<Entry> entries_;
  bool run_end_failed_ = false;
  std::string run_end_error_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_CONSUMER_REGISTRY_H
