// dfxml_writer.cpp: XML escaping and element writing; the DFXML report.xml (XML 1.0, UTF-8).
#include "dfxml_writer.h"

#include <openssl/opensslv.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <charconv>

#include "filename_template.h"

namespace tcpflow {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence (RFC 3629) that starts at text[i] with a lead byte
// >= 0x80, or 0 if there is none (stray continuation, overlong form, surrogate, beyond
// U+10FFFF, cut short) or if it encodes U+FFFE or U+FFFF, which XML does not allow.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = at(0);
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // no overlong forms
    if (lead == 0xED) second_max = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // no overlong forms
    if (lead == 0xF4) second_max = 0x8F;  // nothing beyond U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (at(1) < second_min || at(1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!IsContinuation(at(k))) return 0;
  }
  if (lead == 0xEF && at(1) == 0xBF && (at(2) == 0xBE || at(2) == 0xBF)) return 0;
  return length;
}

void AppendMacText(std::string& out, const MacAddress& mac) {
  constexpr std::string_view kHex = "0123456789abcdef";
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0x0F]);
  }
}

bool IsZeroMac(const MacAddress& mac) {
  for (auto byte : mac) {
    if (byte != 0) return false;
  }
  return true;
}

// "SEC.UUUUUU" (6 decimals) for a non-negative duration in microseconds.
std::string FormatSeconds(std::int64_t micros) {
  std::string text = std::to_string(micros / 1000000);
  const std::string fraction = std::to_string(micros % 1000000);
  text.push_back('.');
  text.append(6 - fraction.size(), '0');
  text.append(fraction);
  return text;
}

std::int64_t Micros(const timeval& tv) {
  return static_cast<std::int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

// __DATE__ ("Mmm dd yyyy") and __TIME__ ("hh:mm:ss") as "yyyy-mm-ddThh:mm:ss".
std::string IsoCompilationDate(std::string_view date, std::string_view time) {
  constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::size_t month_index = kMonths.find(date.substr(0, 3));
  if (date.size() != 11 || month_index == std::string_view::npos) return std::string(date);
  std::string day(date.substr(4, 2));
  if (day[0] == ' ') day[0] = '0';
  const unsigned month = static_cast<unsigned>(month_index / 3 + 1);
  std::string text(date.substr(7, 4));
  text.push_back('-');
  text.push_back(static_cast<char>('0' + month / 10));
  text.push_back(static_cast<char>('0' + month % 10));
  text.push_back('-');
  text.append(day);
  text.push_back('T');
  text.append(time);
  return text;
}

std::string UserName(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return "";
  }
  return found->pw_name;
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text, bool in_attribute) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run of bytes that need no change in one append.
    std::size_t run = i;
    while (run < text.size()) {
      const auto byte = static_cast<unsigned char>(text[run]);
      if (byte < 0x20 || byte >= 0x7F || byte == '&' || byte == '<' || byte == '>' ||
          byte == '\'' || byte == '"') {
        break;
      }
      ++run;
    }
    out.append(text, i, run - i);
    i = run;
    if (i == text.size()) break;

    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out.append(kReplacementCharacter);
        ++i;
      } else {
        out.append(text, i, length);
        i += length;
      }
      continue;
    }
    switch (byte) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '\'': out.append("&apos;"); break;
      case '"': out.append("&quot;"); break;
      case 0x7F: out.append("&#x7F;"); break;
      case '\t': out.append(in_attribute ? "&#x9;" : "\t"); break;
      case '\n': out.append(in_attribute ? "&#xA;" : "\n"); break;
      case '\r': out.append("&#xD;"); break;              // a parser would turn a raw CR into LF
      default: out.append(kReplacementCharacter); break;  // other C0 controls
    }
    ++i;
  }
}

// ---------------------------------------------------------------------------------------------
// XmlWriter

void XmlWriter::Declaration() {
  buffer_.append("<?xml version='1.0' encoding='UTF-8'?>\n");
}

void XmlWriter::AppendName(std::string_view name) {
  const auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
  };
  const auto is_name = [&](char c) {
    return is_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  };
  if (name.empty() || !is_start(name[0])) buffer_.push_back('_');
  for (char c : name) buffer_.push_back(is_name(c) ? c : '_');
}

void XmlWriter::Indent() {
  if (!inline_) buffer_.append(2 * open_.size(), ' ');
}

