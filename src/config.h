// config.h: the one typed configuration, parsed from the command line, read-only afterwards.
//
// Design note: ParseCommandLine turns argv into a Config (a sub-struct per component) and is the
// only place that knows option letters. Every component receives the part it needs by const
// reference. Nothing here touches the file system or libpcap. This header also holds the two
// tables of what the command line can name: kSettings (every -S setting, with its type, range,
// default, owner, help and field) and kScanners (every scanner, with its factory), so that a new
// scanner is its own source file, its rows here (and its settings struct) and a line in
// Makefile.am.
#ifndef TCPFLOW_CONFIG_H
#define TCPFLOW_CONFIG_H

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "build_config.h"

namespace tcpflow {

inline constexpr const char* kDefaultFilenameTemplate = "%A.%a-%B.%b%V%v%C%c";

struct InputConfig {
  std::vector<std::string> read_files;    // -r (repeatable, "-" = stdin) and -l arguments, in order
  std::vector<std::string> finish_files;  // -R: only continue existing flows; read after read_files
  std::string interface;                  // -i; empty = not live (unless no files: default device)
  std::string bpf_expression;             // words after the options, joined with single spaces
  bool promiscuous = true;                // -p clears it
  int packet_buffer_timeout_ms = 10;      // -S packet-buffer-timeout
  bool operator==(const InputConfig&) const = default;
};

struct IpConfig {
  std::uint32_t fragment_timeout_sec = 30;         // -S frag_timeout (capture time)
  std::uint64_t max_fragment_datagrams = 4096;     // -S frag_max_datagrams
  std::uint64_t max_fragment_bytes = 64ull << 20;  // -S frag_max_bytes
  bool operator==(const IpConfig&) const = default;
};

struct ReassemblyConfig {
  std::uint64_t max_seek = 16777216;              // -m: a jump beyond this starts a new flow
  std::int64_t max_bytes_per_flow = -1;           // -b: negative = unlimited
  bool overlap_last = false;                      // -S overlap=last: last copy wins (reference)
  std::uint32_t tcp_timeout_sec = 0;              // -S tcp_timeout: 0 = off
  std::uint64_t max_buffered_per_flow = 4 << 20;  // -S max_ooo_per_flow: out-of-order bytes held
  std::uint64_t max_buffered_total = 256 << 20;   // -S max_ooo_total
  // -S max_flows: most flow directions open at once; when a new one would pass it, the least
  // recently active flow is closed first (written out like an idle timeout). 0 = unlimited.
  // An open flow without buffered data costs about 660 bytes, so the default is about 66 MB.
  std::uint64_t max_flows = 100000;
  bool no_purge = false;  // -P: FIN and RST do not close flows (they close at the end or idle)
  bool operator==(const ReassemblyConfig&) const = default;
};

// -S shard=K/N: only connections whose direction-independent tuple hash falls in shard K of N
// are processed, so N runs split one input with no overlap and no loss.
struct ShardConfig {
  std::uint32_t index = 1;  // K, from 1 to count
  std::uint32_t count = 1;  // N; 1 = everything
  bool operator==(const ShardConfig&) const = default;
};

struct OutputConfig {
  std::string outdir = ".";                                  // -o
  std::string filename_template = kDefaultFilenameTemplate;  // after -T / -F edits, in order
  bool store_output = true;                                  // -FX clears it
  int max_open_files = 0;            // -f; 0 = derive from the process limit
  std::uint32_t writer_threads = 2;  // -S writer_threads: 0 = the packet thread writes
  std::int64_t tdelta = 0;           // -S tdelta: seconds added to timestamps
  bool operator==(const OutputConfig&) const = default;
};

struct ReportConfig {
  bool enabled = true;              // -S enable_report=NO clears it
  std::string path;                 // -X; empty = <outdir>/report.xml
  std::uint32_t holes_listed = 64;  // -S holes_listed: most holes listed per flow (all counted)
  std::string json_path;  // -S json: the JSON Lines flow log; "-" = standard output; "" = none
  bool operator==(const ReportConfig&) const = default;
};

struct ConsoleConfig {
  bool enabled = false;      // -c or -C
  bool print_header = true;  // -C clears it
  bool strip = true;         // -s sets, -B / -D clear
  bool hex = false;          // -D
  bool json = false;         // -J
  bool colour = false;       // -g
  bool newline = true;       // -0 clears it
  bool operator==(const ConsoleConfig&) const = default;
};

// -S tcp_alert_fd / tcp_cmd (and the http scanner's http_alert_fd / http_cmd).
struct AlertConfig {
  int alert_fd = -1;              // descriptor for open/close lines; -1 = off
  std::string command;            // shell command run with each closed file's path; "" = off
  std::size_t max_children = 10;  // commands running at once (the reference's limit)

