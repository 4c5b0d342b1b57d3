// flow_pcap_writer.cpp: -K per-direction pcaps (libpcap savefile format,
// draft-ietf-opsawg-pcap; link types from the LINKTYPE registry).
#include "flow_pcap_writer.h"

#include "flow_writer.h"

namespace tcpflow {
namespace {

constexpr std::size_t kInitialBuckets = 1024;

}  // namespace

FlowPcapWriter::FlowPcapWriter(const std::string& outdir, const FilenameTemplate& name_template,
                               OutputFs& fs, std::uint64_t hash_seed, std::size_t buffer_bytes)
    : template_(name_template),
      fs_(fs),
      prefix_(FlowFileWriter::PathPrefix(outdir)),
      buffer_bytes_(buffer_bytes),
      files_(kInitialBuckets, KeyHash{hash_seed}) {}

void FlowPcapWriter::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
}

PcapFileWriter* FlowPcapWriter::Find(const FlowKey& key) {
  auto it = files_.find(key);
  return it == files_.end() ? nullptr : it->second.get();
}

PcapFileWriter* FlowPcapWriter::Open(const FlowKey& key, const NameFields& fields, int link_type) {
  name_buffer_ = prefix_;
  template_.ExpandInto(fields, 0, name_buffer_);
  name_buffer_ += ".pcap";
  std::string error;
  auto writer = PcapFileWriter::Create(fs_, name_buffer_, link_type, &error, buffer_bytes_);
  if (!writer) {
    Fail(error);
    return nullptr;
  }
  ++files_created_;
  return files_.emplace(key, std::move(writer)).first->second.get();
}

void FlowPcapWriter::Append(PcapFileWriter& writer, const SegmentInfo& segment) {
  if (segment.link_type != writer.link_type()) {
    ++skipped_other_link_type_;
    return;
  }
  if (!writer.Write(segment.ts, segment.wire_len, segment.frame)) {
    Fail(writer.error());
    return;
  }
  ++packets_written_;
}

void FlowPcapWriter::OnSegment(Flow& flow, const SegmentInfo& segment) {
  if (failed()) return;
  PcapFileWriter* writer = Find(flow.key);
  if (writer == nullptr) writer = Open(flow.key, NameFieldsOf(flow), segment.link_type);
  if (writer != nullptr) Append(*writer, segment);
}

void FlowPcapWriter::OnPacket(const FlowKey& key, const NameFields& fields,
                              const SegmentInfo& segment) {
  if (failed()) return;
  PcapFileWriter* writer = Find(key);
  if (writer == nullptr) writer = Open(key, fields, segment.link_type);
  if (writer != nullptr) Append(*writer, segment);
}

bool FlowPcapWriter::Finish() {
  for (auto& [key, writer] : files_) {
    if (!writer->Close()) Fail(writer->error());
  }
  files_.clear();
  return !failed();
}

}  // namespace tcpflow