void XmlWriter::EndLine() {
  if (!inline_) buffer_.push_back('\n');
}

void XmlWriter::StartTag(std::string_view name) {
  Indent();
  buffer_.push_back('<');
  const std::size_t name_begin = buffer_.size();
  AppendName(name);
  pending_.assign(buffer_, name_begin);
}

void XmlWriter::BeginAttribute(std::string_view name) {
  buffer_.push_back(' ');
  AppendName(name);
  buffer_.append("='");
}

void XmlWriter::Attribute(std::string_view name, std::string_view value) {
  BeginAttribute(name);
  AppendXmlEscaped(buffer_, value, true);
  buffer_.push_back('\'');
}

void XmlWriter::FinishOpen() {
  open_.push_back(pending_);
  buffer_.push_back('>');
  EndLine();
}

void XmlWriter::FinishEmpty() {
  buffer_.append(" />");
  EndLine();
}

void XmlWriter::FinishWithText(std::string_view text) {
  buffer_.push_back('>');
  AppendXmlEscaped(buffer_, text, false);
  EndTextElement();
}

void XmlWriter::EndTextElement() {
  buffer_.append("</");
  buffer_.append(pending_);
  buffer_.push_back('>');
  EndLine();
}

void XmlWriter::Open(std::string_view name) {
  StartTag(name);
  FinishOpen();
}

void XmlWriter::Close() {
  if (open_.empty()) return;
  std::string name = std::move(open_.back());
  open_.pop_back();
  Indent();
  buffer_.append("</");
  buffer_.append(name);
  buffer_.push_back('>');
  EndLine();
}

void XmlWriter::EmptyElement(std::string_view name) {
  StartTag(name);
  FinishEmpty();
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
  StartTag(name);
  FinishWithText(text);
}

void XmlWriter::AppendSigned(std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, result.ptr);
}

void XmlWriter::AppendUnsigned(std::uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, result.ptr);
}

// ---------------------------------------------------------------------------------------------
// ReportWriter

ReportEnvironment CurrentReportEnvironment() {
  ReportEnvironment env;
  env.compiler = __VERSION__;
  env.compilation_date = IsoCompilationDate(__DATE__, __TIME__);
  env.libraries.emplace_back("zlib", ZLIB_VERSION);
  env.libraries.emplace_back("openssl", OPENSSL_VERSION_TEXT);
  std::string_view pcap_version = pcap_lib_version();
  constexpr std::string_view kPcapPrefix = "libpcap version ";
  if (pcap_version.starts_with(kPcapPrefix)) pcap_version.remove_prefix(kPcapPrefix.size());
  env.libraries.emplace_back("libpcap", std::string(pcap_version));
  utsname names{};
  if (uname(&names) == 0) {
    env.os_sysname = names.sysname;
    env.os_release = names.release;
    env.os_version = names.version;
    env.host = names.nodename;
    env.arch = names.machine;
  }
  env.uid = getuid();
  env.username = UserName(getuid());
  return env;
}

ReportWriter::ReportWriter(std::ostream& out) : ReportWriter(out, CurrentReportEnvironment()) {}

ReportWriter::ReportWriter(std::ostream& out, ReportEnvironment environment)
    : out_(out), environment_(std::move(environment)), started_(std::chrono::steady_clock::now()) {}

ReportWriter::~ReportWriter() {
  if (header_written_ && !footer_written_) {
    ReportTotals totals;
    totals.termination = "report closed before the run ended";
    WriteFooter(totals);
  }
}

void ReportWriter::Flush() {
  out_.write(xml_.data().data(), static_cast<std::streamsize>(xml_.data().size()));
  out_.flush();
  if (!out_) ok_ = false;
  xml_.ClearData();
}

