// stored_stream.cpp: the stored view of each flow for the stream scanners (-b, holes, no file).
#include "stored_stream.h"

#include <algorithm>
#include <array>

namespace tcpflow {
namespace {

constexpr std::array<std::uint8_t, 4096> kZeros{};

}  // namespace

Bytes ZeroBytes(std::uint64_t n) {
  return Bytes(kZeros.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, kZeros.size())));
}

void StoredStream::AssignSlots(SlotAllocator& slots) {
  has_file_.Assign(slots);
  for (Scanner* scanner : scanners_) scanner->AssignSlots(slots);
}

void StoredStream::OnFlowOpen(Flow& flow) {
  for (Scanner* scanner : scanners_) scanner->OnFlowOpen(flow);
}

void StoredStream::OnFileCreated(Flow& flow, const std::string& name) {
  has_file_.Put(flow, std::make_unique<HasFile>());
  for (Scanner* scanner : scanners_) scanner->OnFileCreated(flow, name);
}

void StoredStream::OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) {
  if (has_file_.Find(flow) == nullptr) return;
  const Bytes stored = StoredPart(offset, data, limit_);
  const bool cut = stored.size() < data.size();
  for (Scanner* scanner : scanners_) {
    if (cut) scanner->OnCut(flow);
    if (!stored.empty()) scanner->OnData(flow, offset, stored, ts);
  }
}

void StoredStream::OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length,
                         const Timeval& ts) {
  // The bytes after the hole start at offset + length: the file holds the zeros only when they
  // are stored.
  if (has_file_.Find(flow) == nullptr ||
      (limit_ >= 0 && offset + length >= static_cast<std::uint64_t>(limit_))) {
    return;
  }
  for (Scanner* scanner : scanners_) scanner->OnGap(flow, offset, length, ts);
}

void StoredStream::OnShift(Flow& flow, std::uint64_t n) {
  if (has_file_.Find(flow) == nullptr) return;
  const std::uint64_t max_end = limit_ < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit_);
  for (Scanner* scanner : scanners_) scanner->OnStoredShift(flow, n, max_end);
}

void StoredStream::OnFlowClose(Flow& flow, const StoredFile& file) {
  has_file_.Release(flow);
  for (Scanner* scanner : scanners_) scanner->OnFlowClose(flow, file);
}

}  // namespace tcpflow
