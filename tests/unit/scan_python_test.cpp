// scan_python_test.cpp: the python scanner with the shipped plugins (python/plugins) and the
// test plugins (tests/python): results and errors in the report extras, start-up failures,
// the bytes a plugin gets (-b, holes, shifts, the py_max_bytes and py_max_total_bytes caps,
// flows without files).
//
// The plugins are found under $TCPFLOW_SRCDIR, else under the TCPFLOW_SRCDIR given at compile
// time (-DTCPFLOW_SRCDIR="\"/path/to/source\"").
#include "scan_python.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/sink_slots.h"
#include "stored_stream.h"

namespace tcpflow {
namespace {

using testing::B;
using testing::GiveSlots;

std::string SourceDir() {
  if (const char* dir = std::getenv("TCPFLOW_SRCDIR"); dir != nullptr && *dir != '\0') return dir;
  return TCPFLOW_SRCDIR;
}

std::string TestPlugins() {
  return SourceDir() + "/tests/python";
}
std::string ShippedPlugins() {
  return SourceDir() + "/python/plugins";
}

// "tls" ClientHello record (RFC 8446 section 4.1.2) with a server_name extension (RFC 6066).
std::string ClientHelloWithSni(const std::string& host) {
  auto u16 = [](std::size_t v) { return std::string{char(v >> 8), char(v & 0xff)}; };
  const std::string name_list = u16(host.size() + 3) + '\0' + u16(host.size()) + host;
  const std::string extensions = u16(0) + u16(name_list.size()) + name_list;
  std::string body = std::string("\x03\x03", 2) + std::string(32, '\x11');
  body += std::string(1, '\0');                 // empty session id
  body += u16(2) + std::string("\x13\x01", 2);  // one cipher suite
  body += std::string("\x01\x00", 2);           // compression: null
  body += u16(extensions.size()) + extensions;
  const std::string handshake =
      std::string("\x01\x00", 2) + u16(body.size()) + body;  // type 1, 24-bit length
  return std::string("\x16\x03\x01", 3) + u16(handshake.size()) + handshake;
}

class ScanPythonTest : public ::testing::Test {
 protected:
  ScanPythonTest() {
    const std::uint8_t a[4] = {10, 0, 0, 1};
    const std::uint8_t b[4] = {10, 0, 0, 2};
    key_ = FlowKey{IpAddress::V4(a), IpAddress::V4(b), 1234, 80, kNoVlan};
  }

  // Starts a scanner on tests/python/checks.py's `function`; fails the test if it cannot.
  std::unique_ptr<PythonScanner> Start(const std::string& function,
                                       std::uint64_t max_bytes = 16 << 20,
                                       std::uint64_t max_total_bytes = 256 << 20) {
    config_.path = TestPlugins();
    config_.module = "checks";
    config_.function = function;
    config_.max_bytes = max_bytes;
    config_.max_total_bytes = max_total_bytes;
    auto scanner = PythonScanner::Create(config_, anomalies_, &error_);
    EXPECT_NE(scanner, nullptr) << error_;
    if (scanner) GiveSlots(*scanner);
    return scanner;
  }

  std::unique_ptr<Flow> NewFlow() { return std::make_unique<Flow>(key_, limits_, budget_); }

  // Feeds `data` at offset 0 to a new flow, closes it and returns the flow.
  std::unique_ptr<Flow> Scan(PythonScanner& scanner, const std::string& data) {
    auto flow = NewFlow();
    scanner.OnFlowOpen(*flow);
    scanner.OnData(*flow, 0, B(data), Timeval{});
    scanner.OnFlowClose(*flow, {});
    return flow;
  }

  // The text of the flow's single python result (fails the test when there is not exactly one).
  static std::string ResultText(const Flow& flow) {
    EXPECT_EQ(flow.extras.size(), 1u);
    if (flow.extras.size() != 1) return "<no result>";
    EXPECT_EQ(Attribute(flow.extras[0], "error"), "<none>");
    return flow.extras[0].text;
  }

  static std::string Attribute(const ReportExtra& extra, const std::string& name) {
    for (const auto& [key, value] : extra.attributes) {
      if (key == name) return value;
    }
    return "<none>";
  }

  std::string CreateError(const std::string& path, const std::string& module,
                          const std::string& function) {
    PythonScanConfig config;
    config.path = path;
    config.module = module;
    config.function = function;
    std::string error;
    EXPECT_EQ(PythonScanner::Create(config, anomalies_, &error), nullptr);
    return error;
  }

