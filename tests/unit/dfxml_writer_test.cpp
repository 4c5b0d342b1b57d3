// dfxml_writer_test.cpp: XML escaping, the element writer, and report.xml (REFERENCE 4.1/4.2).
#include "dfxml_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

namespace tcpflow {
namespace {

// ---- a small well-formedness checker ---------------------------------------------------------

// Decodes one UTF-8 character at xml[i] (RFC 3629 rules); returns its length, or 0 if invalid.
std::size_t DecodeUtf8(std::string_view xml, std::size_t i, std::uint32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(xml[i + k]); };
  std::size_t n = 0;
  if (b(0) < 0x80) {
    cp = b(0);
    return 1;
  } else if ((b(0) & 0xE0) == 0xC0) {
    n = 2;
    cp = b(0) & 0x1F;
  } else if ((b(0) & 0xF0) == 0xE0) {
    n = 3;
    cp = b(0) & 0x0F;
  } else if ((b(0) & 0xF8) == 0xF0) {
    n = 4;
    cp = b(0) & 0x07;
  } else {
    return 0;
  }
  if (xml.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool IsXmlChar(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Returns "" if `xml` is a well-formed XML 1.0 document of the kind we write (declaration, one
// root element, no comments/CDATA/DTD), or the first problem found.
std::string CheckWellFormed(std::string_view xml) {
  for (std::size_t i = 0; i < xml.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = DecodeUtf8(xml, i, cp);
    if (n == 0) return "invalid UTF-8 at " + std::to_string(i);
    if (!IsXmlChar(cp)) return "character not allowed in XML at " + std::to_string(i);
    i += n;
  }
  constexpr std::string_view kDecl = "<?xml version='1.0' encoding='UTF-8'?>";
  if (!xml.starts_with(kDecl)) return "no XML declaration";
  std::size_t i = kDecl.size();
  std::vector<std::string> open;
  bool root_seen = false;
  const auto name_at = [&](std::size_t& k) {
    const std::size_t start = k;
    if (k >= xml.size() || !IsNameStart(xml[k])) return std::string();
    while (k < xml.size() && IsNameChar(xml[k])) ++k;
    return std::string(xml.substr(start, k - start));
  };
  const auto reference_ok = [&](std::size_t k) {  // xml[k] == '&'
    const std::size_t semi = xml.find(';', k);
    if (semi == std::string_view::npos) return false;
    const std::string_view ref = xml.substr(k + 1, semi - k - 1);
    if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "apos" || ref == "quot") return true;
    if (!ref.starts_with("#x") || ref.size() < 3) return false;
    std::uint32_t cp = 0;
    for (char c : ref.substr(2)) {
      const std::size_t digit = std::string_view("0123456789ABCDEF").find(c);
      if (digit == std::string_view::npos) return false;  // we write upper-case hex only
      cp = cp * 16 + static_cast<std::uint32_t>(digit);
      if (cp > 0x10FFFF) return false;
    }
    return IsXmlChar(cp);
  };
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      if (open.empty() && !is_space(xml[i])) return "text outside the root element";
      if (xml[i] == '&' && !reference_ok(i)) return "bad reference at " + std::to_string(i);
      ++i;
      continue;
    }
    ++i;
    if (i < xml.size() && xml[i] == '/') {
      ++i;
      const std::string name = name_at(i);
      if (open.empty() || name != open.back()) return "mismatched end tag </" + name + ">";
      open.pop_back();
      if (i >= xml.size() || xml[i] != '>') return "bad end tag";
      ++i;
      continue;
    }
    const std::string name = name_at(i);
    if (name.empty()) return "bad tag name at " + std::to_string(i);
    if (open.empty() && root_seen) return "second root element";
    root_seen = true;
    std::vector<std::string> attributes;
    while (true) {
      const std::size_t before = i;
      while (i < xml.size() && is_space(xml[i])) ++i;
      if (i >= xml.size()) return "unterminated start tag <" + name;
      if (xml.substr(i, 2) == "/>") {
        i += 2;
        break;
      }
      if (xml[i] == '>') {
        ++i;
        open.push_back(name);
        break;
      }
      if (i == before) return "no space before attribute in <" + name;
      const std::string attribute = name_at(i);
      if (attribute.empty()) return "bad attribute name in <" + name;
      for (const auto& a : attributes) {
        if (a == attribute) return "duplicate attribute " + attribute;
      }
      attributes.push_back(attribute);
      if (i + 1 >= xml.size() || xml[i] != '=' || (xml[i + 1] != '\'' && xml[i + 1] != '"')) {
        return "bad attribute " + attribute;
      }
      const char quote = xml[i + 1];
      i += 2;
      while (i < xml.size() && xml[i] != quote) {
        if (xml[i] == '<') return "'<' in attribute " + attribute;
        if (xml[i] == '&' && !reference_ok(i)) return "bad reference in attribute " + attribute;
        ++i;
      }
      if (i >= xml.size()) return "unterminated attribute " + attribute;
      ++i;
    }
  }
  if (!root_seen) return "no root element";
  if (!open.empty()) return "unclosed element <" + open.back() + ">";
  return "";
}

// ---- fixtures --------------------------------------------------------------------------------

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::V4(bytes);
}

ReportEnvironment FixedEnvironment() {
  ReportEnvironment env;
  env.compiler = "12.2.0";
  env.compilation_date = "2026-01-02T03:04:05";
  env.libraries = {{"zlib", "1.2.13"}, {"libpcap", "1.10.3"}};
  env.os_sysname = "Linux";
  env.os_release = "6.1.0";
  env.os_version = "#1 SMP";
  env.host = "box";
  env.arch = "x86_64";
  env.uid = 1000;
  env.username = "alice";
  env.include_rusage = false;
  return env;
}

ReportHeader Header() {
  ReportHeader h;
  h.program_version = "2.0.0-dev";
  h.command_line = "tcpflow -r a.pcap -o o1";
  h.input_files = {"a.pcap", "b.pcap"};
  h.tdelta = 0;
  h.start_time = {1600000000, 123456};
  return h;
}

// The flow of REFERENCE 4.1.
ReportFlow Flow() {
  ReportFlow f;
  f.filename = "o1/192.168.001.002.34567-010.000.000.001.00080";
  f.filesize = 27;
  f.first_seen = {1600000000, 0};
  f.last_seen = {1600000000, 500000};
  f.has_macs = true;
  f.src_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  f.dst_mac = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  f.key.src = V4(192, 168, 1, 2);
  f.key.dst = V4(10, 0, 0, 1);
  f.key.src_port = 34567;
  f.key.dst_port = 80;
  f.packets = 4;
  f.wire_bytes = 243;
  f.captured_bytes = 243;
  f.evidence.emplace();
  f.evidence->connection_id = 7;
  f.evidence->close_reason = CloseReason::kFin;
  f.evidence->handshake = true;
  return f;
}

constexpr std::string_view kExpectedHeader =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<dfxml xmloutputversion='1.0' xmlns:tcpflow='http://afflib.org/tcpflow/'>\n"
    "  <metadata \n"
    "  xmlns='http://afflib.org/tcpflow/' \n"
    "  xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' \n"
    "  xmlns:dc='http://purl.org/dc/elements/1.1/'>\n"
    "    <dc:type>Feature Extraction</dc:type>\n"
    "  </metadata>\n"
    "  <creator version='1.0'>\n"
    "    <program>TCPFLOW</program>\n"
    "    <version>2.0.0-dev</version>\n"
    "    <build_environment>\n"
    "      <compiler>12.2.0</compiler>\n"
    "      <compilation_date>2026-01-02T03:04:05</compilation_date>\n"
    "      <library name='zlib' version='1.2.13' />\n"
    "      <library name='libpcap' version='1.10.3' />\n"
    "    </build_environment>\n"
    "    <execution_environment>\n"
    "      <os_sysname>Linux</os_sysname>\n"
    "      <os_release>6.1.0</os_release>\n"
    "      <os_version>#1 SMP</os_version>\n"
    "      <host>box</host>\n"
    "      <arch>x86_64</arch>\n"
    "      <command_line>tcpflow -r a.pcap -o o1</command_line>\n"
    "      <uid>1000</uid>\n"
    "      <username>alice</username>\n"
    "      <start_time>2020-09-13T12:26:40Z</start_time>\n"
    "    </execution_environment>\n"
    "  </creator>\n"
    "  <source>\n"
    "    <image_filename>a.pcap</image_filename>\n"
    "    <image_filename>b.pcap</image_filename>\n"
    "  </source>\n"
    "  <configuration>\n"
    "  </configuration>\n"
    "  <tdelta>0</tdelta>\n"
    "  <configuration>\n";

constexpr std::string_view kExpectedFlow =
    "    <fileobject>\n"
    "      <filename>o1/192.168.001.002.34567-010.000.000.001.00080</filename>\n"
    "      <filesize>27</filesize>\n"
    "      <tcpflow startime='2020-09-13T12:26:40Z' endtime='2020-09-13T12:26:40.500000Z' "
    "mac_daddr='66:77:88:99:aa:bb' mac_saddr='00:11:22:33:44:55' family='2' "
    "src_ipn='192.168.1.2' dst_ipn='10.0.0.1' srcport='34567' dstport='80' packets='4' "
    "len='243' />\n"
    "      <tcpflow:flow connection_id='7' close='fin' handshake='yes' />\n"
    "    </fileobject>\n";

constexpr std::string_view kExpectedFooter =
    "  </configuration>\n"
    "  <summary />\n"
    "  <open_fds_at_end>0</open_fds_at_end>\n"
    "  <max_open_flows>2</max_open_flows>\n"
    "  <total_flows>2</total_flows>\n"
    "  <flow_map_size>0</flow_map_size>\n"
    "  <total_packets>7</total_packets>\n"
    "</dfxml>\n";

ReportTotals Totals() {
  ReportTotals t;
  t.max_open_flows = 2;
  t.total_flows = 2;
  t.total_packets = 7;
  return t;
}

// The <fileobject> text that WriteFlow produces for `flow`.
std::string FlowXml(const ReportFlow& flow) {
  std::ostringstream out;
  ReportWriter writer(out, FixedEnvironment());
  writer.WriteHeader(Header());
  const std::size_t header_size = out.str().size();
  writer.WriteFlow(flow);
  return out.str().substr(header_size);
}

std::string Escaped(std::string_view text, bool in_attribute) {
  std::string out;
  AppendXmlEscaped(out, text, in_attribute);
  return out;
}

// ---- escaping --------------------------------------------------------------------------------

TEST(DfxmlWriterTest, EscapesMarkupCharacters) {
  EXPECT_EQ(Escaped("o&<x/>'\"", false), "o&amp;&lt;x/&gt;&apos;&quot;");
  EXPECT_EQ(Escaped("o&<x/>'\"", true), "o&amp;&lt;x/&gt;&apos;&quot;");
  EXPECT_EQ(Escaped("plain text 123 ~", false), "plain text 123 ~");
  EXPECT_EQ(Escaped("", true), "");
  std::string out = "keep:";
  AppendXmlEscaped(out, "&", false);
  EXPECT_EQ(out, "keep:&amp;");
}

TEST(DfxmlWriterTest, EscapesWhitespaceThatParsersWouldChange) {
  EXPECT_EQ(Escaped("a\tb\nc\rd", false), "a\tb\nc&#xD;d");
  EXPECT_EQ(Escaped("a\tb\nc\rd", true), "a&#x9;b&#xA;c&#xD;d");
}

TEST(DfxmlWriterTest, ControlBytesBecomeReplacementCharacters) {
  const std::string controls("\x00\x01\x08\x0b\x0c\x1f", 6);
  std::string expected;
  for (int i = 0; i < 6; ++i) expected += "\xEF\xBF\xBD";
  EXPECT_EQ(Escaped(controls, false), expected);
  EXPECT_EQ(Escaped(controls, true), expected);
  EXPECT_EQ(Escaped("a\x7f"
                    "b",
                    false),
            "a&#x7F;b");
}

TEST(DfxmlWriterTest, KeepsValidUtf8) {
  const std::string text =
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xC2\x80 \xEF\xBF\xBD \xF4\x8F\xBF\xBF";
  EXPECT_EQ(Escaped(text, false), text);
  EXPECT_EQ(Escaped(text, true), text);
}

TEST(DfxmlWriterTest, ReplacesInvalidUtf8ByteByByte) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(Escaped("a\x80z", false), "a" + r + "z");            // stray continuation
  EXPECT_EQ(Escaped("\xC0\x80", false), r + r);                  // overlong NUL
  EXPECT_EQ(Escaped("\xC1\xBF", false), r + r);                  // overlong
  EXPECT_EQ(Escaped("\xE0\x80\x80", false), r + r + r);          // overlong 3-byte
  EXPECT_EQ(Escaped("\xED\xA0\x80", false), r + r + r);          // surrogate D800
  EXPECT_EQ(Escaped("\xF0\x80\x80\x80", false), r + r + r + r);  // overlong 4-byte
  EXPECT_EQ(Escaped("\xF4\x90\x80\x80", false), r + r + r + r);  // beyond U+10FFFF
  EXPECT_EQ(Escaped("\xF5\x80", false), r + r);                  // no such lead byte
  EXPECT_EQ(Escaped("\xFF", false), r);
  EXPECT_EQ(Escaped("\xE2\x82", false), r + r);                 // cut short at the end
  EXPECT_EQ(Escaped("\xE2\x82z", false), r + r + "z");          // cut short by ASCII
  EXPECT_EQ(Escaped("\xEF\xBF\xBE", false), r + r + r);         // U+FFFE
  EXPECT_EQ(Escaped("\xEF\xBF\xBF", false), r + r + r);         // U+FFFF
  EXPECT_EQ(Escaped("\xE9t\xE9", false), r + "t" + r);          // Latin-1 é
  EXPECT_EQ(Escaped("x\xC3\xA9\xC3", false), "x\xC3\xA9" + r);  // valid, then cut
}

