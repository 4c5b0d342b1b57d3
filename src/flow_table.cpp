// flow_table.cpp: open flows by key (open addressing), pooled storage, least-recently-used list.
#include "flow_table.h"

#include <algorithm>
#include <new>

namespace tcpflow {

namespace {

constexpr std::size_t kInitialSlots = 1024;
static_assert(FlowTable::kFirstBlockBytes >= 64 * sizeof(Flow), "blocks hold many flows");

}  // namespace

FlowTable::FlowTable(std::uint64_t seed, const ReassemblyLimits& limits, ReassemblyBudget& budget,
                     IdleOrder idle_order)
    : seed_(seed),
      keep_idle_order_(idle_order == IdleOrder::kKept),
      limits_(limits),
      budget_(budget),
      slots_(kInitialSlots) {}

FlowTable::~FlowTable() {
  for (const Slot& slot : slots_) {
    if (slot.flow != nullptr) slot.flow->~Flow();
  }
}

std::size_t FlowTable::Probe(const FlowKey& key, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(hash) & mask;
  while (slots_[i].flow != nullptr && (slots_[i].hash != hash || !(slots_[i].flow->key == key))) {
    i = (i + 1) & mask;
  }
  return i;
}

const Flow* FlowTable::PeekFlow(std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(hash) & mask; slots_[i].flow != nullptr;
       i = (i + 1) & mask) {
    if (slots_[i].hash == hash) return slots_[i].flow;
  }
  return nullptr;
}

void FlowTable::PrefetchFlow(std::uint64_t hash) const {
  const auto* bytes = reinterpret_cast<const char*>(PeekFlow(hash));
  if (bytes == nullptr) return;
  for (std::size_t line = 0; line < sizeof(Flow); line += 64) __builtin_prefetch(bytes + line);
}

Flow* FlowTable::Find(const FlowKey& key) {
  return slots_[Probe(key, Hash(key))].flow;
}

Flow* FlowTable::Create(const FlowKey& key) {
  if (2 * (size_ + 1) > slots_.size()) Grow();
  Flow* f = new (AllocateStorage()) Flow(key, limits_, budget_);
  f->flow_id = next_flow_id_++;
  Flow* reverse = Find(key.Reversed());
  f->session_id = reverse != nullptr ? reverse->session_id : next_session_id_++;
  if (reverse != nullptr) {
    f->reverse = reverse;
    reverse->reverse = f;
  }
  const std::uint64_t hash = Hash(key);
  slots_[Probe(key, hash)] = Slot{hash, f};
  ++size_;
  if (keep_idle_order_) LinkAtTail(f);
  peak_size_ = std::max(peak_size_, size_);
  return f;
}

void FlowTable::Remove(Flow* flow) {
  if (keep_idle_order_) Unlink(flow);
  if (flow->reverse != nullptr) flow->reverse->reverse = nullptr;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(Hash(flow->key)) & mask;
  while (slots_[i].flow != flow) i = (i + 1) & mask;
  EraseSlot(i);
  --size_;
  flow->~Flow();
  free_storage_.push_back(flow);
}

void FlowTable::EraseSlot(std::size_t index) {
  // Backward shift: an entry later in the run moves into the hole when its home slot is not
  // between the hole and itself, so every probe sequence stays unbroken.
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = index;
  for (std::size_t j = (hole + 1) & mask; slots_[j].flow != nullptr; j = (j + 1) & mask) {
    const std::size_t home = static_cast<std::size_t>(slots_[j].hash) & mask;
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
}

void FlowTable::Grow() {
  LargeVector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.flow == nullptr) continue;
    std::size_t i = static_cast<std::size_t>(slot.hash) & mask;
    while (slots_[i].flow != nullptr) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void* FlowTable::AllocateStorage() {
  if (!free_storage_.empty()) {
    void* storage = free_storage_.back();
    free_storage_.pop_back();
    return storage;
  }
  if (blocks_.empty() || used_in_last_block_ == blocks_.back().size() / sizeof(FlowStorage)) {
    const std::size_t bytes = NextGrowthBytes(blocks_.empty() ? 0 : blocks_.back().size(),
                                              kFirstBlockBytes, kMaxBlockBytes);
    blocks_.emplace_back(bytes);
    used_in_last_block_ = 0;
  }
  return static_cast<FlowStorage*>(blocks_.back().get()) + used_in_last_block_++;
}

void FlowTable::MoveToTail(Flow* flow) {
  Unlink(flow);
  LinkAtTail(flow);
}

std::vector<Flow*> FlowTable::FlowsInCreationOrder() const {
  std::vector<Flow*> flows;
  flows.reserve(size_);
  for (const Slot& slot : slots_) {
    if (slot.flow != nullptr) flows.push_back(slot.flow);
  }
  std::sort(flows.begin(), flows.end(),
            [](const Flow* a, const Flow* b) { return a->flow_id < b->flow_id; });
  return flows;
}

void FlowTable::Unlink(Flow* flow) {
  if (flow->idle_prev != nullptr) {
    flow->idle_prev->idle_next = flow->idle_next;
  } else {
    idle_head_ = flow->idle_next;
  }
  if (flow->idle_next != nullptr) {
    flow->idle_next->idle_prev = flow->idle_prev;
  } else {
    idle_tail_ = flow->idle_prev;
  }
  flow->idle_prev = flow->idle_next = nullptr;
}

void FlowTable::LinkAtTail(Flow* flow) {
  flow->idle_prev = idle_tail_;
  flow->idle_next = nullptr;
  if (idle_tail_ != nullptr) {
    idle_tail_->idle_next = flow;
  } else {
    idle_head_ = flow;
  }
  idle_tail_ = flow;
}

}  // namespace tcpflow