  PythonScanConfig config_;
  AnomalyCounters anomalies_;
  std::string error_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowKey key_;
};

TEST_F(ScanPythonTest, ConfigComesFromTheSettings) {
  Config run;
  run.scanners.python = PythonSettings{"plugins", "m", "f", 1000, 5000};
  PythonScanConfig config;
  std::string error;
  ASSERT_TRUE(MakePythonScanConfig(run, &config, &error)) << error;
  EXPECT_EQ(config.path, "plugins");
  EXPECT_EQ(config.module, "m");
  EXPECT_EQ(config.function, "f");
  EXPECT_EQ(config.max_bytes, 1000u);
  EXPECT_EQ(config.max_total_bytes, 5000u);
}

TEST_F(ScanPythonTest, ConfigNamesTheMissingSetting) {
  Config run;
  run.scanners.python.function = "f";
  PythonScanConfig config;
  std::string error;
  EXPECT_FALSE(MakePythonScanConfig(run, &config, &error));
  EXPECT_NE(error.find("-S py_module="), std::string::npos) << error;
  run.scanners.python.module = "m";
  run.scanners.python.function = "";
  EXPECT_FALSE(MakePythonScanConfig(run, &config, &error));
  EXPECT_NE(error.find("-S py_function="), std::string::npos) << error;
  EXPECT_EQ(config.module, "");  // unchanged on failure
}

TEST_F(ScanPythonTest, SamplePluginResultGoesToExtras) {
  config_.path = ShippedPlugins();
  config_.module = "sample";
  config_.function = "scan";
  auto scanner = PythonScanner::Create(config_, anomalies_, &error_);
  ASSERT_NE(scanner, nullptr) << error_;
  GiveSlots(*scanner);

  auto first = Scan(*scanner, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
  ASSERT_EQ(first->extras.size(), 1u);
  const ReportExtra& extra = first->extras[0];
  EXPECT_EQ(extra.element, "tcpflow:result");
  const std::vector<std::pair<std::string, std::string>> expected = {{"scanner", "python"},
                                                                     {"path", ShippedPlugins()},
                                                                     {"module", "sample"},
                                                                     {"function", "scan"}};
  EXPECT_EQ(extra.attributes, expected);
  EXPECT_EQ(extra.text, "flow 1: 27 bytes, 3 lines, first line: GET / HTTP/1.0");
  EXPECT_TRUE(extra.children.empty());

  auto second = Scan(*scanner, std::string("\x01\xff", 2));
  EXPECT_EQ(ResultText(*second), "flow 2: 2 bytes, 0 lines, first line: \\x01\\xff");
  EXPECT_EQ(scanner->calls(), 2u);
  EXPECT_EQ(scanner->errors(), 0u);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanPythonTest, RaisingPluginIsReportedOncePerFlowAndTheRunContinues) {
  auto scanner = Start("raise_on_bad");
  ASSERT_NE(scanner, nullptr);
  auto bad = NewFlow();
  scanner->OnData(*bad, 0, B("BAD"), Timeval{});
  scanner->OnData(*bad, 3, B("!!!"), Timeval{});
  scanner->OnFlowClose(*bad, {});
  ASSERT_EQ(bad->extras.size(), 1u);
  EXPECT_EQ(bad->extras[0].element, "tcpflow:result");
  EXPECT_EQ(Attribute(bad->extras[0], "scanner"), "python");
  EXPECT_EQ(Attribute(bad->extras[0], "error"), "ValueError: bad flow of 6 bytes");
  EXPECT_EQ(bad->extras[0].text, "");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonError), 1u);

  auto good = Scan(*scanner, "fine");
  EXPECT_EQ(ResultText(*good), "good");
  auto bad_again = Scan(*scanner, "BAD");
  EXPECT_EQ(Attribute(bad_again->extras.at(0), "error"), "ValueError: bad flow of 3 bytes");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonError), 2u);
  EXPECT_EQ(scanner->calls(), 3u);
  EXPECT_EQ(scanner->errors(), 2u);
}

TEST_F(ScanPythonTest, SystemExitIsAnErrorNotAnExit) {
  auto scanner = Start("exit_call");
  ASSERT_NE(scanner, nullptr);
  auto flow = Scan(*scanner, "x");
  EXPECT_EQ(Attribute(flow->extras.at(0), "error"), "SystemExit: 3");
  EXPECT_EQ(scanner->errors(), 1u);
}

