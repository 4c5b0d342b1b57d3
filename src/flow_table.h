// flow_table.h: the open flows, looked up by full FlowKey equality (seeded hash picks the slot).
//
// Design note: the table owns every open Flow. Lookups probe an open-addressing array of
// (hash, Flow*) slots (linear probing, at most half full, deletion by shifting later entries
// back, so no tombstones): a hit costs one slot and one Flow, with no allocation. Flows live in
// blocks, each twice the size of the one before (from kFirstBlockBytes up to kMaxBlockBytes), and
// freed ones are reused, so a SYN flood of a million flows makes a few hundred allocations, not a
// million; a Flow never moves while it is open. The slots and the blocks come from AllocateLarge
// (huge pages: a million flows are half a gigabyte touched in random order). The block memory
// stays until the table is destroyed (its peak is bounded by -S max_flows). The table
// also keeps the flows on an intrusive list in order of last use (least recently used first),
// so idle-timeout expiry and the flow cap look only at the oldest flows, never at all of them.
// Keeping that order touches two other flows per packet (cache misses when flows are many), so
// a run with neither a cap nor a timeout asks for a table without it (IdleOrder::kNotKept).
// With a million flows a lookup waits on two cache misses (its slot, then its flow); the
// capture loop hides them by prefetching both a packet or two ahead (PrefetchSlot, PrefetchFlow).
// Flow ids count every flow ever created.
#ifndef TCPFLOW_FLOW_TABLE_H
#define TCPFLOW_FLOW_TABLE_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "flow.h"
#include "flow_key.h"
#include "large_memory.h"
#include "reassembler.h"

namespace tcpflow {

// Whether the table keeps its flows in order of last use (for Oldest()).
enum class IdleOrder { kKept, kNotKept };

class FlowTable {
 public:
  FlowTable(std::uint64_t seed, const ReassemblyLimits& limits, ReassemblyBudget& budget,
            IdleOrder idle_order = IdleOrder::kKept);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  Flow* Find(const FlowKey& key);
  // Creates a flow for a key that is not in the table. Assigns flow_id (creation order) and
  // session_id (the reverse direction's, if that flow is open; else a new one).
  Flow* Create(const FlowKey& key);
  // Destroys the flow; the pointer is invalid afterwards.
  void Remove(Flow* flow);
  // Looking ahead: a packet's lookup costs a cache miss on its slot and then one on its flow
  // when flows are many. PrefetchSlot(h) starts loading the slot of the key hashing to h
  // (HashOf); a later PrefetchFlow(h), once that slot has arrived, starts loading its flow.
  // Both are hints: they change nothing.
  std::uint64_t HashOf(const FlowKey& key) const { return Hash(key); }
  void PrefetchSlot(std::uint64_t hash) const {
    __builtin_prefetch(&slots_[static_cast<std::size_t>(hash) & (slots_.size() - 1)]);
  }
  void PrefetchFlow(std::uint64_t hash) const;
  // The open flow whose slot holds hash h, or nullptr; for hints only (it compares hashes,
  // not keys). Cheap once PrefetchFlow(h) has run.
  const Flow* PeekFlow(std::uint64_t hash) const;
  // Marks the flow most recently used.
  void Touch(Flow* flow) {
    if (keep_idle_order_ && idle_tail_ != flow) MoveToTail(flow);
  }
  // The least recently used flow, or nullptr when empty (always, with IdleOrder::kNotKept).
  Flow* Oldest() const { return idle_head_; }
  // Open flows ordered by flow_id (for the final flush).
  std::vector<Flow*> FlowsInCreationOrder() const;

  std::size_t size() const { return size_; }
  std::uint64_t total_created() const { return next_flow_id_; }
  std::size_t peak_size() const { return peak_size_; }

  // Powers of two, so that the big blocks fill whole huge pages.
  static constexpr std::size_t kFirstBlockBytes = 128 * 1024;
  static constexpr std::size_t kMaxBlockBytes = 4 * 1024 * 1024;

 private:
  struct Slot {
    std::uint64_t hash = 0;
    Flow* flow = nullptr;  // nullptr: empty
  };
  struct alignas(Flow) FlowStorage {
    std::byte bytes[sizeof(Flow)];
  };

  std::uint64_t Hash(const FlowKey& key) const { return HashFlowKey(key, seed_); }
  // The slot holding `key`, or the empty slot that ends its probe sequence.
  std::size_t Probe(const FlowKey& key, std::uint64_t hash) const;
  void Grow();
  void EraseSlot(std::size_t index);
  void* AllocateStorage();
  void Unlink(Flow* flow);
  void LinkAtTail(Flow* flow);
  void MoveToTail(Flow* flow);

  std::uint64_t seed_;
  bool keep_idle_order_;
  const ReassemblyLimits& limits_;
  ReassemblyBudget& budget_;
  LargeVector<Slot> slots_;  // a power of two in size, at most half full
  std::size_t size_ = 0;
  std::vector<LargeBlock> blocks_;
  std::size_t used_in_last_block_ = 0;  // flows made in the last block
  std::vector<void*> free_storage_;     // storage of removed flows, for reuse
  Flow* idle_head_ = nullptr;
  Flow* idle_tail_ = nullptr;
  std::uint64_t next_flow_id_ = 0;
  std::uint64_t next_session_id_ = 0;
  std::size_t peak_size_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_TABLE_H
