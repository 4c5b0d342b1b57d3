// memory_flow_files.h: the setting in which the flow-file writer and the sinks behind it (index
// files, hash scanner) are tested: one flow, the default file name template, default settings,
// an in-memory file system, and a fan-out that feeds the flow-file writer, then the sink under
// test, as the pipeline does.
//
// Design note: members keep the names the tests use (trailing underscore) so that a fixture
// derives from ::testing::Test and from this class and uses them directly. Tests may change the
// settings (output_, reassembly_) before they build the sinks that read them.
#ifndef TCPFLOW_TESTS_COMMON_MEMORY_FLOW_FILES_H
#define TCPFLOW_TESTS_COMMON_MEMORY_FLOW_FILES_H

#include <memory>
#include <optional>
#include <string>

#include "config.h"
#include "filename_template.h"
#include "flow_key.h"
#include "flow_writer.h"
#include "output_dir.h"
#include "reassembler.h"
#include "stream_sink.h"

namespace tcpflow::testing {

class MemoryFlowFiles {
 protected:
  MemoryFlowFiles();

  // The bytes of file `path` in fs_, or "<missing>" when fs_ has no such file.
  std::string Contents(const std::string& path) const;
  // Builds files_ from the settings as they are now and fanout_ with files_ as its file stage,
  // then `sink` (not owned): the pipeline's order, so that `sink` gets the flow file's events.
  void FanOutBehindFiles(StreamSink& sink);

  std::string error_;      // set by parsers the tests call
  FilenameTemplate tmpl_;  // kDefaultFilenameTemplate
  OutputConfig output_;
  ReassemblyConfig reassembly_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  MemoryOutputFs fs_;
  FlowKey key_;                            // 1.2.3.4:1 -> 5.6.7.8:2, no VLAN
  std::unique_ptr<FlowFileWriter> files_;  // made by FanOutBehindFiles
  std::optional<SinkFanout> fanout_;       // made by FanOutBehindFiles
  const std::string name_ = "001.002.003.004.00001-005.006.007.008.00002";  // key_'s file
};

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_MEMORY_FLOW_FILES_H