TEST_F(ScanPythonTest, ResultKinds) {
  {
    auto scanner = Start("returns_none");
    ASSERT_NE(scanner, nullptr);
    EXPECT_TRUE(Scan(*scanner, "abc")->extras.empty());
    EXPECT_EQ(scanner->calls(), 1u);
  }
  {
    auto scanner = Start("returns_int");  // other objects: str(result)
    ASSERT_NE(scanner, nullptr);
    EXPECT_EQ(ResultText(*Scan(*scanner, "abcd")), "4");
  }
  {
    auto scanner = Start("returns_unicode");
    ASSERT_NE(scanner, nullptr);
    EXPECT_EQ(ResultText(*Scan(*scanner, "a")), "h\xc3\xa9llo \xe2\x9c\x93");
  }
  {
    auto scanner = Start("returns_surrogate");  // not encodable as UTF-8
    ASSERT_NE(scanner, nullptr);
    auto flow = Scan(*scanner, "a");
    EXPECT_EQ(Attribute(flow->extras.at(0), "error").rfind("UnicodeEncodeError: ", 0), 0u)
        << Attribute(flow->extras.at(0), "error");
    EXPECT_EQ(scanner->errors(), 1u);
  }
  {
    auto scanner = Start("bad_str");
    ASSERT_NE(scanner, nullptr);
    auto flow = Scan(*scanner, "a");
    EXPECT_EQ(Attribute(flow->extras.at(0), "error"), "RuntimeError: no text for you");
  }
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonError), 2u);
}

TEST_F(ScanPythonTest, CreateFailsClearlyForAMissingModule) {
  const std::string error = CreateError(TestPlugins(), "no_such_module", "f");
  EXPECT_EQ(error, "python scanner: cannot import module 'no_such_module' from '" + TestPlugins() +
                       "': ModuleNotFoundError: No module named 'no_such_module'");
  // The interpreter was stopped again: a scanner can be created now.
  EXPECT_NE(Start("describe"), nullptr);
}

TEST_F(ScanPythonTest, CreateFailsClearlyForAModuleThatRaisesOnImport) {
  EXPECT_EQ(CreateError(TestPlugins(), "broken_import", "f"),
            "python scanner: cannot import module 'broken_import' from '" + TestPlugins() +
                "': RuntimeError: plugin refuses to load");
}

TEST_F(ScanPythonTest, CreateFailsClearlyForAMissingFunction) {
  EXPECT_EQ(CreateError(TestPlugins(), "checks", "nope"),
            "python scanner: module 'checks' has no function 'nope': AttributeError: module "
            "'checks' has no attribute 'nope'");
}

TEST_F(ScanPythonTest, CreateFailsClearlyForSomethingNotCallable) {
  EXPECT_EQ(CreateError(TestPlugins(), "checks", "not_callable"),
            "python scanner: 'checks.not_callable' is not callable (it is of type 'int')");
}

TEST_F(ScanPythonTest, OnlyOneScannerAtATime) {
  auto first = Start("describe");
  ASSERT_NE(first, nullptr);
  const std::string error = CreateError(TestPlugins(), "checks", "describe");
  EXPECT_NE(error.find("already running"), std::string::npos) << error;
  // The first one still works.
  EXPECT_EQ(ResultText(*Scan(*first, "a")), "type=bytes len=1 hex=61");
}

void IgnoreSignal(int) {}

TEST_F(ScanPythonTest, InterpreterLeavesSignalsAndLocaleAlone) {
  struct sigaction ours = {};
  ours.sa_handler = IgnoreSignal;
  struct sigaction saved_int = {};
  ASSERT_EQ(sigaction(SIGINT, &ours, &saved_int), 0);
  struct sigaction pipe_before = {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &pipe_before), 0);
  const std::string locale_before = std::setlocale(LC_CTYPE, nullptr);
  {
    auto scanner = Start("describe");
    ASSERT_NE(scanner, nullptr);
    struct sigaction now = {};
    ASSERT_EQ(sigaction(SIGINT, nullptr, &now), 0);
    EXPECT_EQ(now.sa_handler, &IgnoreSignal);  // Python did not take SIGINT
    ASSERT_EQ(sigaction(SIGPIPE, nullptr, &now), 0);
    EXPECT_EQ(now.sa_handler, pipe_before.sa_handler);
    EXPECT_EQ(std::setlocale(LC_CTYPE, nullptr), locale_before);
  }
  struct sigaction after = {};
  ASSERT_EQ(sigaction(SIGINT, &saved_int, &after), 0);
  EXPECT_EQ(after.sa_handler, &IgnoreSignal);  // nor when it was finalised
}