TEST(DfxmlWriterTest, EveryByteValueStaysWellFormed) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  all += all;  // and every pair across the boundary 0xFF -> 0x00
  const std::string doc = "<?xml version='1.0' encoding='UTF-8'?><a b='" + Escaped(all, true) +
                          "'>" + Escaped(all, false) + "</a>";
  EXPECT_EQ(CheckWellFormed(doc), "");
}

// The checker must be able to fail, or the well-formedness tests prove nothing.
TEST(DfxmlWriterTest, CheckerRejectsBrokenDocuments) {
  const std::string decl = "<?xml version='1.0' encoding='UTF-8'?>";
  EXPECT_EQ(CheckWellFormed(decl + "<a><b/></a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a><b></a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a>\x01</a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a>\xE9</a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a>&nbsp;</a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a>&#x1;</a>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a x='1' x='2'/>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a x='<'/>"), "");
  EXPECT_NE(CheckWellFormed(decl + "<a/><b/>"), "");
  EXPECT_NE(CheckWellFormed("<a/>"), "");
}

// ---- XmlWriter -------------------------------------------------------------------------------

TEST(DfxmlWriterTest, XmlWriterNestsAndIndents) {
  XmlWriter xml;
  xml.Declaration();
  xml.Open("a");
  xml.StartTag("b");
  xml.Attribute("s", "x&y");
  xml.Attribute("n", -5);
  xml.Attribute("u", std::uint64_t{18446744073709551615u});
  xml.FinishEmpty();
  xml.Element("c", "t<");
  xml.Element("d", std::int64_t{-9223372036854775807 - 1});
  xml.StartTag("e");
  xml.Attribute("k", "v");
  xml.FinishOpen();
  EXPECT_EQ(xml.depth(), 2u);
  xml.EmptyElement("f");
  xml.StartTag("g");
  xml.Attribute("type", "MD5");
  xml.FinishWithText("hex");
  xml.Close();
  xml.Close();
  xml.Close();  // nothing open: ignored
  EXPECT_EQ(xml.depth(), 0u);
  EXPECT_EQ(xml.data(),
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<a>\n"
            "  <b s='x&amp;y' n='-5' u='18446744073709551615' />\n"
            "  <c>t&lt;</c>\n"
            "  <d>-9223372036854775808</d>\n"
            "  <e k='v'>\n"
            "    <f />\n"
            "    <g type='MD5'>hex</g>\n"
            "  </e>\n"
            "</a>\n");
  EXPECT_EQ(CheckWellFormed(xml.data()), "");
}

