// flow_writer.cpp: flow files at their stream offsets, named by the template.
#include "flow_writer.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tcpflow {
namespace {

// Far more than any real capture reuses one tuple; stops a template without a counter from
// looping when its one name is taken.
constexpr std::uint32_t kMaxCounter = 1000000;
constexpr std::size_t kShiftChunk = 1 << 16;

}  // namespace

NameFields NameFieldsOf(const Flow& flow) {
  NameFields f;
  f.key = flow.key;
  f.has_macs = flow.has_macs;
  f.src_mac = flow.src_mac;
  f.dst_mac = flow.dst_mac;
  f.first_seen_sec = flow.first_seen.sec;
  f.flow_id = flow.flow_id;
  f.session_id = flow.session_id;
  return f;
}

std::string FlowFileWriter::PathPrefix(const std::string& outdir) {
  if (outdir.empty() || outdir == ".") return {};
  return outdir + "/";
}

FlowFileWriter::FlowFileWriter(const OutputConfig& output, const ReassemblyConfig& reassembly,
                               const FilenameTemplate& name_template, OutputFs& fs)
    : output_(output),
      reassembly_(reassembly),
      template_(name_template),
      fs_(fs),
      prefix_(PathPrefix(output.outdir)) {}

void FlowFileWriter::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
}

bool FlowFileWriter::EnsureFile(Flow& flow, bool* created) {
  if (flow.output.file_id) return true;
  if (!flow.output.filename.empty() || failed()) return false;  // created once, already closed
  const NameFields fields = NameFieldsOf(flow);
  for (std::uint32_t counter = 0; counter < kMaxCounter; ++counter) {
    name_buffer_ = prefix_;
    template_.ExpandInto(fields, counter, name_buffer_);
    FileId id = 0;
    switch (fs_.CreateExclusive(name_buffer_, &id)) {
      case OutputFs::CreateStatus::kCreated:
        flow.output.file_id = id;
        flow.output.filename = name_buffer_;
        flow.output.counter = counter;
        ++files_created_;
        *created = true;
        return true;
      case OutputFs::CreateStatus::kExists:
        if (!template_.UsesCounter()) {
          Fail("cannot create " + name_buffer_ +
               ": the file exists and the name template has no connection counter");
          return false;
        }
        continue;
      case OutputFs::CreateStatus::kError: Fail(fs_.error()); return false;
    }
  }
  Fail("cannot create a file for " + name_buffer_ + ": every connection counter is taken");
  return false;
}

const std::string* FlowFileWriter::OnData(Flow& flow, std::uint64_t offset, Bytes data) {
  const std::uint64_t end = offset + data.size();
  flow.output.logical_size = std::max(flow.output.logical_size, end);
  bool created = false;
  if (!output_.store_output || !EnsureFile(flow, &created)) return nullptr;
  const std::string* name = created ? &flow.output.filename : nullptr;
  if (reassembly_.max_bytes_per_flow >= 0) {
    const auto cap = static_cast<std::uint64_t>(reassembly_.max_bytes_per_flow);
    if (offset >= cap) return name;
    if (end > cap) data = data.first(static_cast<std::size_t>(cap - offset));
  }
  if (!data.empty() && !fs_.WriteAt(*flow.output.file_id, offset, data)) Fail(fs_.error());
  return name;
}

const std::string* FlowFileWriter::OnGap(Flow& flow, std::uint64_t, std::uint64_t) {
  bool created = false;
  if (output_.store_output) EnsureFile(flow, &created);
  return created ? &flow.output.filename : nullptr;
}

void FlowFileWriter::OnShift(Flow& flow, std::uint64_t n) {
  const std::uint64_t old_size = flow.output.logical_size;
  flow.output.logical_size += n;
  if (!flow.output.file_id || failed()) return;
  const FileId id = *flow.output.file_id;
  const std::uint64_t cap = reassembly_.max_bytes_per_flow >= 0
                                ? static_cast<std::uint64_t>(reassembly_.max_bytes_per_flow)
                                : UINT64_MAX;
  // Move [0, old_size) to [n, n + old_size), last chunk first, keeping only what fits under -b.
  shift_buffer_.resize(kShiftChunk);
  std::uint64_t remaining = old_size;
  while (remaining > 0) {
    const std::uint64_t len = std::min<std::uint64_t>(remaining, kShiftChunk);
    const std::uint64_t from = remaining - len;
    remaining = from;
    if (from + n >= cap) continue;
    auto got = fs_.ReadAt(id, from, std::span<std::uint8_t>(shift_buffer_.data(), len));
    if (!got) {
      Fail(fs_.error());
      return;
    }
    const std::uint64_t keep = std::min<std::uint64_t>(*got, cap - (from + n));
    if (!fs_.WriteAt(id, from + n, Bytes(shift_buffer_.data(), keep))) {
      Fail(fs_.error());
      return;
    }
  }
  // What was at the front is now a hole until the inserted bytes arrive.
  std::fill(shift_buffer_.begin(), shift_buffer_.end(), 0);
  for (std::uint64_t pos = 0; pos < std::min(n, std::min(old_size, cap)); pos += kShiftChunk) {
    const std::uint64_t len = std::min<std::uint64_t>(kShiftChunk, std::min(n, old_size) - pos);
    if (!fs_.WriteAt(id, pos, Bytes(shift_buffer_.data(), len))) {
      Fail(fs_.error());
      return;
    }
  }
}

StoredFile FlowFileWriter::OnFlowClose(Flow& flow) {
  // After a write error any flow may have lost bytes, so none closed from then on is vouched for.
  if (failed()) flow.output.incomplete = true;
  StoredFile file;
  file.logical_size = flow.output.logical_size;
  file.incomplete = flow.output.incomplete;
  if (flow.output.file_id) {
    if (!fs_.Close(*flow.output.file_id, &flow.first_seen)) Fail(fs_.error());
    flow.output.file_id.reset();
    file.close_ticket = fs_.LastCloseTicket();
  }
  if (!flow.output.filename.empty()) {
    recently_closed_.push_back(
        ClosedFlow{flow.key, flow.isn, flow.output.logical_size, flow.output.filename});
    if (recently_closed_.size() > kRecentlyClosedKept) recently_closed_.pop_front();
    file.name = std::move(flow.output.filename);
  }
  return file;
}

const ClosedFlow* FlowFileWriter::FindClosed(const FlowKey& key) const {
  for (auto it = recently_closed_.rbegin(); it != recently_closed_.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

bool FlowFileWriter::Holds(const ClosedFlow& flow, std::uint64_t offset, Bytes payload) const {
  std::vector<std::uint8_t> stored(payload.size());
  const auto got = fs_.ReadPath(flow.name, offset, stored);
  return got && *got == payload.size() &&
         std::equal(payload.begin(), payload.end(), stored.begin());
}

}  // namespace tcpflow