TEST_F(ScanPythonTest, RelativePathIsResolvedAgainstTheCurrentDirectory) {
  const std::filesystem::path saved = std::filesystem::current_path();
  std::filesystem::current_path(SourceDir());
  config_.path = "tests/python";
  config_.module = "checks";
  config_.function = "describe";
  auto scanner = PythonScanner::Create(config_, anomalies_, &error_);
  std::filesystem::current_path(saved);
  ASSERT_NE(scanner, nullptr) << error_;
  GiveSlots(*scanner);
  auto flow = Scan(*scanner, "z");
  EXPECT_EQ(ResultText(*flow), "type=bytes len=1 hex=7a");
  EXPECT_EQ(Attribute(flow->extras[0], "path"), "tests/python");  // as given
}

TEST_F(ScanPythonTest, EachScannerStartsWithFreshModuleState) {
  for (int round = 0; round < 2; ++round) {
    auto scanner = Start("count");
    ASSERT_NE(scanner, nullptr);
    EXPECT_EQ(ResultText(*Scan(*scanner, "a")), "call 1");
    EXPECT_EQ(ResultText(*Scan(*scanner, "b")), "call 2");
  }
}

TEST_F(ScanPythonTest, BytesWithNulsAndHighBytesArriveIntact) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  std::string all;
  std::string hex;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
    const char digits[] = "0123456789abcdef";
    hex += digits[i >> 4];
    hex += digits[i & 15];
  }
  EXPECT_EQ(ResultText(*Scan(*scanner, all)), "type=bytes len=256 hex=" + hex);
  EXPECT_EQ(ResultText(*Scan(*scanner, std::string("\0\0a", 3))), "type=bytes len=3 hex=000061");
}

TEST_F(ScanPythonTest, MaxBytesPerFlowCutsWhatThePluginSees) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  StoredStream stored(4);  // -b 4
  stored.Add(scanner.get());
  GiveSlots(stored);
  auto flow = NewFlow();
  stored.OnFileCreated(*flow, "flowfile");
  stored.OnData(*flow, 0, B("abcdef"), Timeval{});
  stored.OnGap(*flow, 6, 4, Timeval{});
  stored.OnData(*flow, 10, B("zz"), Timeval{});  // beyond -b: not in the file either
  stored.OnFlowClose(*flow, {});
  EXPECT_EQ(ResultText(*flow), "type=bytes len=4 hex=61626364");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonInputCapped), 0u);  // -b is not the python cap

  auto beyond = NewFlow();  // everything beyond -b: nothing stored, no call
  stored.OnFileCreated(*beyond, "flowfile");
  stored.OnData(*beyond, 4, B("xyz"), Timeval{});
  stored.OnFlowClose(*beyond, {});
  EXPECT_TRUE(beyond->extras.empty());
  EXPECT_EQ(scanner->calls(), 1u);
}

TEST_F(ScanPythonTest, HolesAreZerosAndLateFillsOverwrite) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  auto holed = NewFlow();
  scanner->OnData(*holed, 0, B("ab"), Timeval{});
  scanner->OnGap(*holed, 2, 2, Timeval{});
  scanner->OnData(*holed, 4, B("ef"), Timeval{});
  scanner->OnFlowClose(*holed, {});
  EXPECT_EQ(ResultText(*holed), "type=bytes len=6 hex=616200006566");

  auto filled = NewFlow();
  scanner->OnData(*filled, 2, B("cd"), Timeval{});  // the front is missing at first
  scanner->OnData(*filled, 0, B("ab"), Timeval{});
  scanner->OnData(*filled, 1, B("B"), Timeval{});  // a rewrite
  scanner->OnFlowClose(*filled, {});
  EXPECT_EQ(ResultText(*filled), "type=bytes len=4 hex=61426364");
}

