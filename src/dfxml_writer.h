// dfxml_writer.h: a small XML element writer, and the DFXML report.xml (tcpflow 1.6.1 shape).
//
// Design note: XmlWriter appends markup to a string it owns; every piece of data (text and
// attribute values) goes through AppendXmlEscaped, so the output is well-formed XML 1.0 in UTF-8
// whatever the bytes were. ReportWriter streams the report: the header, then one <fileobject>
// per flow written to the stream and flushed as soon as the flow is done, then the footer. It
// differs from the reference where REFERENCE.md DECISIONS say so: the real command line, one
// <image_filename> per input, <anomalies> and <termination> in the footer, and a document that
// is closed on every exit path (the destructor writes the footer if nobody did).
#ifndef TCPFLOW_DFXML_WRITER_H
#define TCPFLOW_DFXML_WRITER_H

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "anomaly.h"
#include "flow_evidence.h"
#include "flow_key.h"
#include "packet.h"
#include "report_extra.h"

namespace tcpflow {

// Appends `text` to `out` escaped for XML character data or an attribute value: & < > ' " become
// entity references; CR becomes &#xD; and DEL &#x7F;; tab and LF stay as they are in text and
// become &#x9; and &#xA; in attributes (where a parser would turn them into spaces). Bytes that
// cannot appear in XML 1.0 at all (other C0 controls, invalid or overlong UTF-8, surrogates, U+FFFE
// and U+FFFF) are each replaced by U+FFFD, so the result is always valid UTF-8 and well-formed.
void AppendXmlEscaped(std::string& out, std::string_view text, bool in_attribute);

// Builds indented XML, two spaces per level, into its own buffer. Element and attribute names
// are trusted (program constants) but are still made into valid names (an invalid character
// becomes '_'). A start tag is begun with StartTag, given attributes, and finished with exactly
// one of FinishOpen (children follow; Close() ends it), FinishEmpty ("<x a='1' />") or
// FinishWithText ("<x a='1'>text</x>"). Misuse (Close with nothing open) is ignored.
class XmlWriter {
 public:
  // The declaration line "<?xml version='1.0' encoding='UTF-8'?>".
  void Declaration();

  void StartTag(std::string_view name);
  void Attribute(std::string_view name, std::string_view value);
  template <std::integral T>
  void Attribute(std::string_view name, T value) {
    BeginAttribute(name);
    AppendInteger(value);
    buffer_.push_back('\'');
  }
  void FinishOpen();
  void FinishEmpty();
  void FinishWithText(std::string_view text);
  // Escaped character data at the current position (no indentation, no line break).
  void Text(std::string_view text) { AppendXmlEscaped(buffer_, text, false); }

  void Open(std::string_view name);          // "<name>" on its own line, then one level deeper
  void Close();                              // "</name>" of the innermost open element
  void EmptyElement(std::string_view name);  // "<name />"
  void Element(std::string_view name, std::string_view text);  // "<name>text</name>"
  template <std::integral T>
  void Element(std::string_view name, T value) {
    StartTag(name);
    buffer_.push_back('>');
    AppendInteger(value);
    EndTextElement();
  }

  // Appends `markup` as it is, with no escaping and no indentation. Only for fixed, well-formed
  // markup written by the program itself, never for data.
  void Markup(std::string_view markup) { buffer_.append(markup); }

  // While set, start and end tags get no indentation and finished elements no line break, so
  // nested elements can be written on one line ("<a><b>1</b></a>"). Off by default.
  void SetInline(bool on) { inline_ = on; }
  // Ends the current line (after an inline run).
  void NewLine() { buffer_.push_back('\n'); }
  std::size_t depth() const { return open_.size(); }

  const std::string& data() const { return buffer_; }
  // Empties the buffer (after the caller wrote it out); the open elements stay open.
  void ClearData() { buffer_.clear(); }

 private:
  void BeginAttribute(std::string_view name);
  void AppendName(std::string_view name);
  void Indent();
  void EndLine();
  void EndTextElement();  // "</pending_>"
  template <std::integral T>
  void AppendInteger(T value) {
    if constexpr (std::is_signed_v<T>) {
      AppendSigned(static_cast<std::int64_t>(value));
    } else {
      AppendUnsigned(static_cast<std::uint64_t>(value));
    }
  }
  void AppendSigned(std::int64_t value);
  void AppendUnsigned(std::uint64_t value);

