// flow_pcap_writer.cpp: -K per-direction pcaps (libpcap savefile format,
// draft-ietf-opsawg-pcap; link types from the LINKTYPE registry).
#include "flow_pcap_writer.h"

#include <algorithm>
#include <iterator>

#include "flow_writer.h"
#include "pcap_writer.h"

namespace tcpflow {
namespace {

constexpr std::size_t kInitialBuckets = 1024;

}  // namespace

FlowPcapWriter::FlowPcapWriter(const std::string& outdir, const FilenameTemplate& name_template,
                               OutputFs& fs, std::uint64_t hash_seed, AnomalyCounters& anomalies,
                               std::uint64_t max_open_tuples, std::size_t buffer_bytes)
    : template_(name_template),
      fs_(fs),
      anomalies_(anomalies),
      prefix_(FlowFileWriter::PathPrefix(outdir)),
      max_open_tuples_(max_open_tuples),
      buffer_bytes_(std::max<std::size_t>(1, buffer_bytes)),
      files_(kInitialBuckets, KeyHash{hash_seed}),
      evicted_(0, KeyHash{hash_seed}) {}

FlowPcapWriter::~FlowPcapWriter() {
  Finish();
}

void FlowPcapWriter::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
}

FlowPcapWriter::OpenFile* FlowPcapWriter::Find(const FlowKey& key) {
  auto it = files_.find(key);
  if (it == files_.end()) return nullptr;
  lru_.splice(lru_.end(), lru_, it->second.lru);
  return &it->second;
}

bool FlowPcapWriter::Flush(OpenFile& file) {
  // After a failure nothing more is written: the buffer is dropped.
  if (!file.buffer.empty() && !failed() && !fs_.WriteAt(file.id, file.file_offset, file.buffer)) {
    Fail(fs_.error());
  }
  file.file_offset += file.buffer.size();
  buffered_bytes_ -= file.buffer.size();
  file.buffer = {};  // an idle tuple keeps no buffer
  return !failed();
}

bool FlowPcapWriter::CloseFile(OpenFile& file) {
  bool ok = Flush(file);
  if (!fs_.Close(file.id, nullptr)) {
    Fail(fs_.error());
    ok = false;
  }
  return ok;
}

void FlowPcapWriter::FlushOldest() {
  for (const FlowKey* key : lru_) {
    if (buffered_bytes_ <= kFlowPcapBufferTotalBytes / 2) return;
    if (!Flush(files_.find(*key)->second)) return;
  }
}

void FlowPcapWriter::Evict() {
  const FlowKey* key = lru_.front();
  auto it = files_.find(*key);
  CloseFile(it->second);
  evicted_.insert_or_assign(*key, it->second.rest);
  lru_.pop_front();
  files_.erase(it);
  anomalies_.Count(Anomaly::kFlowPcapEvicted);
}

FlowPcapWriter::OpenFile* FlowPcapWriter::Open(const FlowKey& key, const NameFields& fields,
                                               int link_type) {
  if (max_open_tuples_ != 0 && files_.size() >= max_open_tuples_) {
    Evict();
    if (failed()) return nullptr;
  }
  OpenFile file;
  auto evicted = evicted_.find(key);
  if (evicted != evicted_.end()) {
    file.rest = evicted->second;  // named as when it was created
  } else {
    file.rest = NameRest{.first_seen_sec = fields.first_seen_sec,
                         .flow_id = fields.flow_id,
                         .session_id = fields.session_id,
                         .src_mac = fields.src_mac,
                         .dst_mac = fields.dst_mac,
                         .has_macs = fields.has_macs,
                         .link_type = link_type,
                         .order = files_created_};
  }
  BuildName(key, file.rest, fields, name_buffer_);
  if (evicted != evicted_.end()) {
    if (!fs_.OpenExisting(name_buffer_, &file.id, &file.file_offset)) {
      Fail(fs_.error());
      return nullptr;
    }
    evicted_.erase(evicted);
    ++files_reopened_;
  } else {
    if (fs_.CreateOrTruncate(name_buffer_, &file.id) != OutputFs::CreateStatus::kCreated) {
      Fail(fs_.error());
      return nullptr;
    }
    AppendPcapFileHeader(file.buffer, link_type);
    buffered_bytes_ += file.buffer.size();
    file.rest.size = file.buffer.size();
    ++files_created_;
  }
  auto it = files_.emplace(key, std::move(file)).first;
  lru_.push_back(&it->first);
  it->second.lru = std::prev(lru_.end());
  return &it->second;
}

