// config.h: the one typed configuration, parsed from the command line, read-only afterwards.
//
// Design note: ParseCommandLine turns argv into a Config (a sub-struct per component) and is the
// only place that knows option letters. Every component receives the part it needs by const
// reference. Nothing here touches the file system or libpcap.
#ifndef TCPFLOW_CONFIG_H
#define TCPFLOW_CONFIG_H

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tcpflow {

inline constexpr const char* kDefaultFilenameTemplate = "%A.%a-%B.%b%V%v%C%c";

struct InputConfig {
  std::vector<std::string> read_files;    // -r (repeatable, "-" = stdin) and -l arguments, in order
  std::vector<std::string> finish_files;  // -R: only continue existing flows; read after read_files
  std::string interface;                  // -i; empty = not live (unless no files: default device)
  std::string bpf_expression;             // words after the options, joined with single spaces
  bool promiscuous = true;                // -p clears it
  int packet_buffer_timeout_ms = 10;      // -S packet-buffer-timeout
};

struct IpConfig {
  std::uint32_t fragment_timeout_sec = 30;         // -S frag_timeout (capture time)
  std::uint64_t max_fragment_datagrams = 4096;     // -S frag_max_datagrams
  std::uint64_t max_fragment_bytes = 64ull << 20;  // -S frag_max_bytes
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
};

// -S shard=K/N: only connections whose direction-independent tuple hash falls in shard K of N
// are processed, so N runs split one input with no overlap and no loss.
struct ShardConfig {
  std::uint32_t index = 1;  // K, from 1 to count
  std::uint32_t count = 1;  // N; 1 = everything
};

struct OutputConfig {
  std::string outdir = ".";                                  // -o
  std::string filename_template = kDefaultFilenameTemplate;  // after -T / -F edits, in order
  bool store_output = true;                                  // -FX clears it
  int max_open_files = 0;            // -f; 0 = derive from the process limit
  std::uint32_t writer_threads = 2;  // -S writer_threads: 0 = the packet thread writes
  std::int64_t tdelta = 0;           // -S tdelta: seconds added to timestamps
};

struct ReportConfig {
  bool enabled = true;  // -S enable_report=NO clears it
  std::string path;     // -X; empty = <outdir>/report.xml
};

struct ConsoleConfig {
  bool enabled = false;      // -c or -C
  bool print_header = true;  // -C clears it
  bool strip = true;         // -s sets, -B / -D clear
  bool hex = false;          // -D
  bool json = false;         // -J
  bool colour = false;       // -g
  bool newline = true;       // -0 clears it
};

// One -e / -x / -E / -a command, applied in order after parsing.
struct ScannerCommand {
  enum class Op { kEnable, kDisable, kEnableOnly, kEnableAll } op;
  std::string name;  // "all" allowed for kEnable
};

enum class RunMode {
  kRun,           // process input
  kHelp,          // -h
  kHelpMore,      // -hh
  kHelpScanners,  // -H
  kVersion,       // -V
};

struct Config {
  RunMode mode = RunMode::kRun;
  int debug_level = 1;       // -d N (negative resets to 1), -v = 10
  bool quiet = false;        // -q
  std::string command_line;  // argv joined with spaces (for report.xml)

  InputConfig input;
  IpConfig ip;
  ReassemblyConfig reassembly;
  ShardConfig shard;
  OutputConfig output;
  ReportConfig report;
  ConsoleConfig console;
  std::vector<ScannerCommand> scanner_commands;
  // Every -S name=value as given (including the ones also mapped to typed fields above),
  // for scanners to read; later values replace earlier ones.
  std::map<std::string, std::string> settings;

  // Options accepted for compatibility and handled by later components.
  std::string write_unprocessed_path;  // -w
  std::string semlock_name;            // -L
  std::string drop_to_user;            // -U
  std::string chroot_dir;              // -z
  bool findx = false;                  // -I
  bool per_flow_pcap = false;          // -K
  bool no_http_decompress = false;     // -Z
};

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

// A -S name this program knows: listed by -hh (and usable by -H). `owner` is the component or
// scanner that reads it. Names not in this list are still accepted by -S.
struct KnownSetting {
  std::string_view name;
  std::string_view default_value;  // as -S would spell it
  std::string_view owner;
  std::string_view help;
};

// Every known -S name, in listing order. The span refers to static storage.
std::span<const KnownSetting> KnownSettings();

// The -h text, ending in a newline (more = -hh adds the -S settings with their defaults, the -F
// letters, the -T template tokens and the exit statuses).
std::string UsageText(bool more);

}  // namespace tcpflow

#endif  // TCPFLOW_CONFIG_H