TEST(DfxmlWriterTest, XmlWriterMakesNamesValid) {
  XmlWriter xml;
  xml.Open("1st tag");
  xml.StartTag("");
  xml.Attribute("bad name<", "v");
  xml.FinishEmpty();
  xml.Element("x/y", "");
  xml.Close();
  EXPECT_EQ(xml.data(),
            "<_1st_tag>\n"
            "  <_ bad_name_='v' />\n"
            "  <x_y></x_y>\n"
            "</_1st_tag>\n");
}

TEST(DfxmlWriterTest, XmlWriterInlineAndClearData) {
  XmlWriter xml;
  xml.Open("a");
  xml.ClearData();  // streamed out; <a> stays open
  xml.StartTag("run");
  xml.SetInline(true);
  xml.Attribute("off", 7);
  xml.FinishOpen();
  xml.Open("f");
  xml.Element("n", "x");
  xml.Close();
  xml.Text("t&");
  xml.Close();
  xml.SetInline(false);
  xml.NewLine();
  xml.Close();
  EXPECT_EQ(xml.data(), "  <run off='7'><f><n>x</n></f>t&amp;</run>\n</a>\n");
}

// ---- ReportWriter ----------------------------------------------------------------------------

TEST(DfxmlWriterTest, WholeReportMatchesTheReferenceShape) {
  std::ostringstream out;
  {
    ReportWriter writer(out, FixedEnvironment());
    writer.WriteHeader(Header());
    writer.WriteFlow(Flow());
    writer.WriteFooter(Totals());
    EXPECT_TRUE(writer.ok());
  }
  EXPECT_EQ(out.str(), std::string(kExpectedHeader) + std::string(kExpectedFlow) +
                           std::string(kExpectedFooter));
  EXPECT_EQ(CheckWellFormed(out.str()), "");
}

