// flow_table.h: the open flows, looked up by full FlowKey equality (seeded hash picks the bucket).
//
// Design note: the table owns every open Flow. It also keeps them on an intrusive list in
// order of last use (least recently used first), so idle-timeout expiry and the flow cap look
// only at the oldest flows, never at all of them. Flow ids count every flow ever created.
#ifndef TCPFLOW_FLOW_TABLE_H
#define TCPFLOW_FLOW_TABLE_H

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "flow.h"
#include "flow_key.h"
#include "reassembler.h"

namespace tcpflow {

class FlowTable {
 public:
  FlowTable(std::uint64_t seed, const ReassemblyLimits& limits, ReassemblyBudget& budget);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  Flow* Find(const FlowKey& key);
  // Creates a flow for a key that is not in the table. Assigns flow_id (creation order) and
  // session_id (the reverse direction's, if that flow is open; else a new one).
  Flow* Create(const FlowKey& key);
  // Destroys the flow; the pointer is invalid afterwards.
  void Remove(Flow* flow);
  // Marks the flow most recently used.
  void Touch(Flow* flow);
  // The least recently used flow, or nullptr when empty.
  Flow* Oldest() const { return idle_head_; }
  // Open flows ordered by flow_id (for the final flush).
  std::vector<Flow*> FlowsInCreationOrder() const;

  std::size_t size() const { return map_.size(); }
  std::uint64_t total_created() const { return next_flow_id_; }
  std::size_t peak_size() const { return peak_size_; }

 private:
  struct KeyHash {
    std::uint64_t seed;
    std::size_t operator()(const FlowKey& k) const {
      return static_cast<std::size_t>(HashFlowKey(k, seed));
    }
  };
  void Unlink(Flow* flow);
  void LinkAtTail(Flow* flow);

  const ReassemblyLimits& limits_;
  ReassemblyBudget& budget_;
  std::unordered_map<FlowKey, std::unique_ptr<Flow>, KeyHash> map_;
  Flow* idle_head_ = nullptr;
  Flow* idle_tail_ = nullptr;
  std::uint64_t next_flow_id_ = 0;
  std::uint64_t next_session_id_ = 0;
  std::size_t peak_size_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_TABLE_H