TEST_F(ScanPythonTest, ShiftMovesStoredBytesUp) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  auto flow = NewFlow();
  scanner->OnData(*flow, 0, B("cde"), Timeval{});
  scanner->OnStoredShift(*flow, 2, 5);  // "cde" now at offset 2, the front is a hole
  scanner->OnData(*flow, 0, B("a"), Timeval{});
  scanner->OnStoredShift(*flow, 1, 5);  // everything moves up one more; the file keeps 5 bytes
  scanner->OnFlowClose(*flow, {});
  EXPECT_EQ(ResultText(*flow), "type=bytes len=5 hex=0061006364");
}

TEST_F(ScanPythonTest, ShiftBehindTheStoredStreamKeepsWithinB) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  StoredStream stored(5);  // -b 5: the StoredStream says so, the scanner knows nothing of -b
  stored.Add(scanner.get());
  GiveSlots(stored);
  auto flow = NewFlow();
  stored.OnFileCreated(*flow, "flowfile");
  stored.OnData(*flow, 0, B("cde"), Timeval{});
  stored.OnShift(*flow, 2);
  stored.OnData(*flow, 0, B("a"), Timeval{});
  stored.OnShift(*flow, 1);
  stored.OnFlowClose(*flow, {});
  EXPECT_EQ(ResultText(*flow), "type=bytes len=5 hex=0061006364");
}

TEST_F(ScanPythonTest, FlowsWithoutAFileOrWithoutBytesAreSkipped) {
  auto scanner = Start("describe");
  ASSERT_NE(scanner, nullptr);
  StoredStream stored(-1);
  stored.Add(scanner.get());
  GiveSlots(stored);
  auto no_file = NewFlow();
  stored.OnFlowOpen(*no_file);
  stored.OnData(*no_file, 0, B("data"), Timeval{});
  stored.OnShift(*no_file, 3);
  stored.OnFlowClose(*no_file, {});
  EXPECT_TRUE(no_file->extras.empty());

  auto empty = NewFlow();
  scanner->OnFlowOpen(*empty);
  scanner->OnData(*empty, 0, B(""), Timeval{});
  scanner->OnFlowClose(*empty, {});
  EXPECT_TRUE(empty->extras.empty());
  EXPECT_EQ(scanner->calls(), 0u);
}

TEST_F(ScanPythonTest, PyMaxBytesKeepsThePrefixAndCountsOncePerFlow) {
  auto scanner = Start("describe", 5);
  ASSERT_NE(scanner, nullptr);
  auto flow = NewFlow();
  scanner->OnData(*flow, 0, B("0123"), Timeval{});
  scanner->OnData(*flow, 4, B("456"), Timeval{});  // crosses the cap
  scanner->OnData(*flow, 7, B("789"), Timeval{});  // wholly beyond it
  scanner->OnData(*flow, 1, B("X"), Timeval{});    // a late fill under the cap still counts
  scanner->OnFlowClose(*flow, {});
  EXPECT_EQ(ResultText(*flow), "type=bytes len=5 hex=3058323334");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonInputCapped), 1u);
  ASSERT_EQ(flow->anomalies.entries().size(), 1u) << "counted for the flow too";
  EXPECT_EQ(flow->anomalies.entries()[0], (FlowAnomalies::Entry{Anomaly::kPythonInputCapped, 1}));

  auto shifted = NewFlow();  // a shift that pushes bytes past the cap
  scanner->OnData(*shifted, 0, B("abcd"), Timeval{});
  scanner->OnStoredShift(*shifted, 3, UINT64_MAX);
  scanner->OnFlowClose(*shifted, {});
  EXPECT_EQ(ResultText(*shifted), "type=bytes len=5 hex=0000006162");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonInputCapped), 2u);
}

