// reassembler.cpp: ordered delivery of one flow direction's bytes, with bounded out-of-order
// buffering, hole tracking and overlap accounting (RFC 9293 section 3.10.7.4).
#include "reassembler.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace tcpflow {

Reassembler::Reassembler(const ReassemblyLimits& limits, ReassemblyBudget& budget)
    : limits_(&limits), budget_(&budget) {}

Reassembler::Reassembler(Reassembler&& other) noexcept
    : limits_(other.limits_), budget_(other.budget_) {
  *this = std::move(other);
}

Reassembler& Reassembler::operator=(Reassembler&& other) noexcept {
  if (this == &other) return *this;
  budget_->used -= buffered_bytes_;
  limits_ = other.limits_;
  budget_ = other.budget_;
  frontier_ = other.frontier_;
  highest_end_ = other.highest_end_;
  buffered_bytes_ = std::exchange(other.buffered_bytes_, 0);
  disorder_ = std::move(other.disorder_);
  delivered_bytes_ = other.delivered_bytes_;
  overlap_bytes_ = other.overlap_bytes_;
  retransmitted_bytes_ = other.retransmitted_bytes_;
  return *this;
}

Reassembler::~Reassembler() {
  budget_->used -= buffered_bytes_;
}

ReassemblyStats Reassembler::stats() const {
  ReassemblyStats s;
  s.delivered_bytes = delivered_bytes_;
  s.overlap_bytes = overlap_bytes_;
  s.retransmitted_bytes = retransmitted_bytes_;
  if (disorder_ != nullptr) {
    s.conflict_bytes = disorder_->conflict_bytes;
    s.out_of_order_segments = disorder_->out_of_order_segments;
    s.forced_gaps = disorder_->forced_gaps;
    s.late_fills = disorder_->late_fills;
    s.dropped_bytes = disorder_->dropped_bytes;
    s.dropped_holes = disorder_->dropped_holes;
  }
  return s;
}

Reassembler::Disorder& Reassembler::disorder() {
  if (disorder_ == nullptr) disorder_ = std::make_unique<Disorder>();
  return *disorder_;
}

void Reassembler::Add(std::uint64_t offset, Bytes data, ReassemblySink& sink) {
  const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - offset;
  if (data.size() > room) data = data.first(room);
  if (data.empty()) return;
  const std::uint64_t end = offset + data.size();
  if (end > highest_end_) highest_end_ = end;

  if (offset == frontier_ && !HasBuffered()) {  // the common case: in order, nothing waiting
    Deliver(offset, data, sink);
    return;
  }
  // Bytes that are new to the stream are delivered or buffered: when neither moved, every byte
  // of the call was a copy of one received before (a retransmission).
  const std::uint64_t overlap_before = overlap_bytes_;
  const std::uint64_t kept_before = delivered_bytes_ + buffered_bytes_;
  Place(offset, data, sink);
  if (delivered_bytes_ + buffered_bytes_ == kept_before) {
    retransmitted_bytes_ += overlap_bytes_ - overlap_before;
  }
}

void Reassembler::Place(std::uint64_t offset, Bytes data, ReassemblySink& sink) {
  const std::uint64_t end = offset + data.size();
  if (offset < frontier_) {
    const std::uint64_t below = std::min(end, frontier_) - offset;
    AddBelowFrontier(offset, data.first(below), sink);
    data = data.subspan(below);
    offset += below;
    if (data.empty()) return;
  }
  if (offset == frontier_) {
    AddAtFrontier(offset, data, sink);
    return;
  }
  AddBeyondFrontier(offset, data);
  while (HasBuffered() && OverLimits()) FlushLowest(sink, /*forced=*/true);
}

void Reassembler::Flush(ReassemblySink& sink) {
  while (HasBuffered()) FlushLowest(sink, /*forced=*/false);
}

