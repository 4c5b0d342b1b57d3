// flow_table.cpp: open flows by key, with an intrusive least-recently-used list.
#include "flow_table.h"

#include <algorithm>

namespace tcpflow {

FlowTable::FlowTable(std::uint64_t seed, const ReassemblyLimits& limits, ReassemblyBudget& budget)
    : limits_(limits), budget_(budget), map_(1024, KeyHash{seed}) {}

FlowTable::~FlowTable() = default;

Flow* FlowTable::Find(const FlowKey& key) {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : it->second.get();
}

Flow* FlowTable::Create(const FlowKey& key) {
  auto flow = std::make_unique<Flow>(key, limits_, budget_);
  Flow* f = flow.get();
  f->flow_id = next_flow_id_++;
  Flow* reverse = Find(key.Reversed());
  f->session_id = reverse != nullptr ? reverse->session_id : next_session_id_++;
  map_.emplace(key, std::move(flow));
  LinkAtTail(f);
  peak_size_ = std::max(peak_size_, map_.size());
  return f;
}

void FlowTable::Remove(Flow* flow) {
  Unlink(flow);
  map_.erase(flow->key);
}

void FlowTable::Touch(Flow* flow) {
  if (idle_tail_ == flow) return;
  Unlink(flow);
  LinkAtTail(flow);
}

std::vector<Flow*> FlowTable::FlowsInCreationOrder() const {
  std::vector<Flow*> flows;
  flows.reserve(map_.size());
  for (const auto& [key, flow] : map_) flows.push_back(flow.get());
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
