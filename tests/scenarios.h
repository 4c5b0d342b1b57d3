// scenarios.h: the named test captures, split by area so each area keeps its own file.
//
// gen_capture lists every area's scenarios; a name must be unique across all of them. Each
// build function is deterministic: the same name always gives the same bytes.
#ifndef TCPFLOW_TESTS_SCENARIOS_H
#define TCPFLOW_TESTS_SCENARIOS_H

#include <span>
#include <string_view>

#include "common/pcap_builder.h"

namespace tcpflow::testing {

struct Scenario {
  std::string_view name;
  std::string_view description;  // what the capture holds; what correct output is
  ByteVec (*build)();
};

std::span<const Scenario> CoreScenarios();           // tests/gen_capture.cpp
std::span<const Scenario> FragmentScenarios();       // tests/scenarios/fragments.cpp
std::span<const Scenario> EncapsulationScenarios();  // tests/scenarios/encapsulation.cpp
std::span<const Scenario> InputScenarios();          // tests/scenarios/input.cpp
std::span<const Scenario> HttpScenarios();           // tests/scenarios/http.cpp

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_SCENARIOS_H
