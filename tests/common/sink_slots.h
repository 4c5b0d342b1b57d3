// sink_slots.h: for tests that drive a sink directly rather than through a SinkFanout.
#ifndef TCPFLOW_TESTS_COMMON_SINK_SLOTS_H
#define TCPFLOW_TESTS_COMMON_SINK_SLOTS_H

#include "stream_sink.h"

namespace tcpflow::testing {

// Gives `sink` its slots from a fresh allocator, as joining a fan-out does.
inline void GiveSlots(StreamSink& sink) {
  SlotAllocator slots;
  sink.AssignSlots(slots);
}

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_SINK_SLOTS_H