TEST_F(ScanPythonTest, PyMaxTotalBytesBoundsAllFlowsAndClosedFlowsGiveBytesBack) {
  auto scanner = Start("describe", 16 << 20, /*max_total_bytes=*/10);
  ASSERT_NE(scanner, nullptr);
  auto a = NewFlow();
  auto b = NewFlow();
  scanner->OnData(*a, 0, B("012345"), Timeval{});
  scanner->OnData(*b, 0, B("abcdef"), Timeval{});  // only 4 bytes of budget left
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonTotalCapped), 1u);
  scanner->OnData(*b, 6, B("gh"), Timeval{});  // beyond b's prefix: dropped, not counted again
  scanner->OnData(*b, 1, B("X"), Timeval{});   // a late fill inside the prefix lands
  scanner->OnData(*a, 6, B("67"), Timeval{});  // a cannot grow either
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonTotalCapped), 2u);
  EXPECT_LE(scanner->held_bytes(), 10u);
  scanner->OnFlowClose(*a, {});
  EXPECT_EQ(ResultText(*a), "type=bytes len=6 hex=303132333435");
  EXPECT_LE(scanner->held_bytes(), 4u);  // a's bytes went back to the budget
  auto c = NewFlow();
  scanner->OnData(*c, 0, B("xyz"), Timeval{});
  scanner->OnData(*c, 3, B("uvw"), Timeval{});  // fits in what a gave back
  scanner->OnFlowClose(*c, {});
  EXPECT_EQ(ResultText(*c), "type=bytes len=6 hex=78797a757677");
  scanner->OnFlowClose(*b, {});
  EXPECT_EQ(ResultText(*b), "type=bytes len=4 hex=61586364");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonTotalCapped), 2u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonInputCapped), 0u);  // not the per-flow cap
  EXPECT_EQ(scanner->held_bytes(), 0u);
}

TEST_F(ScanPythonTest, PyMaxTotalBytesHoldsForByteByByteGrowthAndShifts) {
  auto scanner = Start("describe", 16 << 20, /*max_total_bytes=*/100);
  ASSERT_NE(scanner, nullptr);
  auto flow = NewFlow();
  for (std::uint64_t i = 0; i < 300; ++i) {
    scanner->OnData(*flow, i, B("z"), Timeval{});
    ASSERT_LE(scanner->held_bytes(), 100u) << "after byte " << i;  // growth spare included
  }
  scanner->OnFlowClose(*flow, {});
  std::string hex;
  for (int i = 0; i < 100; ++i) hex += "7a";
  EXPECT_EQ(ResultText(*flow), "type=bytes len=100 hex=" + hex);
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonTotalCapped), 1u);

  auto shifted = NewFlow();  // a shift that would need more than the budget
  scanner->OnData(*shifted, 0, B("abcd"), Timeval{});
  scanner->OnStoredShift(*shifted, 97, UINT64_MAX);
  EXPECT_LE(scanner->held_bytes(), 100u);
  scanner->OnFlowClose(*shifted, {});
  EXPECT_EQ(ResultText(*shifted), "type=bytes len=100 hex=" + std::string(194, '0') + "616263");
  EXPECT_EQ(anomalies_.Get(Anomaly::kPythonTotalCapped), 2u);
}

TEST_F(ScanPythonTest, ProtocolPluginNamesCannedFlows) {
  config_.path = ShippedPlugins();
  config_.module = "protocol";
  config_.function = "detect";
  auto scanner = PythonScanner::Create(config_, anomalies_, &error_);
  ASSERT_NE(scanner, nullptr) << error_;
  GiveSlots(*scanner);
  EXPECT_EQ(ResultText(*Scan(*scanner,
                             "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: "
                             "*/*\r\n\r\n")),
            "http request method=GET host=www.example.com path=/index.html");
  EXPECT_EQ(ResultText(*Scan(*scanner, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")),
            "http response status=200 version=1.0");
  EXPECT_EQ(ResultText(*Scan(*scanner, ClientHelloWithSni("example.com"))),
            "tls client_hello version=1.2 sni=example.com");
  EXPECT_EQ(ResultText(*Scan(*scanner, "SSH-2.0-OpenSSH_9.2p1\r\n")),
            "ssh version=2.0 software=OpenSSH_9.2p1");
  // Unknown bytes: None, so nothing in the report.
  EXPECT_TRUE(Scan(*scanner, std::string(40, '\0'))->extras.empty());
  EXPECT_EQ(scanner->errors(), 0u);
}

TEST_F(ScanPythonTest, ProtocolPluginSelfCheckPasses) {
  config_.path = TestPlugins();
  config_.module = "protocol_check";
  config_.function = "run";
  auto scanner = PythonScanner::Create(config_, anomalies_, &error_);
  ASSERT_NE(scanner, nullptr) << error_;
  GiveSlots(*scanner);
  auto flow = Scan(*scanner, "x");
  ASSERT_EQ(flow->extras.size(), 1u);
  EXPECT_EQ(Attribute(flow->extras[0], "error"), "<none>");
  EXPECT_EQ(flow->extras[0].text.rfind("ok ", 0), 0u) << flow->extras[0].text;
}

}  // namespace
}  // namespace tcpflow