TEST(DfxmlWriterTest, OptionalTcpflowAttributesInOrder) {
  ReportFlow flow = Flow();
  flow.out_of_order_count = 1;
  flow.violations = 2;
  flow.captured_bytes = 200;
  flow.first_seen = {1600000000, 100000};
  flow.last_seen = {1600000001, 0};
  EXPECT_NE(FlowXml(flow).find("<tcpflow startime='2020-09-13T12:26:40.100000Z' "
                               "endtime='2020-09-13T12:26:41Z' mac_daddr='66:77:88:99:aa:bb' "
                               "mac_saddr='00:11:22:33:44:55' family='2' src_ipn='192.168.1.2' "
                               "dst_ipn='10.0.0.1' srcport='34567' dstport='80' packets='4' "
                               "out_of_order_count='1' violations='2' len='243' caplen='200' />\n"),
            std::string::npos)
      << FlowXml(flow);
}

TEST(DfxmlWriterTest, MacsLeftOutWhenZeroOrNotReal) {
  ReportFlow flow = Flow();
  flow.src_mac = {};
  std::string xml = FlowXml(flow);
  EXPECT_NE(xml.find("mac_daddr='66:77:88:99:aa:bb' family="), std::string::npos) << xml;
  EXPECT_EQ(xml.find("mac_saddr"), std::string::npos);
  flow = Flow();
  flow.dst_mac = {};
  xml = FlowXml(flow);
  EXPECT_NE(xml.find("len='243' />"), std::string::npos);
  EXPECT_NE(xml.find("endtime='2020-09-13T12:26:40.500000Z' mac_saddr='00:11:22:33:44:55' "
                     "family='2'"),
            std::string::npos)
      << xml;
  flow = Flow();
  flow.has_macs = false;  // e.g. Linux cooked capture: no MACs at all
  xml = FlowXml(flow);
  EXPECT_EQ(xml.find("mac_"), std::string::npos) << xml;
}

