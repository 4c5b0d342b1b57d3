// report_extra.h: what a scanner adds to a flow's DFXML <fileobject>, as plain data.
#ifndef TCPFLOW_REPORT_EXTRA_H
#define TCPFLOW_REPORT_EXTRA_H

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpflow {

// The namespace of tcpflow's own report elements (prefix "tcpflow:", declared on <dfxml>): the
// one 1.6.1's <metadata> uses.
inline constexpr std::string_view kTcpflowNamespace = "http://afflib.org/tcpflow/";

// Something a scanner adds to a <fileobject>, as data (never raw XML). Written as
// <element attr='v' ...>text</element>, or <element ... /> when text and children are empty.
// Children are written after the text, each on its own line under a top-level extra and on the
// same line below that (the reference's <byte_runs><byte_run ...><fileobject>...</byte_run>).
struct ReportExtra {
  std::string element;                                          // e.g. "hashdigest"
  std::vector<std::pair<std::string, std::string>> attributes;  // e.g. {"type", "MD5"}
  std::string text;
  std::vector<ReportExtra> children;
};

}  // namespace tcpflow

#endif  // TCPFLOW_REPORT_EXTRA_H