void ReportWriter::WriteHeader(const ReportHeader& header) {
  if (header_written_) return;
  header_written_ = true;
  xml_.Declaration();
  xml_.StartTag("dfxml");
  xml_.Attribute("xmloutputversion", "1.0");
  // tcpflow's own elements (tcpflow:flow, ...) are in its namespace, which 1.6.1's metadata
  // already uses, so DFXML readers that know only DFXML's elements pass them by.
  xml_.Attribute("xmlns:tcpflow", kTcpflowNamespace);
  xml_.FinishOpen();
  xml_.Markup(
      "  <metadata \n"
      "  xmlns='http://afflib.org/tcpflow/' \n"
      "  xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' \n"
      "  xmlns:dc='http://purl.org/dc/elements/1.1/'>\n"
      "    <dc:type>Feature Extraction</dc:type>\n"
      "  </metadata>\n");
  xml_.StartTag("creator");
  xml_.Attribute("version", "1.0");
  xml_.FinishOpen();
  xml_.Element("program", "TCPFLOW");
  xml_.Element("version", header.program_version);
  xml_.Open("build_environment");
  xml_.Element("compiler", environment_.compiler);
  xml_.Element("compilation_date", environment_.compilation_date);
  for (const auto& [name, version] : environment_.libraries) {
    xml_.StartTag("library");
    xml_.Attribute("name", name);
    xml_.Attribute("version", version);
    xml_.FinishEmpty();
  }
  xml_.Close();
  xml_.Open("execution_environment");
  xml_.Element("os_sysname", environment_.os_sysname);
  xml_.Element("os_release", environment_.os_release);
  xml_.Element("os_version", environment_.os_version);
  xml_.Element("host", environment_.host);
  xml_.Element("arch", environment_.arch);
  xml_.Element("command_line", header.command_line);
  xml_.Element("uid", environment_.uid);
  xml_.Element("username", environment_.username);
  xml_.Element("start_time", FormatIsoTime(Timeval{header.start_time.sec, 0}));
  xml_.Close();
  xml_.Close();  // creator
  xml_.Open("source");
  for (const std::string& input : header.input_files) xml_.Element("image_filename", input);
  xml_.Close();
  xml_.Open("configuration");
  xml_.Close();
  xml_.Element("tdelta", header.tdelta);
  xml_.Open("configuration");
  Flush();
}

void ReportWriter::WriteExtra(const ReportExtra& extra, bool children_on_own_lines) {
  xml_.StartTag(extra.element);
  for (const auto& [name, value] : extra.attributes) xml_.Attribute(name, value);
  if (extra.children.empty()) {
    if (extra.text.empty()) {
      xml_.FinishEmpty();
    } else {
      xml_.FinishWithText(extra.text);
    }
    return;
  }
  if (!children_on_own_lines) {
    xml_.FinishOpen();
    xml_.Text(extra.text);
    for (const ReportExtra& child : extra.children) WriteExtra(child, false);
    xml_.Close();
    return;
  }
  xml_.SetInline(true);
  xml_.FinishOpen();
  xml_.Text(extra.text);
  xml_.SetInline(false);
  xml_.NewLine();
  for (const ReportExtra& child : extra.children) {
    // Each child on one indented line, everything below it on that same line.
    xml_.Markup(std::string(2 * xml_.depth(), ' '));
    xml_.SetInline(true);
    WriteExtra(child, false);
    xml_.SetInline(false);
    xml_.NewLine();
  }
  xml_.Close();
}

void ReportWriter::WriteFlow(const ReportFlow& flow) {
  if (!header_written_ || footer_written_) return;
  xml_.Open("fileobject");
  if (!flow.filename.empty()) xml_.Element("filename", flow.filename);
  xml_.Element("filesize", flow.filesize);
  xml_.StartTag("tcpflow");
  xml_.Attribute("startime", FormatIsoTime(flow.first_seen));
  xml_.Attribute("endtime", FormatIsoTime(flow.last_seen));
  if (flow.has_macs) {
    std::string mac;
    if (!IsZeroMac(flow.dst_mac)) {
      AppendMacText(mac, flow.dst_mac);
      xml_.Attribute("mac_daddr", mac);
    }
    if (!IsZeroMac(flow.src_mac)) {
      mac.clear();
      AppendMacText(mac, flow.src_mac);
      xml_.Attribute("mac_saddr", mac);
    }
  }
  xml_.Attribute("family", flow.key.src.AddressFamilyNumber());
  xml_.Attribute("src_ipn", flow.key.src.ToString());
  xml_.Attribute("dst_ipn", flow.key.dst.ToString());
  xml_.Attribute("srcport", flow.key.src_port);
  xml_.Attribute("dstport", flow.key.dst_port);
  xml_.Attribute("packets", flow.packets);
  if (flow.out_of_order_count > 0) xml_.Attribute("out_of_order_count", flow.out_of_order_count);
  if (flow.violations > 0) xml_.Attribute("violations", flow.violations);
  xml_.Attribute("len", flow.wire_bytes);
  if (flow.captured_bytes != flow.wire_bytes) xml_.Attribute("caplen", flow.captured_bytes);
  xml_.FinishEmpty();
  if (flow.evidence) WriteEvidence(*flow.evidence);
  for (const ReportExtra& extra : flow.extras) WriteExtra(extra, true);
  xml_.Close();
  // The entry goes into the stream's buffer at once; the stream is flushed at most once a
  // second (a flush per flow would cost a system call each on captures of many small flows).
  out_.write(xml_.data().data(), static_cast<std::streamsize>(xml_.data().size()));
  xml_.ClearData();
  const auto now = std::chrono::steady_clock::now();
  if (now - last_flush_ >= kFlowFlushInterval) {
    out_.flush();
    last_flush_ = now;
  }
  if (!out_) ok_ = false;
}

