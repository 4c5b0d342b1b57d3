// memory_flow_files.cpp: the in-memory setting of the flow-file writer's tests.
#include "memory_flow_files.h"

#include <cstdint>

namespace tcpflow::testing {

MemoryFlowFiles::MemoryFlowFiles()
    : tmpl_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, &error_)) {
  const std::uint8_t a[4] = {1, 2, 3, 4};
  const std::uint8_t b[4] = {5, 6, 7, 8};
  key_ = FlowKey{IpAddress::V4(a), IpAddress::V4(b), 1, 2, kNoVlan};
}

std::string MemoryFlowFiles::Contents(const std::string& path) const {
  auto it = fs_.files().find(path);
  if (it == fs_.files().end()) return "<missing>";
  return std::string(it->second.bytes.begin(), it->second.bytes.end());
}

void MemoryFlowFiles::FanOutBehindFiles(StreamSink& sink) {
  files_ = std::make_unique<FlowFileWriter>(output_, reassembly_, tmpl_, fs_);
  fanout_.emplace(files_.get());
  fanout_->Add(&sink);
}

}  // namespace tcpflow::testing
