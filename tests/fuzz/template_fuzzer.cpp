// template_fuzzer.cpp: libFuzzer harness over the flow-file name template (-T, -F) and the
// command-line parser.
//
// Input format: the whole input is a template, expanded for two fixed flows; each of its first
// bytes is also applied as a -F letter; the input split on NUL bytes is argv[1..] for
// ParseCommandLine, and a template it accepts is parsed and expanded too. Beyond the memory
// checks, the contracts of filename_template.h and config.h are checked; a failed check aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "filename_template.h"
#include "fuzz_input.h"
#include "scanner.h"

namespace {

using namespace tcpflow;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "template_fuzzer: check failed: %s\n", what);
  std::abort();
}

std::vector<NameFields> FixedFlows() {
  const std::uint8_t v4_src[4] = {192, 168, 1, 2};
  const std::uint8_t v4_dst[4] = {10, 0, 0, 1};
  const std::uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::uint8_t v6_dst[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd};
  NameFields v4;
  v4.key = FlowKey{IpAddress::V4(v4_src), IpAddress::V4(v4_dst), 49152, 80, 42};
  v4.has_macs = true;
  v4.src_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  v4.dst_mac = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  v4.first_seen_sec = 1600000000;
  v4.flow_id = 123456789;
  v4.session_id = 7;
  NameFields v6;
  v6.key = FlowKey{IpAddress::V6(v6_src), IpAddress::V6(v6_dst), 443, 65535, kNoVlan};
  v6.first_seen_sec = -62167219201;  // before year 0
  v6.flow_id = UINT64_MAX;
  v6.session_id = 0;
  return {v4, v6};
}

// Parses `text` and checks its expansions; returns whether it parsed.
bool CheckTemplate(std::string_view text) {
  std::string error;
  const std::optional<FilenameTemplate> t = FilenameTemplate::Parse(text, &error);
  if (!t) {
    Check(!error.empty(), "Parse failed without a message");
    return false;
  }
  Check(t->text() == text, "text() is not the parsed text");
  for (const NameFields& f : FixedFlows()) {
    for (std::uint32_t counter : {0u, 1u, 2u, 4294967295u}) {
      const std::string name = t->Expand(f, counter);
      std::string appended = "prefix";
      t->ExpandInto(f, counter, appended);
      Check(appended == "prefix" + name, "ExpandInto differs from Expand");
    }
    if (t->UsesCounter()) Check(t->Expand(f, 1) != t->Expand(f, 2), "counter makes no new name");
  }
  return true;
}

// Each -F letter prepends a little; the first kMaxLetters bytes are enough to reach every one.
constexpr std::size_t kMaxLetters = 32;

void CheckFlags(std::string_view text) {
  std::string current(text);
  for (char letter : text.substr(0, kMaxLetters)) {
    const std::string before = current;
    if (!ApplyFilenameFlag(current, letter)) Check(current == before, "bad -F letter changed it");
  }
  std::string once = ApplyTemplateOption(current, text);
  Check(ApplyFilenameFlag(once, 'c'), "-Fc is unknown");
  std::string twice = once;
  ApplyFilenameFlag(twice, 'c');
  Check(twice == once, "-Fc applied twice differs from once");
}

void CheckCommandLine(std::span<const std::uint8_t> data) {
  std::vector<std::string> args{"tcpflow"};
  for (std::span<const std::uint8_t> piece : fuzz::SplitOn(data, std::array<std::uint8_t, 1>{0})) {
    args.emplace_back(piece.begin(), piece.end());
  }
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  Config config;
  config.command_line = "untouched";
  const ParseResult result = ParseCommandLine(static_cast<int>(args.size()), argv.data(), config);
  if (result.status == ParseResult::Status::kError) {
    Check(!result.message.empty(), "error without a message");
    Config untouched;
    untouched.command_line = "untouched";
    Check(config == untouched, "Config changed on error");
    return;
  }
  CheckTemplate(config.output.filename_template);
  ScannerSelection selection;
  std::string error;
  if (!SelectScanners(config.scanner_commands, &selection, &error)) {
    Check(!error.empty(), "SelectScanners failed without a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckTemplate(text);
  CheckFlags(text);
  CheckCommandLine({data, size});
  return 0;
}