TEST(DfxmlWriterTest, Ipv6FlowAndNoFilename) {
  ReportFlow flow = Flow();
  std::uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8};
  std::uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8};
  src[15] = 2;
  dst[15] = 1;
  flow.key.src = IpAddress::V6(src);
  flow.key.dst = IpAddress::V6(dst);
  flow.filename.clear();  // -FX: no file was made
  flow.filesize = 0;
  const std::string xml = FlowXml(flow);
  EXPECT_EQ(xml.find("<filename>"), std::string::npos);
  EXPECT_NE(xml.find("    <fileobject>\n      <filesize>0</filesize>\n"), std::string::npos);
  EXPECT_NE(xml.find("family='10' src_ipn='2001:db8::2' dst_ipn='2001:db8::1'"), std::string::npos)
      << xml;
}

TEST(DfxmlWriterTest, FilenameIsEscaped) {
  ReportFlow flow = Flow();
  flow.filename = "o&<x/\x01\xE9'";
  EXPECT_NE(FlowXml(flow).find("<filename>o&amp;&lt;x/\xEF\xBF\xBD\xEF\xBF\xBD&apos;</filename>"),
            std::string::npos);
}

TEST(DfxmlWriterTest, EvidenceListsCountersHolesAndAnomalies) {
  ReportFlow flow = Flow();
  FlowEvidence& e = *flow.evidence;
  e.close_reason = CloseReason::kEndOfInput;
  e.handshake = false;
  e.missing_bytes = 740;
  e.missing_at_end = 7;
  e.hole_count = 2;
  e.holes = {{0, 3}, {25947, 730}};
  e.retransmitted_bytes = 5;
  e.overlap_bytes = 6;
  e.conflict_bytes = 2;
  e.out_of_order_segments = 26;
  e.anomalies = {{Anomaly::kHttpStreamHole, 1}, {Anomaly::kOverlap, 11}};
  const std::string xml = FlowXml(flow);
  EXPECT_NE(xml.find("len='243' />\n"
                     "      <tcpflow:flow connection_id='7' close='end_of_input' handshake='no' "
                     "missing_bytes='740' missing_at_end='7' holes='2' retransmitted_bytes='5' "
                     "overlap_bytes='6' conflict_bytes='2' out_of_order_segments='26'>\n"
                     "        <tcpflow:hole offset='0' length='3' />\n"
                     "        <tcpflow:hole offset='25947' length='730' />\n"
                     "        <tcpflow:anomaly name='http_stream_hole' count='1' />\n"
                     "        <tcpflow:anomaly name='overlap_bytes' count='11' />\n"
                     "      </tcpflow:flow>\n"
                     "    </fileobject>\n"),
            std::string::npos)
      << xml;
}