  bool enabled() const { return alert_fd >= 0 || !command.empty(); }
  bool operator==(const AlertConfig&) const = default;
};

// Settings of the compiled-in scanners (each owned by the scanner named in its rows below).
struct HashSettings {
  // -S hash: more digests per flow file, lower case, in the order given, without repeats
  // (names from kDigestNames). Given without -e md5, only these are computed.
  std::vector<std::string> digests;
  bool operator==(const HashSettings&) const = default;
};

struct HttpSettings {
  std::uint64_t max_body = 256ull << 20;  // -S http_max_body: bytes of one decompressed body
  std::uint64_t max_ratio = 1000;         // -S http_max_ratio: 0 = no limit
  std::uint64_t max_header = 64 << 10;    // -S http_max_header: header block bytes per message
  AlertConfig alerts;                     // -S http_alert_fd / http_cmd
  bool operator==(const HttpSettings&) const = default;
};

struct PythonSettings {
  std::string path;                    // -S py_path: plugin directory ("" = sys.path as is)
  std::string module;                  // -S py_module
  std::string function;                // -S py_function
  std::uint64_t max_bytes = 16 << 20;  // -S py_max_bytes: bytes of one flow given to FN
  // -S py_max_total_bytes: bytes buffered for all open flows together. 256 MiB: 16 flows at the
  // per-flow cap, or thousands of ordinary ones, held at once; the same order as the other
  // total bounds (max_ooo_total is 256 MiB), and far below what 100,000 open flows times
  // py_max_bytes could otherwise take (1.6 TB).
  std::uint64_t max_total_bytes = 256 << 20;
  bool operator==(const PythonSettings&) const = default;
};

// Largest accepted netviz_histogram_size (the address tables are allocated up front).
inline constexpr std::uint64_t kNetvizMaxHistogramSize = 1000000;

struct NetvizSettings {
  std::size_t histogram_size = 1000;  // -S netviz_histogram_size: address entries kept
  bool histogram_dump = false;        // -S netviz_histogram_dump: print the address tables
  bool operator==(const NetvizSettings&) const = default;
};

struct ScannerSettings {
  HashSettings hash;
  HttpSettings http;
  PythonSettings python;
  NetvizSettings netviz;
  bool check_fcs = true;  // -S check_fcs (wifiviz, which this version does not implement)
  bool operator==(const ScannerSettings&) const = default;
};

// One -e / -x / -E / -a command, applied in order after parsing.
struct ScannerCommand {
  enum class Op { kEnable, kDisable, kEnableOnly, kEnableAll } op;
  std::string name;  // "all" allowed for kEnable
  bool operator==(const ScannerCommand&) const = default;
};

enum class RunMode {
  kRun,           // process input
  kHelp,          // -h
  kHelpMore,      // -hh
  kHelpScanners,  // -H
  kVersion,       // -V
};

// The debug level (-v, -d 10) from which every flow event gets a line on stderr.
inline constexpr int kFlowEventsDebugLevel = 10;

struct Config {
  RunMode mode = RunMode::kRun;
  int debug_level = 1;       // -d N (negative resets to 1), -v = 10
  bool quiet = false;        // -q
  std::string command_line;  // argv joined with spaces (for report.xml)
  // -S seed: seeds every hash of the run (flow table, fragment index, -K files, netviz), so a
  // run can be repeated exactly; 0 (the default) draws one at random.
  std::uint64_t seed = 0;