void Reassembler::ShiftBase(std::uint64_t n) {
  if (n == 0) return;
  frontier_ += n;
  highest_end_ += n;
  Disorder& d = disorder();

  BufferMap moved_buffer;
  while (!d.buffer.empty()) {
    auto node = d.buffer.extract(d.buffer.begin());
    node.key() += n;
    moved_buffer.insert(moved_buffer.end(), std::move(node));
  }
  d.buffer.swap(moved_buffer);

  HoleMap moved_holes;
  d.holes_by_age.clear();
  while (!d.holes.empty()) {
    auto node = d.holes.extract(d.holes.begin());
    node.key() += n;
    node.mapped().end += n;
    d.holes_by_age.emplace(node.mapped().age, node.key());
    moved_holes.insert(moved_holes.end(), std::move(node));
  }
  d.holes.swap(moved_holes);

  TrackHole(0, n, d.next_hole_age++);
  TrimHoles();
}

bool Reassembler::HasHolesBelow(std::uint64_t offset) const {
  if (offset > frontier_) return true;  // [frontier_, offset) not delivered yet
  return HasHoles() && disorder_->holes.begin()->first < offset;
}

void Reassembler::AddBelowFrontier(std::uint64_t offset, Bytes data, ReassemblySink& sink) {
  const std::uint64_t end = offset + data.size();
  if (!HasHoles()) {  // plain retransmission
    overlap_bytes_ += data.size();
    if (limits_->overlap_last) sink.OnData(offset, data);
    return;
  }
  HoleMap& holes = disorder_->holes;
  // Bytes of [from, to) that are not in a hole: overlap, rewritten only with overlap_last.
  auto overlap = [&](std::uint64_t from, std::uint64_t to) {
    overlap_bytes_ += to - from;
    if (limits_->overlap_last) sink.OnData(from, data.subspan(from - offset, to - from));
  };
  auto it = holes.upper_bound(offset);
  if (it != holes.begin() && std::prev(it)->second.end > offset) --it;
  bool filled = false;
  std::uint64_t pos = offset;
  while (pos < end) {
    if (it == holes.end() || it->first >= end) {
      overlap(pos, end);
      break;
    }
    const std::uint64_t hole_start = it->first;
    const Hole hole = it->second;
    if (hole_start > pos) {
      overlap(pos, hole_start);
      pos = hole_start;
    }
    const std::uint64_t fill_end = std::min(hole.end, end);
    sink.OnData(pos, data.subspan(pos - offset, fill_end - pos));
    delivered_bytes_ += fill_end - pos;
    filled = true;
    // Replace the hole by what remains of it on either side of the fill.
    auto next = std::next(it);
    EraseHole(it);
    if (hole_start < pos) TrackHole(hole_start, pos, hole.age);
    if (fill_end < hole.end) TrackHole(fill_end, hole.end, hole.age);
    it = next;
    pos = fill_end;
  }
  if (filled) ++disorder_->late_fills;
  TrimHoles();  // a split can add one hole
}

void Reassembler::AddAtFrontier(std::uint64_t offset, Bytes data, ReassemblySink& sink) {
  if (!HasBuffered()) {
    Deliver(offset, data, sink);
    return;
  }
  BufferMap& buffer = disorder_->buffer;
  const std::uint64_t end = offset + data.size();
  std::uint64_t pos = offset;
  while (pos < end) {
    auto it = buffer.begin();
    if (it == buffer.end() || it->first >= end) {
      Deliver(pos, data.subspan(pos - offset), sink);
      break;
    }
    const std::uint64_t range_start = it->first;
    const Bytes range(it->second);
    const std::uint64_t range_end = range_start + range.size();
    if (range_start > pos) {
      Deliver(pos, data.subspan(pos - offset, range_start - pos), sink);
      pos = range_start;
    }
    // [pos, both_end) is both in `data` and in the buffered range; pos == range_start here.
    const std::uint64_t both_end = std::min(range_end, end);
    const Bytes fresh = data.subspan(pos - offset, both_end - pos);
    CountOverlap(range.first(fresh.size()), fresh);
    if (limits_->overlap_last) {
      Deliver(pos, fresh, sink);
      if (range_end > both_end) Deliver(both_end, range.subspan(both_end - range_start), sink);
    } else {
      Deliver(range_start, range, sink);
    }
    EraseBuffered(it);
    pos = both_end;
  }
  DeliverContiguous(sink);
}