TEST(DfxmlWriterTest, CloseReasonsHaveStableNames) {
  EXPECT_EQ(CloseReasonName(CloseReason::kFin), "fin");
  EXPECT_EQ(CloseReasonName(CloseReason::kRst), "rst");
  EXPECT_EQ(CloseReasonName(CloseReason::kIdleTimeout), "idle_timeout");
  EXPECT_EQ(CloseReasonName(CloseReason::kMaxSeek), "max_seek");
  EXPECT_EQ(CloseReasonName(CloseReason::kFlowCap), "flow_cap");
  EXPECT_EQ(CloseReasonName(CloseReason::kEndOfInput), "end_of_input");
  EXPECT_EQ(CloseReasonName(CloseReason::kInterrupted), "interrupted");
}

TEST(DfxmlWriterTest, ExtrasFollowTheTcpflowElementInOrder) {
  ReportFlow flow = Flow();
  flow.extras.push_back({"hashdigest", {{"type", "MD5"}}, "24339252bc18a930eaa265a6508e668a", {}});
  ReportExtra runs{"byte_runs", {}, "", {}};
  runs.children.push_back(
      {"byte_run",
       {{"file_offset", "79"}},
       "",
       {{"fileobject",
         {},
         "",
         {{"filename", {}, "o/x-HTTPBODY-001.html", {}}, {"filesize", {}, "37", {}}}}}});
  runs.children.push_back({"byte_run", {{"file_offset", "181"}}, "", {}});
  flow.extras.push_back(runs);
  flow.extras.push_back({"note", {{"why", "a'b"}}, "", {}});
  flow.extras.push_back({"result", {}, "<raw>&", {}});
  const std::string xml = FlowXml(flow);
  EXPECT_NE(
      xml.find("len='243' />\n"
               "      <tcpflow:flow connection_id='7' close='fin' handshake='yes' />\n"
               "      <hashdigest type='MD5'>24339252bc18a930eaa265a6508e668a</hashdigest>\n"
               "      <byte_runs>\n"
               "        <byte_run file_offset='79'><fileobject><filename>o/x-HTTPBODY-001.html"
               "</filename><filesize>37</filesize></fileobject></byte_run>\n"
               "        <byte_run file_offset='181' />\n"
               "      </byte_runs>\n"
               "      <note why='a&apos;b' />\n"
               "      <result>&lt;raw&gt;&amp;</result>\n"
               "    </fileobject>\n"),
      std::string::npos)
      << xml;
}

