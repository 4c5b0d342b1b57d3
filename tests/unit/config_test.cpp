// config_test.cpp: ParseCommandLine (every option, clustering, operands, errors) and UsageText.
// The include path is relative on purpose: automake puts the build directory, which holds
// autoconf's own config.h, ahead of src/ on the include path.
#include "../../src/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace tcpflow {
namespace {

struct Parsed {
  ParseResult result;
  Config config;
};

// Parses "tcpflow ARGS..." into a default Config.
Parsed Parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"tcpflow"};
  argv.insert(argv.end(), args.begin(), args.end());
  Parsed parsed;
  parsed.result = ParseCommandLine(static_cast<int>(argv.size()), argv.data(), parsed.config);
  return parsed;
}

// Parses and expects success with no warnings.
Config ParseOk(std::initializer_list<const char*> args) {
  Parsed parsed = Parse(args);
  EXPECT_EQ(parsed.result.status, ParseResult::Status::kOk) << parsed.result.message;
  EXPECT_TRUE(parsed.result.warnings.empty());
  return parsed.config;
}

// Parses and expects an error; returns its message.
std::string ParseError(std::initializer_list<const char*> args) {
  Parsed parsed = Parse(args);
  EXPECT_EQ(parsed.result.status, ParseResult::Status::kError);
  EXPECT_FALSE(parsed.result.message.empty());
  EXPECT_EQ(parsed.result.message.find('\n'), std::string::npos);
  return parsed.result.message;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void ExpectCommand(const ScannerCommand& command, ScannerCommand::Op op, const std::string& name) {
  EXPECT_EQ(command.op, op);
  EXPECT_EQ(command.name, name);
}

TEST(ConfigTest, NoOptionsLeavesDefaults) {
  const Config config = ParseOk({});
  const Config defaults;
  EXPECT_EQ(config.mode, RunMode::kRun);
  EXPECT_EQ(config.command_line, "tcpflow");
  EXPECT_EQ(config.debug_level, 1);
  EXPECT_FALSE(config.quiet);
  EXPECT_TRUE(config.input.read_files.empty());
  EXPECT_TRUE(config.input.finish_files.empty());
  EXPECT_EQ(config.input.interface, "");
  EXPECT_EQ(config.input.bpf_expression, "");
  EXPECT_TRUE(config.input.promiscuous);
  EXPECT_EQ(config.input.packet_buffer_timeout_ms, 10);
  EXPECT_EQ(config.reassembly.max_seek, 16777216u);
  EXPECT_EQ(config.reassembly.max_bytes_per_flow, -1);
  EXPECT_FALSE(config.reassembly.overlap_last);
  EXPECT_EQ(config.reassembly.tcp_timeout_sec, 0u);
  EXPECT_EQ(config.reassembly.max_buffered_per_flow, defaults.reassembly.max_buffered_per_flow);
  EXPECT_EQ(config.reassembly.max_buffered_total, defaults.reassembly.max_buffered_total);
  EXPECT_EQ(config.output.outdir, ".");
  EXPECT_EQ(config.output.filename_template, "%A.%a-%B.%b%V%v%C%c");
  EXPECT_TRUE(config.output.store_output);
  EXPECT_EQ(config.output.max_open_files, 0);
  EXPECT_EQ(config.output.tdelta, 0);
  EXPECT_TRUE(config.report.enabled);
  EXPECT_EQ(config.report.path, "");
  EXPECT_FALSE(config.console.enabled);
  EXPECT_TRUE(config.console.print_header);
  EXPECT_TRUE(config.console.strip);
  EXPECT_FALSE(config.console.hex);
  EXPECT_FALSE(config.console.json);
  EXPECT_FALSE(config.console.colour);
  EXPECT_TRUE(config.console.newline);
  EXPECT_TRUE(config.scanner_commands.empty());
  Config expected;  // everything else as a default Config has it
  expected.command_line = "tcpflow";
  EXPECT_EQ(config, expected);
  EXPECT_EQ(config.write_unprocessed_path, "");
  EXPECT_EQ(config.semlock_name, "");
  EXPECT_EQ(config.drop_to_user, "");
  EXPECT_EQ(config.chroot_dir, "");
  EXPECT_FALSE(config.findx);
  EXPECT_FALSE(config.per_flow_pcap);
  EXPECT_FALSE(config.no_http_decompress);
  EXPECT_FALSE(config.reassembly.no_purge);
}

TEST(ConfigTest, CommandLineIsArgvJoinedWithSpaces) {
  const Config config = ParseOk({"-r", "a b.pcap", "-c", "port", "80"});
  EXPECT_EQ(config.command_line, "tcpflow -r a b.pcap -c port 80");
}

TEST(ConfigTest, ScannerOptionsQueueInOrder) {
  const Config config = ParseOk({"-e", "http", "-x", "tcpdemux", "-E", "md5", "-a", "-eall"});
  ASSERT_EQ(config.scanner_commands.size(), 5u);
  ExpectCommand(config.scanner_commands[0], ScannerCommand::Op::kEnable, "http");
  ExpectCommand(config.scanner_commands[1], ScannerCommand::Op::kDisable, "tcpdemux");
  ExpectCommand(config.scanner_commands[2], ScannerCommand::Op::kEnableOnly, "md5");
  EXPECT_EQ(config.scanner_commands[3].op, ScannerCommand::Op::kEnableAll);
  ExpectCommand(config.scanner_commands[4], ScannerCommand::Op::kEnable, "all");
}

TEST(ConfigTest, ConsoleModeWritesAReportOrFlowLogOnlyWhenNamed) {
  Config config = ParseOk({"-c"});
  EXPECT_FALSE(config.report.enabled) << "-c alone writes no report, as 1.6.1";
  EXPECT_FALSE(config.output.store_output);
  config = ParseOk({"-c", "-X", "rep.xml"});
  EXPECT_TRUE(config.report.enabled);
  EXPECT_EQ(config.report.path, "rep.xml");
  config = ParseOk({"-C", "-S", "json=flows.json"});
  EXPECT_EQ(config.report.json_path, "flows.json");
  EXPECT_NE(ParseError({"-c", "-S", "json=-"}).find("standard output"), std::string::npos);
  config = ParseOk({"-S", "json=-"});
  EXPECT_EQ(config.report.json_path, "-");
}

TEST(ConfigTest, ConsoleOptions) {
  Config config = ParseOk({"-c"});
  EXPECT_TRUE(config.console.enabled);
  EXPECT_TRUE(config.console.print_header);

  config = ParseOk({"-C"});
  EXPECT_TRUE(config.console.enabled);
  EXPECT_FALSE(config.console.print_header);

  config = ParseOk({"-c", "-0", "-J", "-g"});
  EXPECT_FALSE(config.console.newline);
  EXPECT_TRUE(config.console.json);
  EXPECT_TRUE(config.console.colour);
  EXPECT_FALSE(config.console.hex);

  config = ParseOk({"-B"});
  EXPECT_FALSE(config.console.strip);
  config = ParseOk({"-B", "-s"});
  EXPECT_FALSE(config.console.strip) << "-B wins over -s in either order (as tcpflow 1.6.1)";
  config = ParseOk({"-s", "-D"});
  EXPECT_TRUE(config.console.hex);
  EXPECT_FALSE(config.console.strip);
  EXPECT_FALSE(config.console.enabled);  // -D alone does not turn the console on
}

TEST(ConfigTest, NumericOptions) {
  Config config = ParseOk({"-b", "100", "-m", "1000", "-f", "7", "-d", "3"});
  EXPECT_EQ(config.reassembly.max_bytes_per_flow, 100);
  EXPECT_EQ(config.reassembly.max_seek, 1000u);
  EXPECT_EQ(config.output.max_open_files, 7);
  EXPECT_EQ(config.debug_level, 3);

  EXPECT_EQ(ParseOk({"-b", "0"}).reassembly.max_bytes_per_flow, 0);
  EXPECT_EQ(ParseOk({"-b", "-5"}).reassembly.max_bytes_per_flow, -1);
  EXPECT_EQ(ParseOk({"-b", "9223372036854775807"}).reassembly.max_bytes_per_flow,
            9223372036854775807);
  EXPECT_EQ(ParseOk({"-m", "18446744073709551615"}).reassembly.max_seek, 18446744073709551615u);
  EXPECT_EQ(ParseOk({"-d", "0"}).debug_level, 0);
}

TEST(ConfigTest, NegativeDebugLevelResetsToOne) {
  EXPECT_EQ(ParseOk({"-d", "-4"}).debug_level, 1);
  EXPECT_EQ(ParseOk({"-d-4"}).debug_level, 1);
  EXPECT_EQ(ParseOk({"-d", "5", "-d", "-1"}).debug_level, 1);
}

TEST(ConfigTest, VerboseIsDebugTenAndLastWins) {
  EXPECT_EQ(ParseOk({"-v"}).debug_level, 10);
  EXPECT_EQ(ParseOk({"--verbose"}).debug_level, 10);
  EXPECT_EQ(ParseOk({"-d", "3", "-v"}).debug_level, 10);
  EXPECT_EQ(ParseOk({"-v", "-d", "2"}).debug_level, 2);
}

TEST(ConfigTest, StringOptions) {
  const Config config =
      ParseOk({"-o", "out",   "-r", "a.pcap",    "-R", "late.pcap", "-r", "-",      "-i", "eth0",
               "-X", "x.xml", "-w", "rest.pcap", "-L", "sem",       "-U", "nobody", "-z", "/jail"});
  EXPECT_EQ(config.output.outdir, "out");
  EXPECT_EQ(config.input.read_files, (std::vector<std::string>{"a.pcap", "-"}));
  EXPECT_EQ(config.input.finish_files, (std::vector<std::string>{"late.pcap"}));
  EXPECT_EQ(config.input.interface, "eth0");
  EXPECT_EQ(config.report.path, "x.xml");
  EXPECT_EQ(config.write_unprocessed_path, "rest.pcap");
  EXPECT_EQ(config.semlock_name, "sem");
  EXPECT_EQ(config.drop_to_user, "nobody");
  EXPECT_EQ(config.chroot_dir, "/jail");
}

TEST(ConfigTest, BooleanOptions) {
  const Config config = ParseOk({"-p", "-q", "-I", "-K", "-Z", "-P"});
  EXPECT_FALSE(config.input.promiscuous);
  EXPECT_TRUE(config.quiet);
  EXPECT_TRUE(config.findx);
  EXPECT_TRUE(config.per_flow_pcap);
  EXPECT_TRUE(config.no_http_decompress);
  EXPECT_TRUE(config.reassembly.no_purge);
}

TEST(ConfigTest, HelpAndVersionModes) {
  EXPECT_EQ(ParseOk({"-h"}).mode, RunMode::kHelp);
  EXPECT_EQ(ParseOk({"--help"}).mode, RunMode::kHelp);
  EXPECT_EQ(ParseOk({"-hh"}).mode, RunMode::kHelpMore);
  EXPECT_EQ(ParseOk({"-h", "-h"}).mode, RunMode::kHelpMore);
  EXPECT_EQ(ParseOk({"--help", "-h"}).mode, RunMode::kHelpMore);
  EXPECT_EQ(ParseOk({"-H"}).mode, RunMode::kHelpScanners);
  EXPECT_EQ(ParseOk({"-h", "-H"}).mode, RunMode::kHelpScanners);
  EXPECT_EQ(ParseOk({"-V"}).mode, RunMode::kVersion);
  EXPECT_EQ(ParseOk({"--version"}).mode, RunMode::kVersion);
  EXPECT_EQ(ParseOk({"-h", "-V"}).mode, RunMode::kVersion);
}

TEST(ConfigTest, VersionStopsParsing) {
  const Config config = ParseOk({"-c", "-V", "-Q", "-o"});
  EXPECT_EQ(config.mode, RunMode::kVersion);
  EXPECT_TRUE(config.console.enabled);
  EXPECT_EQ(ParseOk({"-Vb", "x"}).mode, RunMode::kVersion);
  EXPECT_TRUE(Contains(ParseError({"-Q", "-V"}), "-Q"));
}

TEST(ConfigTest, HelpSkipsChrootCheck) {
  EXPECT_EQ(ParseOk({"-z", "/jail", "-h"}).mode, RunMode::kHelp);
}

TEST(ConfigTest, DeprecatedAWarnsAndCarriesOn) {
  const Parsed parsed = Parse({"-AH", "-c"});
  EXPECT_EQ(parsed.result.status, ParseResult::Status::kOk);
  ASSERT_EQ(parsed.result.warnings.size(), 1u);
  EXPECT_EQ(parsed.result.warnings[0], "-AH has been deprecated. Just use -a");
  EXPECT_TRUE(parsed.config.console.enabled);
  EXPECT_TRUE(parsed.config.scanner_commands.empty());
  EXPECT_TRUE(Contains(ParseError({"-A"}), "-A"));  // it still takes an argument
}

TEST(ConfigTest, ClusteredFlags) {
  Config config = ParseOk({"-cD"});
  EXPECT_TRUE(config.console.enabled);
  EXPECT_TRUE(config.console.hex);

  config = ParseOk({"-pqsIK"});
  EXPECT_FALSE(config.input.promiscuous);
  EXPECT_TRUE(config.quiet);
  EXPECT_TRUE(config.console.strip);
  EXPECT_TRUE(config.findx);
  EXPECT_TRUE(config.per_flow_pcap);
}

TEST(ConfigTest, ClusterEndsWithAnArgument) {
  Config config = ParseOk({"-cb100"});
  EXPECT_TRUE(config.console.enabled);
  EXPECT_EQ(config.reassembly.max_bytes_per_flow, 100);

  config = ParseOk({"-cr", "x.pcap"});  // the argument may also be the next word
  EXPECT_TRUE(config.console.enabled);
  EXPECT_EQ(config.input.read_files, (std::vector<std::string>{"x.pcap"}));

  config = ParseOk({"-oc"});  // everything after the letter is the argument
  EXPECT_EQ(config.output.outdir, "c");
  EXPECT_FALSE(config.console.enabled);
}

TEST(ConfigTest, AttachedAndSeparateArguments) {
  EXPECT_EQ(ParseOk({"-oout"}).output.outdir, "out");
  EXPECT_EQ(ParseOk({"-o", "out"}).output.outdir, "out");
  EXPECT_EQ(ParseOk({"-b5"}).reassembly.max_bytes_per_flow, 5);
  // A separate argument is taken even when it starts with '-'.
  EXPECT_EQ(ParseOk({"-o", "-c"}).output.outdir, "-c");
  EXPECT_EQ(ParseOk({"-r", "--"}).input.read_files, (std::vector<std::string>{"--"}));
}

TEST(ConfigTest, MissingArgument) {
  EXPECT_EQ(ParseError({"-o"}), "option -o requires an argument");
  EXPECT_EQ(ParseError({"-c", "-S"}), "option -S requires an argument");
  EXPECT_EQ(ParseError({"--chroot"}), "option --chroot requires an argument");
}

TEST(ConfigTest, UnknownOptions) {
  EXPECT_EQ(ParseError({"-Q"}), "unknown option -Q");
  EXPECT_TRUE(Contains(ParseError({"-cQ"}), "-Q"));
  EXPECT_TRUE(Contains(ParseError({"-c", "-y", "x"}), "-y"));
  EXPECT_EQ(ParseError({"--foo"}), "unknown option --foo");
  EXPECT_EQ(ParseError({"--helpx"}), "unknown option --helpx");
  EXPECT_EQ(ParseError({"--=x"}), "unknown option --");
}

TEST(ConfigTest, LongOptions) {
  Config config = ParseOk({"--relinquish-privileges", "bob", "--chroot=/jail"});
  EXPECT_EQ(config.drop_to_user, "bob");
  EXPECT_EQ(config.chroot_dir, "/jail");

  config = ParseOk({"--relinquish-privileges=alice", "--chroot", "/j"});
  EXPECT_EQ(config.drop_to_user, "alice");
  EXPECT_EQ(config.chroot_dir, "/j");

  config = ParseOk({"--chroot=", "-U", "u"});  // an empty argument is still an argument
  EXPECT_EQ(config.chroot_dir, "");
}

TEST(ConfigTest, LongOptionPrefixes) {
  EXPECT_EQ(ParseOk({"--verb"}).debug_level, 10);
  EXPECT_EQ(ParseOk({"--vers"}).mode, RunMode::kVersion);
  EXPECT_EQ(ParseOk({"--he"}).mode, RunMode::kHelp);
  EXPECT_EQ(ParseOk({"--chr=/d", "--rel=u"}).chroot_dir, "/d");
  const std::string message = ParseError({"--ver"});
  EXPECT_TRUE(Contains(message, "ambiguous"));
  EXPECT_TRUE(Contains(message, "--verbose"));
  EXPECT_TRUE(Contains(message, "--version"));
}

TEST(ConfigTest, LongOptionWithoutArgumentRejectsOne) {
  EXPECT_EQ(ParseError({"--help=x"}), "option --help does not take an argument");
  EXPECT_EQ(ParseError({"--verb=1"}), "option --verbose does not take an argument");
}

TEST(ConfigTest, OperandsFormTheFilterExpression) {
  const Config config = ParseOk({"-r", "a.pcap", "tcp", "port", "80"});
  EXPECT_EQ(config.input.bpf_expression, "tcp port 80");
  EXPECT_EQ(config.input.read_files, (std::vector<std::string>{"a.pcap"}));
}

TEST(ConfigTest, OptionsMayFollowOperands) {
  const Config config = ParseOk({"port", "80", "-r", "a.pcap", "and", "host", "h", "-c"});
  EXPECT_EQ(config.input.bpf_expression, "port 80 and host h");
  EXPECT_EQ(config.input.read_files, (std::vector<std::string>{"a.pcap"}));
  EXPECT_TRUE(config.console.enabled);
}

TEST(ConfigTest, DoubleDashEndsOptions) {
  const Config config = ParseOk({"-c", "--", "-r", "x", "--"});
  EXPECT_TRUE(config.console.enabled);
  EXPECT_TRUE(config.input.read_files.empty());
  EXPECT_EQ(config.input.bpf_expression, "-r x --");
}

TEST(ConfigTest, ListedFilesInsteadOfExpression) {
  Config config = ParseOk({"-l", "a.pcap", "b.pcap"});
  EXPECT_EQ(config.input.read_files, (std::vector<std::string>{"a.pcap", "b.pcap"}));
  EXPECT_EQ(config.input.bpf_expression, "");

  // -l files come after every -r file, wherever -l stands.
  config = ParseOk({"c.pcap", "-l", "-r", "r.pcap", "-", "--", "-d.pcap"});
  EXPECT_EQ(config.input.read_files,
            (std::vector<std::string>{"r.pcap", "c.pcap", "-", "-d.pcap"}));
  EXPECT_EQ(config.input.bpf_expression, "");
}

TEST(ConfigTest, LoneDashIsAnOperand) {
  EXPECT_EQ(ParseOk({"-"}).input.bpf_expression, "-");
}

TEST(ConfigTest, ChrootRequiresUser) {
  EXPECT_EQ(ParseError({"-z", "/jail"}), "-z requires -U");
  EXPECT_EQ(ParseError({"--chroot=/jail"}), "-z requires -U");
  EXPECT_EQ(ParseOk({"-z", "/jail", "-U", "nobody"}).chroot_dir, "/jail");
  EXPECT_EQ(ParseOk({"-U", "nobody"}).drop_to_user, "nobody");
}

TEST(ConfigTest, TemplateReplacesAndAppendsCounter) {
  EXPECT_EQ(ParseOk({"-T", "%A-%B"}).output.filename_template, "%A-%B%C%c");
  EXPECT_EQ(ParseOk({"-T", "x%c"}).output.filename_template, "x%c");
  EXPECT_EQ(ParseOk({"-T", "a", "-T", "b%c"}).output.filename_template, "b%c");
}

TEST(ConfigTest, TemplateAndFilenameFlagsApplyInOrder) {
  EXPECT_EQ(ParseOk({"-Fk", "-T", "X%N"}).output.filename_template, "X%N%C%c");
  EXPECT_EQ(ParseOk({"-T", "X%N", "-Fk"}).output.filename_template, "%K/X%N%C%c");
  EXPECT_EQ(ParseOk({"-TX%N", "-F", "k"}).output.filename_template, "%K/X%N%C%c");
}

TEST(ConfigTest, FilenameFlagLettersStack) {
  const std::string base = kDefaultFilenameTemplate;
  EXPECT_EQ(ParseOk({"-Fk"}).output.filename_template, "%K/" + base);
  EXPECT_EQ(ParseOk({"-Ftk"}).output.filename_template, "%K/%tT" + base);
  EXPECT_EQ(ParseOk({"-FkT"}).output.filename_template, "%T%K/" + base);
  EXPECT_EQ(ParseOk({"-Fk", "-Fk"}).output.filename_template, "%K/%K/" + base);
  EXPECT_EQ(ParseOk({"-Fm"}).output.filename_template, "%M000-%M999/%M%K/" + base);
}

TEST(ConfigTest, FilenameFlagXStopsStoring) {
  const Config config = ParseOk({"-FX"});
  EXPECT_FALSE(config.output.store_output);
  EXPECT_EQ(config.output.filename_template, kDefaultFilenameTemplate);
  EXPECT_TRUE(config.scanner_commands.empty());
}

TEST(ConfigTest, FilenameFlagMIsLikeEnableMd5) {
  const Config config = ParseOk({"-FM"});
  ASSERT_EQ(config.scanner_commands.size(), 1u);
  ExpectCommand(config.scanner_commands[0], ScannerCommand::Op::kEnable, "md5");
  EXPECT_EQ(config.output.filename_template, kDefaultFilenameTemplate);
  EXPECT_TRUE(config.output.store_output);
}

TEST(ConfigTest, UnknownFilenameFlagWarnsAndIsIgnored) {
  const Parsed parsed = Parse({"-Fzk"});
  EXPECT_EQ(parsed.result.status, ParseResult::Status::kOk);
  ASSERT_EQ(parsed.result.warnings.size(), 1u);
  EXPECT_EQ(parsed.result.warnings[0], "-F invalid format specification 'z'");
  EXPECT_EQ(parsed.config.output.filename_template, std::string("%K/") + kDefaultFilenameTemplate);
}

TEST(ConfigTest, SettingsMapToTypedFields) {
  const Config config =
      ParseOk({"-S", "tcp_timeout=30", "-S", "tdelta=-3600", "-Spacket-buffer-timeout=50", "-S",
               "overlap=last", "-S", "max_ooo_per_flow=1000", "-S", "max_ooo_total=0", "-S",
               "enable_report=NO"});
  EXPECT_EQ(config.reassembly.tcp_timeout_sec, 30u);
  EXPECT_EQ(config.output.tdelta, -3600);
  EXPECT_EQ(config.input.packet_buffer_timeout_ms, 50);
  EXPECT_TRUE(config.reassembly.overlap_last);
  EXPECT_EQ(config.reassembly.max_buffered_per_flow, 1000u);
  EXPECT_EQ(config.reassembly.max_buffered_total, 0u);
  EXPECT_FALSE(config.report.enabled);
}

TEST(ConfigTest, ScannerAndAlertSettingsMapToTypedFields) {
  const Config config = ParseOk({"-S", "tcp_alert_fd=5",
                                 "-S", "tcp_cmd=md5sum",
                                 "-S", "http_alert_fd=0",
                                 "-S", "http_cmd=gzip -k",
                                 "-S", "http_max_body=1000",
                                 "-S", "http_max_ratio=0",
                                 "-S", "http_max_header=4096",
                                 "-S", "hash=SHA1,,sha256,sha1",
                                 "-S", "py_path=plugins",
                                 "-S", "py_module=m",
                                 "-S", "py_function=f",
                                 "-S", "py_max_bytes=1000",
                                 "-S", "py_max_total_bytes=5000",
                                 "-S", "netviz_histogram_size=50",
                                 "-S", "netviz_histogram_dump=2",
                                 "-S", "check_fcs=NO",
                                 "-S", "seed=12345",
                                 "-S", "debug-prefix=x"});
  EXPECT_EQ(config.alerts, (AlertConfig{5, "md5sum", 10}));
  EXPECT_EQ(config.scanners.http.alerts, (AlertConfig{0, "gzip -k", 10}));
  EXPECT_EQ(config.scanners.http.max_body, 1000u);
  EXPECT_EQ(config.scanners.http.max_ratio, 0u);
  EXPECT_EQ(config.scanners.http.max_header, 4096u);
  EXPECT_EQ(config.scanners.hash.digests, (std::vector<std::string>{"sha1", "sha256"}));
  EXPECT_EQ(config.scanners.python, (PythonSettings{"plugins", "m", "f", 1000, 5000}));
  EXPECT_EQ(config.scanners.netviz.histogram_size, 50u);
  EXPECT_TRUE(config.scanners.netviz.histogram_dump);
  EXPECT_FALSE(config.scanners.check_fcs);
  EXPECT_EQ(config.seed, 12345u);
  EXPECT_TRUE(AnnouncesClosedFiles(config));
  EXPECT_FALSE(AnnouncesClosedFiles(Config{}));
  EXPECT_TRUE(AnnouncesClosedFiles(ParseOk({"-S", "http_cmd=x"})));
  EXPECT_FALSE(AnnouncesClosedFiles(ParseOk({"-S", "tcp_alert_fd=-1", "-S", "tcp_cmd="})));
}

// Each bad value names the setting and what it accepts; the Config is left as it was.
TEST(ConfigTest, BadSettingValuesNameTheSettingAndWhatItAccepts) {
  const std::pair<const char*, const char*> cases[] = {
      {"tcp_timeout=abc",
       "invalid value 'abc' for -S tcp_timeout: expected a non-negative integer"},
      {"tcp_timeout=-1", "invalid value '-1' for -S tcp_timeout: expected a non-negative integer"},
      {"tcp_timeout=4294967296",
       "value '4294967296' for -S tcp_timeout is out of range (0 to 4294967295)"},
      {"tdelta=1x", "invalid value '1x' for -S tdelta: expected an integer"},
      {"tcp_alert_fd=-2", "value '-2' for -S tcp_alert_fd is out of range (-1 to 2147483647)"},
      {"tcp_alert_fd=", "invalid value '' for -S tcp_alert_fd: expected an integer"},
      {"tcp_alert_fd= 5", "invalid value ' 5' for -S tcp_alert_fd: expected an integer"},
      {"http_alert_fd=+5", "invalid value '+5' for -S http_alert_fd: expected an integer"},
      {"http_max_header=0", "value '0' for -S http_max_header is out of range (1 to "},
      {"http_max_body=99999999999999999999", "value '99999999999999999999' for -S http_max_body"},
      {"http_max_ratio=12x", "invalid value '12x' for -S http_max_ratio"},
      {"py_max_bytes=0", "value '0' for -S py_max_bytes is out of range (1 to "},
      {"py_max_total_bytes=12k", "invalid value '12k' for -S py_max_total_bytes"},
      {"netviz_histogram_size=1000001",
       "value '1000001' for -S netviz_histogram_size is out of range (1 to 1000000)"},
      {"netviz_histogram_dump=yes", "invalid value 'yes' for -S netviz_histogram_dump"},
      {"writer_threads=9", "value '9' for -S writer_threads is out of range (0 to 8)"},
      {"hash=md5,crc32",
       "invalid value 'crc32' in -S hash: expected a comma-separated list of md5, sha1, sha224, "
       "sha256, sha384, sha512, sha3-256, sha3-512 or blake2b512"},
      {"seed=-1", "invalid value '-1' for -S seed: expected a non-negative integer"},
  };
  for (const auto& [arg, message] : cases) {
    Config config;
    config.debug_level = 7;
    const char* argv[] = {"tcpflow", "-S", arg};
    const ParseResult result = ParseCommandLine(3, argv, config);
    EXPECT_EQ(result.status, ParseResult::Status::kError) << arg;
    EXPECT_TRUE(result.message.starts_with(message)) << arg << ": " << result.message;
    EXPECT_EQ(config.debug_level, 7) << arg;
  }
}

TEST(ConfigTest, UnknownSettingIsAnErrorNamingTheClosest) {
  EXPECT_EQ(ParseError({"-S", "tcp_timout=5", "-r", "x.pcap", "-o", "out"}),
            "unknown setting 'tcp_timout' for -S (did you mean tcp_timeout?); tcpflow -hh lists "
            "every setting");
  EXPECT_TRUE(Contains(ParseError({"-S", "HTTP_MAX_BODY=5"}), "did you mean http_max_body?"));
  EXPECT_TRUE(Contains(ParseError({"-S", "max_ooo_per_flw=1"}), "did you mean max_ooo_per_flow?"));
  EXPECT_TRUE(Contains(ParseError({"-S", "overlpa=first"}), "did you mean overlap?"));
  EXPECT_EQ(ParseError({"-S", "custom=1"}),
            "unknown setting 'custom' for -S; tcpflow -hh lists every setting");
}

TEST(ConfigTest, OverlapFirstAndLast) {
  EXPECT_FALSE(ParseOk({"-S", "overlap=last", "-S", "overlap=first"}).reassembly.overlap_last);
  EXPECT_EQ(ParseError({"-S", "overlap=middle"}),
            "invalid value 'middle' for -S overlap: expected first or last");
}

TEST(ConfigTest, EnableReportBoolean) {
  for (const char* yes : {"YES", "yes", "True", "t", "1", "y"}) {
    const std::string arg = std::string("enable_report=") + yes;
    Config config;
    config.report.enabled = false;
    const char* argv[] = {"tcpflow", "-S", arg.c_str()};
    ASSERT_EQ(ParseCommandLine(3, argv, config).status, ParseResult::Status::kOk);
    EXPECT_TRUE(config.report.enabled) << yes;
  }
  for (const char* no : {"NO", "no", "false", "0", "", "2", " yes"}) {
    const std::string arg = std::string("enable_report=") + no;
    Config config;
    const char* argv[] = {"tcpflow", "-S", arg.c_str()};
    ASSERT_EQ(ParseCommandLine(3, argv, config).status, ParseResult::Status::kOk);
    EXPECT_FALSE(config.report.enabled) << no;
  }
}

TEST(ConfigTest, LaterSettingsWin) {
  const Config config =
      ParseOk({"-S", "http_cmd=echo hi", "-S", "tcp_timeout=1", "-S", "tcp_timeout=2", "-S",
               "hash=sha1", "-S", "hash=sha256", "-S", "py_path=", "-S", "http_cmd="});
  EXPECT_EQ(config.reassembly.tcp_timeout_sec, 2u);
  EXPECT_EQ(config.scanners.hash.digests, std::vector<std::string>{"sha256"});
  EXPECT_EQ(config.scanners.http.alerts.command, "");
}

TEST(ConfigTest, SettingSyntaxErrors) {
  EXPECT_EQ(ParseError({"-S", "foo"}), "invalid -S setting 'foo': expected name=value");
  EXPECT_EQ(ParseError({"-S", "a=b=c"}), "invalid -S setting 'a=b=c': expected name=value");
  EXPECT_EQ(ParseError({"-S", "=x"}), "invalid -S setting '=x': expected name=value");
  EXPECT_EQ(ParseError({"-S", ""}), "invalid -S setting '': expected name=value");
}

TEST(ConfigTest, SettingValueErrors) {
  EXPECT_TRUE(Contains(ParseError({"-S", "tcp_timeout=abc"}), "-S tcp_timeout"));
  EXPECT_TRUE(Contains(ParseError({"-S", "tcp_timeout=-1"}), "-S tcp_timeout"));
  EXPECT_TRUE(Contains(ParseError({"-S", "tcp_timeout=4294967296"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-S", "tdelta=1.5"}), "-S tdelta"));
  EXPECT_TRUE(
      Contains(ParseError({"-S", "packet-buffer-timeout=-1"}), "expected a non-negative integer"));
  EXPECT_TRUE(Contains(ParseError({"-S", "packet-buffer-timeout=2147483648"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-S", "max_ooo_total="}), "-S max_ooo_total"));
  EXPECT_TRUE(Contains(ParseError({"-S", "max_ooo_per_flow=1k"}), "-S max_ooo_per_flow"));
  EXPECT_TRUE(Contains(ParseError({"-S", "max_flows=-5"}), "-S max_flows"));
  EXPECT_TRUE(Contains(ParseError({"-S", "max_flows=1e6"}), "-S max_flows"));
}

TEST(ConfigTest, MaxFlowsSetting) {
  EXPECT_EQ(ParseOk({"-S", "max_flows=1000"}).reassembly.max_flows, 1000u);
  EXPECT_EQ(ParseOk({"-S", "max_flows=0"}).reassembly.max_flows, 0u) << "0 = unlimited";
  EXPECT_GT(Config{}.reassembly.max_flows, 0u) << "capped by default";
}

TEST(ConfigTest, BadNumbersAreErrors) {
  EXPECT_EQ(ParseError({"-b", "abc"}), "invalid value 'abc' for -b: expected an integer");
  EXPECT_EQ(ParseError({"-m", "-1"}), "invalid value '-1' for -m: expected a non-negative integer");
  EXPECT_TRUE(Contains(ParseError({"-b", "12x"}), "'12x'"));
  EXPECT_TRUE(Contains(ParseError({"-b", ""}), "-b"));
  EXPECT_TRUE(Contains(ParseError({"-b", " 5"}), "-b"));
  EXPECT_TRUE(Contains(ParseError({"-b", "+5"}), "-b"));
  EXPECT_TRUE(Contains(ParseError({"-d", "1e3"}), "-d"));
  EXPECT_TRUE(Contains(ParseError({"-b", "99999999999999999999"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-d", "3000000000"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-f", "-1"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-m", "0x10"}), "-m"));
}

TEST(ConfigTest, ErrorLeavesConfigUnchanged) {
  Config config;
  config.output.outdir = "keep";
  const char* argv[] = {"tcpflow", "-o", "other", "-c", "-b", "abc"};
  const ParseResult result = ParseCommandLine(6, argv, config);
  EXPECT_EQ(result.status, ParseResult::Status::kError);
  EXPECT_EQ(config.output.outdir, "keep");
  EXPECT_FALSE(config.console.enabled);
  EXPECT_EQ(config.command_line, "");
}

TEST(ConfigTest, StartsFromTheGivenConfig) {
  Config config;
  config.output.outdir = "preset";
  const char* argv[] = {"tcpflow", "-c"};
  ASSERT_EQ(ParseCommandLine(2, argv, config).status, ParseResult::Status::kOk);
  EXPECT_EQ(config.output.outdir, "preset");
  EXPECT_TRUE(config.console.enabled);
}

TEST(ConfigTest, RepeatedCallsShareNoState) {
  EXPECT_TRUE(ParseOk({"-c", "-l", "a"}).console.enabled);
  const Config second = ParseOk({"b"});
  EXPECT_FALSE(second.console.enabled);
  EXPECT_EQ(second.input.bpf_expression, "b");
  EXPECT_TRUE(second.input.read_files.empty());
  // A parse that stopped inside a cluster must not leak into the next one.
  ParseError({"-cQr", "x"});
  EXPECT_EQ(ParseOk({"-p"}).input.read_files.size(), 0u);
  EXPECT_EQ(ParseOk({"-hh"}).mode, RunMode::kHelpMore);
  EXPECT_EQ(ParseOk({"-h"}).mode, RunMode::kHelp);
}

TEST(ConfigTest, FragmentSettings) {
  Config config;
  const char* argv[] = {
      "tcpflow", "-S", "frag_timeout=5", "-S", "frag_max_datagrams=7", "-S", "frag_max_bytes=9000"};
  ASSERT_EQ(ParseCommandLine(7, argv, config).status, ParseResult::Status::kOk);
  EXPECT_EQ(config.ip.fragment_timeout_sec, 5u);
  EXPECT_EQ(config.ip.max_fragment_datagrams, 7u);
  EXPECT_EQ(config.ip.max_fragment_bytes, 9000u);
  Config bad;
  const char* bad_argv[] = {"tcpflow", "-S", "frag_timeout=soon"};
  EXPECT_EQ(ParseCommandLine(3, bad_argv, bad).status, ParseResult::Status::kError);
}

TEST(ConfigTest, ShardSetting) {
  const Config defaults = ParseOk({});
  EXPECT_EQ(defaults.shard.index, 1u);
  EXPECT_EQ(defaults.shard.count, 1u);
  const Config config = ParseOk({"-S", "shard=3/4"});
  EXPECT_EQ(config.shard.index, 3u);
  EXPECT_EQ(config.shard.count, 4u);
  EXPECT_EQ(ParseOk({"-S", "shard=1/1"}).shard.count, 1u);
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=0/4"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=5/4"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=1/0"}), "out of range"));
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=2"}), "K/N"));
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=a/b"}), "shard"));
  EXPECT_TRUE(Contains(ParseError({"-S", "shard=1/4/2"}), "shard"));
}

TEST(ConfigTest, EmptyArgv) {
  Config config;
  EXPECT_EQ(ParseCommandLine(0, nullptr, config).status, ParseResult::Status::kOk);
  EXPECT_EQ(config.command_line, "");
  EXPECT_EQ(config.mode, RunMode::kRun);
}

// Each row's default value, given with -S, leaves a default Config (apart from the command
// line), and every name is listed once.
TEST(ConfigTest, SettingDefaultsMatchConfigDefaults) {
  std::vector<std::string_view> names;
  for (const SettingInfo& setting : kSettings) {
    const std::string arg = std::string(setting.name) + "=" + std::string(setting.default_value);
    Config config;
    const char* argv[] = {"tcpflow", "-S", arg.c_str()};
    ASSERT_EQ(ParseCommandLine(3, argv, config).status, ParseResult::Status::kOk) << arg;
    Config expected;
    expected.command_line = "tcpflow -S " + arg;
    EXPECT_EQ(config, expected) << arg;
    EXPECT_FALSE(setting.help.empty());
    EXPECT_FALSE(setting.owner.empty());
    EXPECT_EQ(FindSetting(setting.name), &setting);
    EXPECT_EQ(std::count(names.begin(), names.end(), setting.name), 0) << setting.name;
    names.push_back(setting.name);
  }
  EXPECT_EQ(FindSetting("tcp_timout"), nullptr);
}

// Each row stores into its own field: setting it to another value changes the Config.
TEST(ConfigTest, EverySettingReachesTheConfig) {
  for (const SettingInfo& setting : kSettings) {
    std::string other;
    switch (setting.type) {
      case SettingType::kInteger: other = setting.default_value == "1" ? "2" : "1"; break;
      case SettingType::kBoolean: other = "NO"; break;
      case SettingType::kText: other = "x"; break;
      case SettingType::kChoice: other = "last"; break;
      case SettingType::kList: other = "sha1"; break;
      case SettingType::kShard: other = "2/3"; break;
    }
    if (setting.name == "debug-prefix") continue;  // accepted and ignored
    const std::string arg = std::string(setting.name) + "=" + other;
    Config config;
    const char* argv[] = {"tcpflow", "-S", arg.c_str()};
    ASSERT_EQ(ParseCommandLine(3, argv, config).status, ParseResult::Status::kOk) << arg;
    Config unchanged;
    unchanged.command_line = config.command_line;
    EXPECT_NE(config, unchanged) << arg;
  }
}

TEST(ConfigTest, SeedsAreFixedByTheRunSeed) {
  EXPECT_EQ(DeriveSeed(1, SeedUse::kFlowTable), DeriveSeed(1, SeedUse::kFlowTable));
  EXPECT_NE(DeriveSeed(1, SeedUse::kFlowTable), DeriveSeed(1, SeedUse::kFragments));
  EXPECT_NE(DeriveSeed(1, SeedUse::kFlowTable), DeriveSeed(2, SeedUse::kFlowTable));
  Config config;
  config.seed = 99;
  EXPECT_EQ(RunSeed(config), 99u);
  config.seed = 0;
  EXPECT_NE(RunSeed(config), 0u);
}

TEST(ConfigTest, ConsoleModeStoresNothingAndWritesNoReport) {
  for (const char* option : {"-c", "-C"}) {
    const Config config = ParseOk({option});
    EXPECT_FALSE(config.output.store_output) << option;
    EXPECT_FALSE(config.report.enabled) << option;
  }
}

TEST(ConfigTest, UsageListsEveryOption) {
  const std::string usage = UsageText(false);
  EXPECT_TRUE(usage.starts_with("tcpflow"));
  EXPECT_TRUE(Contains(usage, "usage: tcpflow"));
  EXPECT_EQ(usage.back(), '\n');
  for (const char letter : std::string("aBbCcDdEeFfgHhIiJKLlmoPpqRrSsTUVvwXxZz0")) {
    EXPECT_TRUE(Contains(usage, std::string("  -") + letter + " ")) << letter;
  }
  for (const char* long_option :
       {"--help", "--version", "--verbose", "--chroot", "--relinquish-privileges"}) {
    EXPECT_TRUE(Contains(usage, long_option)) << long_option;
  }
  EXPECT_TRUE(Contains(usage, kDefaultFilenameTemplate));
  EXPECT_FALSE(Contains(usage, "Exit status"));
  EXPECT_FALSE(Contains(usage, "tcp_timeout"));
}

TEST(ConfigTest, MoreUsageAddsSettingsLettersTokensAndExitStatus) {
  const std::string usage = UsageText(false);
  const std::string more = UsageText(true);
  EXPECT_TRUE(more.starts_with(usage));
  for (const SettingInfo& setting : kSettings) {
    const std::string entry =
        "  " + std::string(setting.name) + "=" + std::string(setting.default_value) + " ";
    EXPECT_TRUE(Contains(more, entry)) << entry;
  }
  for (const char* letter : {"  c ", "  t ", "  T ", "  X ", "  M ", "  k ", "  m ", "  g "}) {
    EXPECT_TRUE(Contains(more, letter)) << letter;
  }
  for (const char* token : {"%A", "%a", "%B", "%b", "%E", "%e", "%V", "%v", "%T", "%t", "%c", "%C",
                            "%#", "%N", "%K", "%M", "%G", "%S", "%%"}) {
    EXPECT_TRUE(Contains(more, token)) << token;
  }
  EXPECT_TRUE(Contains(more, "Exit status"));
}

TEST(ConfigTest, UsageLinesFitEightyColumns) {
  const std::string more = UsageText(true);
  std::size_t start = 0;
  while (start < more.size()) {
    const std::size_t end = more.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 80u) << more.substr(start, end - start);
    start = end + 1;
  }
}

// Issue #7 item 7: -T templates that would write outside the output directory, and bad
// tokens, are refused while the options are parsed.
TEST(ConfigTest, TemplateOutsideTheOutputDirectoryIsRefused) {
  EXPECT_TRUE(Contains(ParseError({"-T", "../x%A", "-r", "f.pcap"}), "'..' component"));
  EXPECT_TRUE(Contains(ParseError({"-T/etc/%A"}), "starts with '/'"));
  EXPECT_TRUE(Contains(ParseError({"-T", "a/../../%A"}), "output directory"));
  EXPECT_TRUE(Contains(ParseError({"-T", "%Q"}), "unknown token '%Q'"));
  EXPECT_EQ(ParseOk({"-T", "..x/%A..", "-Fk"}).output.filename_template, "%K/..x/%A..%C%c");
}

}  // namespace
}  // namespace tcpflow