void ReportWriter::WriteEvidence(const FlowEvidence& e) {
  xml_.StartTag("tcpflow:flow");
  xml_.Attribute("connection_id", e.connection_id);
  xml_.Attribute("close", CloseReasonName(e.close_reason));
  xml_.Attribute("handshake", e.handshake ? "yes" : "no");
  // Counters that are zero are left out (as <tcpflow>'s out_of_order_count is).
  const auto counter = [this](std::string_view name, std::uint64_t value) {
    if (value > 0) xml_.Attribute(name, value);
  };
  counter("missing_bytes", e.missing_bytes);
  counter("missing_at_end", e.missing_at_end);
  counter("holes", e.hole_count);
  counter("retransmitted_bytes", e.retransmitted_bytes);
  counter("overlap_bytes", e.overlap_bytes);
  counter("conflict_bytes", e.conflict_bytes);
  counter("out_of_order_segments", e.out_of_order_segments);
  if (e.holes.empty() && e.anomalies.empty()) {
    xml_.FinishEmpty();
    return;
  }
  xml_.FinishOpen();
  for (const ByteRange& hole : e.holes) {
    xml_.StartTag("tcpflow:hole");
    xml_.Attribute("offset", hole.offset);
    xml_.Attribute("length", hole.length);
    xml_.FinishEmpty();
  }
  for (const auto& [anomaly, count] : e.anomalies) {
    xml_.StartTag("tcpflow:anomaly");
    xml_.Attribute("name", AnomalyName(anomaly));
    xml_.Attribute("count", count);
    xml_.FinishEmpty();
  }
  xml_.Close();
}

void ReportWriter::WriteRusage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto clock = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  xml_.Open("rusage");
  xml_.Element("utime", FormatSeconds(Micros(usage.ru_utime)));
  xml_.Element("stime", FormatSeconds(Micros(usage.ru_stime)));
  xml_.Element("maxrss", usage.ru_maxrss);
  xml_.Element("minflt", usage.ru_minflt);
  xml_.Element("majflt", usage.ru_majflt);
  xml_.Element("nswap", usage.ru_nswap);
  xml_.Element("inblock", usage.ru_inblock);
  xml_.Element("oublock", usage.ru_oublock);
  xml_.Element("clocktime", FormatSeconds(clock.count()));
  xml_.Close();
}

void ReportWriter::WriteFooter(const ReportTotals& totals) {
  if (!header_written_ || footer_written_) return;
  footer_written_ = true;
  xml_.Close();  // the <configuration> holding the fileobjects
  xml_.EmptyElement("summary");
  xml_.Element("open_fds_at_end", totals.open_fds_at_end);
  xml_.Element("max_open_flows", totals.max_open_flows);
  xml_.Element("total_flows", totals.total_flows);
  xml_.Element("flow_map_size", totals.flow_map_size);
  xml_.Element("total_packets", totals.total_packets);
  if (totals.anomalies != nullptr && totals.anomalies->Total() > 0) {
    xml_.Open("anomalies");
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
      const auto anomaly = static_cast<Anomaly>(i);
      const std::uint64_t count = totals.anomalies->Get(anomaly);
      if (count == 0) continue;
      xml_.StartTag("anomaly");
      xml_.Attribute("name", AnomalyName(anomaly));
      xml_.Attribute("count", count);
      xml_.FinishEmpty();
    }
    xml_.Close();
  }
  if (!totals.termination.empty()) xml_.Element("termination", totals.termination);
  if (environment_.include_rusage) WriteRusage();
  xml_.Close();  // dfxml
  Flush();
}

}  // namespace tcpflow