TEST(DfxmlWriterTest, FooterAnomaliesAndTermination) {
  AnomalyCounters anomalies;
  ReportTotals totals = Totals();
  totals.anomalies = &anomalies;  // all zero: no <anomalies> element
  std::ostringstream out;
  {
    ReportWriter writer(out, FixedEnvironment());
    writer.WriteHeader(Header());
    writer.WriteFooter(totals);
  }
  EXPECT_TRUE(out.str().ends_with(kExpectedFooter));

  anomalies.Count(Anomaly::kIpFragment, 3);
  anomalies.Count(Anomaly::kTruncatedLinkHeader);
  totals.termination = "write error: No space left on device";
  std::ostringstream out2;
  {
    ReportWriter writer(out2, FixedEnvironment());
    writer.WriteHeader(Header());
    writer.WriteFooter(totals);
  }
  EXPECT_TRUE(
      out2.str().ends_with("  <total_packets>7</total_packets>\n"
                           "  <anomalies>\n"
                           "    <anomaly name='truncated_link_header' count='1' />\n"
                           "    <anomaly name='ip_fragment' count='3' />\n"
                           "  </anomalies>\n"
                           "  <termination>write error: No space left on device</termination>\n"
                           "</dfxml>\n"))
      << out2.str();
  EXPECT_EQ(CheckWellFormed(out2.str()), "");
}

TEST(DfxmlWriterTest, HeaderTdeltaAndHostileStrings) {
  ReportHeader header = Header();
  header.tdelta = -3600;
  header.command_line = "tcpflow -T '%A<&>' \x01\xFF";
  header.input_files = {"in'put\".pcap", "interface:eth0"};
  header.program_version = "v<1>";
  ReportEnvironment env = FixedEnvironment();
  env.username = "\xE9l\xE8ve";
  env.libraries.emplace_back("odd'lib", "1 & 2");
  std::ostringstream out;
  {
    ReportWriter writer(out, env);
    writer.WriteHeader(header);
    ReportFlow flow = Flow();
    flow.first_seen = {1600000000 - 3600, 0};  // times come with tdelta already added
    writer.WriteFlow(flow);
    writer.WriteFooter(Totals());
  }
  const std::string xml = out.str();
  EXPECT_NE(xml.find("  <tdelta>-3600</tdelta>\n"), std::string::npos);
  EXPECT_NE(xml.find("<command_line>tcpflow -T &apos;%A&lt;&amp;&gt;&apos; "
                     "\xEF\xBF\xBD\xEF\xBF\xBD</command_line>"),
            std::string::npos);
  EXPECT_NE(xml.find("<image_filename>in&apos;put&quot;.pcap</image_filename>\n"
                     "    <image_filename>interface:eth0</image_filename>"),
            std::string::npos);
  EXPECT_NE(xml.find("<library name='odd&apos;lib' version='1 &amp; 2' />"), std::string::npos);
  EXPECT_NE(xml.find("startime='2020-09-13T11:26:40Z'"), std::string::npos);
  EXPECT_EQ(CheckWellFormed(xml), "");
}