  std::string buffer_;
  std::vector<std::string> open_;  // names of the open elements, outermost first
  std::string pending_;            // (valid) name of the latest start tag
  bool inline_ = false;
};

struct ReportHeader {
  std::string program_version;           // e.g. "2.0.0-dev"
  std::string command_line;              // the real argv, joined with spaces
  std::vector<std::string> input_files;  // -r/-R/-l names in order, or "interface:eth0" when live
  std::int64_t tdelta = 0;               // seconds (-S tdelta)
  Timeval start_time;                    // wall clock (UTC) at start; written to the second
};

struct ReportFlow {
  std::string filename;  // empty = no <filename> element (no file was created)
  std::uint64_t filesize = 0;
  Timeval first_seen;  // tdelta already added
  Timeval last_seen;
  bool has_macs = false;
  MacAddress src_mac{};
  MacAddress dst_mac{};
  FlowKey key;
  std::uint64_t packets = 0;
  std::uint64_t out_of_order_count = 0;
  std::uint64_t violations = 0;
  std::uint64_t wire_bytes = 0;      // "len": frame lengths on the wire, link layer included
  std::uint64_t captured_bytes = 0;  // "caplen": written only when it differs from len
  // <tcpflow:flow>: holes, repeats, close, anomalies; none for a -K file (no reassembly).
  std::optional<FlowEvidence> evidence;
  std::vector<ReportExtra> extras;  // in scanner order
};

struct ReportTotals {
  std::uint64_t open_fds_at_end = 0;
  std::uint64_t max_open_flows = 0;
  std::uint64_t total_flows = 0;
  std::uint64_t flow_map_size = 0;
  std::uint64_t total_packets = 0;
  const AnomalyCounters* anomalies = nullptr;  // not owned; null = none to report
  std::string termination;  // "" for a normal end; otherwise why the run was cut short
};

// What the header says about the build and the machine. CurrentReportEnvironment() reads the
// real values; tests pass fixed ones so that the output can be compared byte for byte.
struct ReportEnvironment {
  std::string compiler;          // __VERSION__
  std::string compilation_date;  // "YYYY-MM-DDTHH:MM:SS" (when dfxml_writer.cpp was compiled)
  std::vector<std::pair<std::string, std::string>> libraries;  // {name, version}
  std::string os_sysname, os_release, os_version, host, arch;  // uname(2)
  std::uint64_t uid = 0;
  std::string username;        // "" if the uid has no passwd entry
  bool include_rusage = true;  // false leaves <rusage> out (tests only: its values vary)
};
ReportEnvironment CurrentReportEnvironment();

class ReportWriter {
 public:
  // Does not own `out`, which must outlive the writer. The clock for <clocktime> starts here.
  explicit ReportWriter(std::ostream& out);
  ReportWriter(std::ostream& out, ReportEnvironment environment);
  // If the header was written but the footer was not, writes a footer with zero totals and the
  // termination "report closed before the run ended", so the file is always well-formed.
  ~ReportWriter();
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;

  // Everything up to and including the opening <configuration> that holds the fileobjects.
  void WriteHeader(const ReportHeader& header);
  // One <fileobject>, written to `out` at once; `out` is flushed when a second has passed since
  // the last flush, and at the footer. Ignored before WriteHeader or after WriteFooter.
  void WriteFlow(const ReportFlow& flow);
  // </configuration>, <summary />, the totals, <anomalies> (non-zero counters only; left out
  // when there are none), <termination> (when not empty), <rusage>, then "</dfxml>\n". Ignored
  // before WriteHeader; only the first call writes.
  void WriteFooter(const ReportTotals& totals);
  // False once any write to `out` has failed.
  bool ok() const { return ok_; }

 private:
  void WriteExtra(const ReportExtra& extra, bool children_on_own_lines);
  void WriteEvidence(const FlowEvidence& evidence);
  void WriteRusage();
  void Flush();

  std::ostream& out_;
  ReportEnvironment environment_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_flush_ = started_;
  static constexpr std::chrono::seconds kFlowFlushInterval{1};
  XmlWriter xml_;
  bool header_written_ = false;
  bool footer_written_ = false;
  bool ok_ = true;
};

}  // namespace tcpflow

#endif  // TCPFLOW_DFXML_WRITER_H