void Reassembler::AddBeyondFrontier(std::uint64_t offset, Bytes data) {
  const std::uint64_t end = offset + data.size();
  BufferMap& buffer = disorder().buffer;
  auto it = buffer.upper_bound(offset);
  if (it != buffer.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size() > offset) it = prev;
  }
  bool stored = false;
  std::uint64_t pos = offset;
  while (pos < end) {
    if (it == buffer.end() || it->first >= end) {
      StoreBuffered(it, pos, data.subspan(pos - offset));
      stored = true;
      break;
    }
    const std::uint64_t range_start = it->first;
    if (range_start > pos) {
      StoreBuffered(it, pos, data.subspan(pos - offset, range_start - pos));
      stored = true;
      pos = range_start;
    }
    const std::uint64_t range_end = range_start + it->second.size();
    const std::uint64_t both_end = std::min(range_end, end);
    const std::span<std::uint8_t> old =
        std::span<std::uint8_t>(it->second).subspan(pos - range_start, both_end - pos);
    const Bytes fresh = data.subspan(pos - offset, both_end - pos);
    CountOverlap(old, fresh);
    if (limits_->overlap_last) std::copy(fresh.begin(), fresh.end(), old.begin());
    pos = both_end;
    ++it;
  }
  if (stored) ++disorder_->out_of_order_segments;
}

void Reassembler::DeliverContiguous(ReassemblySink& sink) {
  while (HasBuffered() && disorder_->buffer.begin()->first == frontier_) {
    auto it = disorder_->buffer.begin();
    Deliver(it->first, it->second, sink);
    EraseBuffered(it);
  }
}

void Reassembler::FlushLowest(ReassemblySink& sink, bool forced) {
  auto it = disorder_->buffer.begin();
  if (it->first > frontier_) {
    sink.OnGap(frontier_, it->first - frontier_);
    TrackHole(frontier_, it->first, disorder_->next_hole_age++);
    TrimHoles();
    if (forced) ++disorder_->forced_gaps;
    frontier_ = it->first;
  }
  Deliver(it->first, it->second, sink);
  EraseBuffered(it);
  DeliverContiguous(sink);
}

void Reassembler::Deliver(std::uint64_t offset, Bytes data, ReassemblySink& sink) {
  sink.OnData(offset, data);
  frontier_ = offset + data.size();
  delivered_bytes_ += data.size();
}

void Reassembler::StoreBuffered(BufferMap::iterator hint, std::uint64_t offset, Bytes data) {
  disorder_->buffer.emplace_hint(hint, offset, std::vector<std::uint8_t>(data.begin(), data.end()));
  buffered_bytes_ += data.size();
  budget_->used += data.size();
}

void Reassembler::EraseBuffered(BufferMap::iterator it) {
  buffered_bytes_ -= it->second.size();
  budget_->used -= it->second.size();
  disorder_->buffer.erase(it);
}

void Reassembler::CountOverlap(Bytes old, Bytes fresh) {
  overlap_bytes_ += fresh.size();
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    if (old[i] != fresh[i]) ++disorder_->conflict_bytes;
  }
}

void Reassembler::TrackHole(std::uint64_t start, std::uint64_t end, std::uint64_t age) {
  Disorder& d = disorder();
  d.holes.emplace(start, Hole{end, age});
  d.holes_by_age.emplace(age, start);
}

void Reassembler::EraseHole(HoleMap::iterator it) {
  disorder_->holes_by_age.erase({it->second.age, it->first});
  disorder_->holes.erase(it);
}

void Reassembler::TrimHoles() {
  if (disorder_ == nullptr) return;
  while (disorder_->holes.size() > limits_->max_holes_tracked) {
    auto it = disorder_->holes.find(disorder_->holes_by_age.begin()->second);
    disorder_->dropped_bytes += it->second.end - it->first;
    ++disorder_->dropped_holes;
    EraseHole(it);
  }
}

bool Reassembler::OverLimits() const {
  return buffered_bytes_ > limits_->max_buffered_per_flow || budget_->used > budget_->limit;
}

}  // namespace tcpflow