void FlowPcapWriter::Append(OpenFile& file, const SegmentInfo& segment) {
  if (segment.link_type != file.rest.link_type) {
    ++skipped_other_link_type_;
    return;
  }
  const std::size_t before = file.buffer.size();
  AppendPcapRecord(file.buffer, segment.ts, segment.wire_len, segment.frame);
  buffered_bytes_ += file.buffer.size() - before;
  NameRest& rest = file.rest;
  rest.size += file.buffer.size() - before;
  if (rest.packets == 0) rest.first_seen = segment.ts;
  rest.last_seen = segment.ts;
  ++rest.packets;
  rest.wire_bytes += segment.wire_len;
  rest.captured_bytes += segment.frame.size();
  if (file.buffer.size() >= buffer_bytes_ && !Flush(file)) return;
  ++packets_written_;
  if (buffered_bytes_ > kFlowPcapBufferTotalBytes) FlushOldest();
}

void FlowPcapWriter::OnSegment(Flow& flow, const SegmentInfo& segment) {
  if (failed()) return;
  OpenFile* file = Find(flow.key);
  if (file == nullptr) file = Open(flow.key, NameFieldsOf(flow), segment.link_type);
  if (file != nullptr) Append(*file, segment);
}

void FlowPcapWriter::OnPacket(const FlowKey& key, const NameFields& fields,
                              const SegmentInfo& segment) {
  if (failed()) return;
  OpenFile* file = Find(key);
  if (file == nullptr) file = Open(key, fields, segment.link_type);
  if (file != nullptr) Append(*file, segment);
}

void FlowPcapWriter::BuildName(const FlowKey& key, const NameRest& rest, NameFields fields,
                               std::string& name) const {
  fields.key = key;
  fields.first_seen_sec = rest.first_seen_sec;
  fields.flow_id = rest.flow_id;
  fields.session_id = rest.session_id;
  fields.has_macs = rest.has_macs;
  fields.src_mac = rest.src_mac;
  fields.dst_mac = rest.dst_mac;
  name = prefix_;
  template_.ExpandInto(fields, 0, name);
  name += ".pcap";
}

std::vector<FlowPcapFile> FlowPcapWriter::Files() const {
  std::vector<std::pair<std::uint64_t, FlowPcapFile>> files;
  files.reserve(files_.size() + evicted_.size());
  const auto add = [&](const FlowKey& key, const NameRest& rest) {
    FlowPcapFile file{key,
                      {},
                      rest.size,
                      rest.first_seen,
                      rest.last_seen,
                      rest.packets,
                      rest.wire_bytes,
                      rest.captured_bytes,
                      rest.has_macs,
                      rest.src_mac,
                      rest.dst_mac};
    BuildName(key, rest, NameFields{}, file.name);
    files.emplace_back(rest.order, std::move(file));
  };
  for (const auto& [key, file] : files_) add(key, file.rest);
  for (const auto& [key, rest] : evicted_) add(key, rest);
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<FlowPcapFile> sorted;
  sorted.reserve(files.size());
  for (auto& [order, file] : files) sorted.push_back(std::move(file));
  return sorted;
}

bool FlowPcapWriter::Finish() {
  for (auto& [key, file] : files_) CloseFile(file);
  files_.clear();
  lru_.clear();
  evicted_.clear();
  buffered_bytes_ = 0;
  return !failed();
}

}  // namespace tcpflow