  InputConfig input;
  IpConfig ip;
  ReassemblyConfig reassembly;
  ShardConfig shard;
  OutputConfig output;
  ReportConfig report;
  ConsoleConfig console;
  AlertConfig alerts;  // -S tcp_alert_fd / tcp_cmd
  std::vector<ScannerCommand> scanner_commands;
  ScannerSettings scanners;

  // Options accepted for compatibility and handled by later components.
  std::string write_unprocessed_path;  // -w
  std::string semlock_name;            // -L
  std::string drop_to_user;            // -U
  std::string chroot_dir;              // -z
  bool findx = false;                  // -I
  bool per_flow_pcap = false;          // -K
  bool no_http_decompress = false;     // -Z

  bool operator==(const Config&) const = default;
};

// The hashes of a run, each seeded from the run's seed (Config::seed, or one drawn at random).
enum class SeedUse : std::uint64_t {
  kFlowTable = 1,
  kFragments,
  kFlowPcaps,
  kNetvizSources,
  kNetvizDestinations,
};
// A well-mixed seed for `use`, fixed by `run_seed` (different uses get unrelated values).
std::uint64_t DeriveSeed(std::uint64_t run_seed, SeedUse use);
// Config::seed when it is set; otherwise one drawn from std::random_device.
std::uint64_t RunSeed(const Config& config);

// True when a program or descriptor is told about each file as it closes (tcp_cmd,
// tcp_alert_fd, http_cmd, http_alert_fd): it must find the file complete then, so files are
// written by the packet thread.
bool AnnouncesClosedFiles(const Config& config);

// Outcome of ParseCommandLine. On kError, `message` says what was wrong (one line, no prefix);
// main prints it with the usage hint and exits non-zero.
struct ParseResult {
  enum class Status { kOk, kError } status = Status::kOk;
  std::string message;
  std::vector<std::string> warnings;  // e.g. "-AH has been deprecated. Just use -a"
};

// Parses argv (argv[0] is the program name) into `out`. Options and operands may be mixed
// (operands are collected, as GNU getopt_long permutes them); "--" ends the options. `out` keeps
// whatever it held for fields no option mentions, so pass a default-constructed Config. On kError
// `out` is left unchanged. "-V" stops parsing at once (mode kVersion). Help modes (-h, -hh, -H)
// skip the checks between options (such as -z needing -U). Keeps no state between calls.
ParseResult ParseCommandLine(int argc, const char* const* argv, Config& out);

// ---------------------------------------------------------------- the -S settings table
// Every -S name this program accepts is one row of kSettings: its type and range (checked by
// ParseCommandLine, so a misspelt name or a bad value stops the run before anything is opened),
// its default (as -S would spell it; config_test checks that it gives a default Config), the
// component that reads it, its help line (-hh, -H) and where it goes in the Config.
enum class SettingType : std::uint8_t {
  kInteger,  // decimal, from `min` to `max`
  kBoolean,  // true when the value starts with Y, y, T, t or 1 (tcpflow 1.6.1's rule): any text
  kText,     // any text, also empty
  kChoice,   // one of `choices` ("first|last")
  kList,     // comma-separated, each one of `choices` (case-insensitive; stored lower case)
  kShard,    // K/N with 1 <= K <= N <= 2^20
};

// A checked value, as the row's type reads it.
struct SettingValue {
  std::string_view text;           // as given
  std::uint64_t number = 0;        // kInteger when not negative; kShard: K
  std::int64_t signed_number = 0;  // kInteger, when it fits
  bool flag = false;               // kBoolean
  std::uint32_t count = 0;         // kShard: N
  std::vector<std::string> items;  // kList: lower case, in order, without repeats or empty items
};

struct SettingInfo {
  std::string_view name;
  SettingType type;
  std::string_view default_value;  // as -S would spell it
  std::string_view owner;          // the component or scanner that reads it
  std::string_view help;
  void (*store)(Config& config, const SettingValue& value);
  std::int64_t min = 0;           // kInteger
  std::uint64_t max = 0;          // kInteger
  std::string_view choices = {};  // kChoice, kList: "a|b|c"
};

// The digests -S hash accepts (OpenSSL names; the report's type is the name in upper case).
inline constexpr std::string_view kDigestNames =
    "md5|sha1|sha224|sha256|sha384|sha512|sha3-256|sha3-512|blake2b512";

inline constexpr std::uint64_t kMaxU32 = 0xffffffffu;
inline constexpr std::uint64_t kMaxU64 = ~std::uint64_t{0};
inline constexpr std::uint64_t kMaxI32 = 0x7fffffffu;
inline constexpr std::uint64_t kMaxI64 = kMaxU64 >> 1;

// In listing order: general, capture, ip, tcpdemux, output, report, then each scanner's.
inline constexpr SettingInfo kSettings[] = {
    {"seed", SettingType::kInteger, "0", "general",
     "seeds every hash of the run, so that it can be repeated; 0 = random",
     [](Config& c, const SettingValue& v) { c.seed = v.number; }, 0, kMaxU64},
    {"debug-prefix", SettingType::kText, "", "general",
     "accepted for compatibility with tcpflow 1.6.1 (no effect)",
     [](Config&, const SettingValue&) {}},
    {"packet-buffer-timeout", SettingType::kInteger, "10", "capture",
     "live capture: milliseconds libpcap may hold packets before delivery",
     [](Config& c, const SettingValue& v) {
       c.input.packet_buffer_timeout_ms = static_cast<int>(v.number);
     },
     0, kMaxI32},
    {"frag_timeout", SettingType::kInteger, "30", "ip",
     "seconds (capture time) an incomplete IP datagram is kept",
     [](Config& c, const SettingValue& v) {
       c.ip.fragment_timeout_sec = static_cast<std::uint32_t>(v.number);
     },
     0, kMaxU32},
    {"frag_max_datagrams", SettingType::kInteger, "4096", "ip",
     "most IP datagrams being reassembled at once",
     [](Config& c, const SettingValue& v) { c.ip.max_fragment_datagrams = v.number; }, 0, kMaxU64},
    {"frag_max_bytes", SettingType::kInteger, "67108864", "ip",
     "most IP fragment bytes held for reassembly",
     [](Config& c, const SettingValue& v) { c.ip.max_fragment_bytes = v.number; }, 0, kMaxU64},
    {"tcp_timeout", SettingType::kInteger, "0", "tcpdemux",
     "close flows idle for this many seconds (capture time); 0 = never",
     [](Config& c, const SettingValue& v) {
       c.reassembly.tcp_timeout_sec = static_cast<std::uint32_t>(v.number);
     },
     0, kMaxU32},
    {"overlap", SettingType::kChoice, "first", "tcpdemux",
     "retransmitted bytes that differ: keep the first or the last copy",
     [](Config& c, const SettingValue& v) { c.reassembly.overlap_last = v.text == "last"; }, 0, 0,
     "first|last"},
    {"max_ooo_per_flow", SettingType::kInteger, "4194304", "tcpdemux",
     "most out-of-order bytes buffered for one flow direction",
     [](Config& c, const SettingValue& v) { c.reassembly.max_buffered_per_flow = v.number; }, 0,
     kMaxU64},
    {"max_ooo_total", SettingType::kInteger, "268435456", "tcpdemux",
     "most out-of-order bytes buffered for all flows",
     [](Config& c, const SettingValue& v) { c.reassembly.max_buffered_total = v.number; }, 0,
     kMaxU64},
    {"max_flows", SettingType::kInteger, "100000", "tcpdemux",
     "most flows (and -K files) open at once, the oldest closed first; 0 = all",
     [](Config& c, const SettingValue& v) { c.reassembly.max_flows = v.number; }, 0, kMaxU64},
    {"shard", SettingType::kShard, "1/1", "tcpdemux",
     "K/N: process only the connections that hash to shard K of N",
     [](Config& c, const SettingValue& v) {
       c.shard.index = static_cast<std::uint32_t>(v.number);
       c.shard.count = v.count;
     }},
    {"tcp_cmd", SettingType::kText, "", "tcpdemux",
     "shell command run with the flow file's name when a flow closes",
     [](Config& c, const SettingValue& v) { c.alerts.command = std::string(v.text); }},
    {"tcp_alert_fd", SettingType::kInteger, "-1", "tcpdemux",
     "file descriptor that receives an open/close line for every flow file",
     [](Config& c, const SettingValue& v) {
       c.alerts.alert_fd = static_cast<int>(v.signed_number);
     },
     -1, kMaxI32},
    {"writer_threads", SettingType::kInteger, "2", "output",
     "threads that write flow files (0: written by the packet thread)",
     [](Config& c, const SettingValue& v) {
       c.output.writer_threads = static_cast<std::uint32_t>(v.number);
     },
     0, 8},
    {"tdelta", SettingType::kInteger, "0", "output",
     "whole seconds added to every packet timestamp",
     [](Config& c, const SettingValue& v) { c.output.tdelta = v.signed_number; },
     -static_cast<std::int64_t>(kMaxI64) - 1, kMaxI64},
    {"enable_report", SettingType::kBoolean, "YES", "report",
     "write the DFXML report; a value not starting with Y, T or 1 turns it off",
     [](Config& c, const SettingValue& v) { c.report.enabled = v.flag; }},
    {"json", SettingType::kText, "", "report",
     "write a JSON Lines log to FILE, a line per connection ('-': stdout)",
     [](Config& c, const SettingValue& v) { c.report.json_path = v.text; }},
    {"holes_listed", SettingType::kInteger, "64", "report",
     "most holes listed per flow direction (the rest are counted)",
     [](Config& c, const SettingValue& v) {
       c.report.holes_listed = static_cast<std::uint32_t>(v.number);
     },
     0, 1024},
    {"hash", SettingType::kList, "", "md5",
     "more digests per flow file, e.g. sha1,sha256 (given alone: only those)",
     [](Config& c, const SettingValue& v) { c.scanners.hash.digests = v.items; }, 0, 0,
     kDigestNames},
    {"http_max_body", SettingType::kInteger, "268435456", "http",
     "most bytes written for one decompressed HTTP body",
     [](Config& c, const SettingValue& v) { c.scanners.http.max_body = v.number; }, 0, kMaxU64},
    {"http_max_ratio", SettingType::kInteger, "1000", "http",
     "most decompressed bytes per compressed byte of a body (0 = no limit)",
     [](Config& c, const SettingValue& v) { c.scanners.http.max_ratio = v.number; }, 0, kMaxU64},
    {"http_max_header", SettingType::kInteger, "65536", "http", "largest HTTP header block parsed",
     [](Config& c, const SettingValue& v) { c.scanners.http.max_header = v.number; }, 1, kMaxU64},
    {"http_cmd", SettingType::kText, "", "http",
     "shell command run with the name of every non-empty HTTP body file",
     [](Config& c, const SettingValue& v) {
       c.scanners.http.alerts.command = std::string(v.text);
     }},
    {"http_alert_fd", SettingType::kInteger, "-1", "http",
     "file descriptor that gets an open/close line for every HTTP body file",
     [](Config& c, const SettingValue& v) {
       c.scanners.http.alerts.alert_fd = static_cast<int>(v.signed_number);
     },
     -1, kMaxI32},
    {"py_path", SettingType::kText, "", "python", "directory that holds the Python plugin module",
     [](Config& c, const SettingValue& v) { c.scanners.python.path = std::string(v.text); }},
    {"py_module", SettingType::kText, "", "python", "name of the Python plugin module",
     [](Config& c, const SettingValue& v) { c.scanners.python.module = std::string(v.text); }},
    {"py_function", SettingType::kText, "", "python",
     "function of that module called with every closed flow",
     [](Config& c, const SettingValue& v) { c.scanners.python.function = std::string(v.text); }},
    {"py_max_bytes", SettingType::kInteger, "16777216", "python",
     "most bytes of one flow given to the function",
     [](Config& c, const SettingValue& v) { c.scanners.python.max_bytes = v.number; }, 1, kMaxU64},
    {"py_max_total_bytes", SettingType::kInteger, "268435456", "python",
     "most bytes held for all flows given to the function",
     [](Config& c, const SettingValue& v) { c.scanners.python.max_total_bytes = v.number; }, 1,
     kMaxU64},
    {"netviz_histogram_size", SettingType::kInteger, "1000", "netviz",
     "most addresses kept in each netviz histogram",
     [](Config& c, const SettingValue& v) {
       c.scanners.netviz.histogram_size = static_cast<std::size_t>(v.number);
     },
     1, kNetvizMaxHistogramSize},
    {"netviz_histogram_dump", SettingType::kInteger, "0", "netviz",
     "non-zero: print the netviz histograms on stdout",
     [](Config& c, const SettingValue& v) { c.scanners.netviz.histogram_dump = v.number != 0; }, 0,
     kMaxU64},
    {"check_fcs", SettingType::kBoolean, "YES", "wifiviz",
     "only accept 802.11 frames whose frame check sequence is valid",
     [](Config& c, const SettingValue& v) { c.scanners.check_fcs = v.flag; }},
};

// The row for `name`, or nullptr.
const SettingInfo* FindSetting(std::string_view name);

// ---------------------------------------------------------------- the scanner table
// Every scanner is one row of kScanners, in fan-out (and report) order, and its own source
// file, which defines the row's factory. A factory is called once per run, for every scanner
// that is compiled in (context.enabled says whether -e/-E/-a/-x left it on); it returns the
// scanner, or nullptr: with *error empty when it has nothing to do, with a one-line *error when
// the run must stop (a bad combination of settings, a plugin that does not load).
class Scanner;
struct ScannerContext;  // scanner.h
using ScannerFactory = std::unique_ptr<Scanner> (*)(const ScannerContext& context,
                                                    std::string* error);

std::unique_ptr<Scanner> MakeHashScanner(const ScannerContext& context, std::string* error);
std::unique_ptr<Scanner> MakeHttpScanner(const ScannerContext& context, std::string* error);
std::unique_ptr<Scanner> MakePythonScanner(const ScannerContext& context, std::string* error);
std::unique_ptr<Scanner> MakeNetvizScanner(const ScannerContext& context, std::string* error);

struct ScannerInfo {
  std::string_view name;         // as -e / -x / -E spell it
  bool enabled_by_default;       // only tcpdemux
  std::string_view description;  // one line, for -H
  // Empty when compiled in; otherwise why it is missing (e.g. built without cairo).
  std::string_view missing_reason;
  ScannerFactory make;  // null: not built, or no scanner object (tcpdemux is the reassembler)
};

inline constexpr ScannerInfo kScanners[] = {
    {"md5", false, "MD5 (and -S hash=sha1,sha256) digest of every flow file, in the report", "",
     MakeHashScanner},
    {"http", false, "HTTP/1.x bodies to <flowfile>-HTTPBODY-NNN[.ext], gzip/deflate inflated", "",
     MakeHttpScanner},
#if HAVE_PYTHON3
    {"python", false, "calls a Python 3 function per closed flow; the result goes in report.xml",
     "", MakePythonScanner},
#else
    {"python", false, "calls a Python 3 function per closed flow; the result goes in report.xml",
     "built without Python 3 (configure found no python3-embed)", nullptr},
#endif
#if HAVE_CAIRO
    {"netviz", false, "one-page PDF summary of the traffic: report.pdf", "", MakeNetvizScanner},
#else
    {"netviz", false, "one-page PDF summary of the traffic: report.pdf",
     "built without cairo (configure found no cairo)", nullptr},
#endif
    {"tcpdemux", true, "TCP reassembly into flow files (on by default)", "", nullptr},
    {"wifiviz", false, "802.11 SSID summary", "not implemented in this version", nullptr},
};
inline constexpr std::size_t kScannerCount = std::size(kScanners);

// The -h text, ending in a newline (more = -hh adds the -S settings with their defaults, the -F
// letters, the -T template tokens and the exit statuses).
std::string UsageText(bool more);

}  // namespace tcpflow

#endif  // TCPFLOW_CONFIG_H