TEST(DfxmlWriterTest, StreamsEachFlowAtOnce) {
  std::ostringstream out;
  ReportWriter writer(out, FixedEnvironment());
  writer.WriteFlow(Flow());  // before the header: ignored
  EXPECT_EQ(out.str(), "");
  writer.WriteHeader(Header());
  EXPECT_EQ(out.str(), kExpectedHeader);
  writer.WriteFlow(Flow());
  EXPECT_EQ(out.str(), std::string(kExpectedHeader) + std::string(kExpectedFlow));
  writer.WriteFooter(Totals());
  const std::string done = out.str();
  writer.WriteFooter(Totals());  // only the first call writes
  writer.WriteFlow(Flow());      // after the footer: ignored
  EXPECT_EQ(out.str(), done);
}

TEST(DfxmlWriterTest, DestructorClosesAnUnfinishedReport) {
  std::ostringstream out;
  {
    ReportWriter writer(out, FixedEnvironment());
    writer.WriteHeader(Header());
    writer.WriteFlow(Flow());
  }
  EXPECT_TRUE(
      out.str().ends_with("  <total_packets>0</total_packets>\n"
                          "  <termination>report closed before the run ended</termination>\n"
                          "</dfxml>\n"))
      << out.str();
  EXPECT_EQ(CheckWellFormed(out.str()), "");

  std::ostringstream untouched;
  { ReportWriter writer(untouched, FixedEnvironment()); }  // no header: writes nothing
  EXPECT_EQ(untouched.str(), "");
}

TEST(DfxmlWriterTest, OkTurnsFalseWhenTheStreamFails) {
  std::ostringstream good;
  ReportWriter writer(good, FixedEnvironment());
  writer.WriteHeader(Header());
  EXPECT_TRUE(writer.ok());

  std::ostream broken(nullptr);  // no buffer: every write fails
  ReportWriter failing(broken, FixedEnvironment());
  EXPECT_TRUE(failing.ok());
  failing.WriteHeader(Header());
  EXPECT_FALSE(failing.ok());
  failing.WriteFooter(Totals());
  EXPECT_FALSE(failing.ok());
}

TEST(DfxmlWriterTest, RealEnvironmentAndRusage) {
  const ReportEnvironment env = CurrentReportEnvironment();
  EXPECT_TRUE(env.include_rusage);
  EXPECT_FALSE(env.compiler.empty());
  ASSERT_EQ(env.compilation_date.size(), 19u) << env.compilation_date;
  EXPECT_EQ(env.compilation_date[4], '-');
  EXPECT_EQ(env.compilation_date[10], 'T');
  EXPECT_EQ(env.compilation_date[16], ':');
  ASSERT_EQ(env.libraries.size(), 3u);
  EXPECT_EQ(env.libraries[0].first, "zlib");
  EXPECT_EQ(env.libraries[1].first, "openssl");
  EXPECT_EQ(env.libraries[2].first, "libpcap");
  EXPECT_EQ(env.uid, getuid());
  EXPECT_FALSE(env.os_sysname.empty());

  std::ostringstream out;
  {
    ReportWriter writer(out);
    writer.WriteHeader(Header());
    writer.WriteFlow(Flow());
    writer.WriteFooter(Totals());
  }
  const std::string xml = out.str();
  EXPECT_EQ(CheckWellFormed(xml), "");
  std::size_t at = xml.find("  <total_packets>7</total_packets>\n  <rusage>\n");
  ASSERT_NE(at, std::string::npos) << xml;
  for (const char* tag : {"utime", "stime", "maxrss", "minflt", "majflt", "nswap", "inblock",
                          "oublock", "clocktime"}) {
    const std::size_t next = xml.find(std::string("    <") + tag + ">", at);
    ASSERT_NE(next, std::string::npos) << tag;
    at = next;
  }
  const std::size_t clock = xml.find("<clocktime>") + 11;
  const std::size_t dot = xml.find('.', clock);
  EXPECT_EQ(xml.find("</clocktime>", clock) - dot, 7u);  // six decimals
  EXPECT_TRUE(xml.ends_with("  </rusage>\n</dfxml>\n"));
}

}  // namespace
}  // namespace tcpflow
