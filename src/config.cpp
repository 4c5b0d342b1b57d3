// config.cpp: turns argv into a Config (the getopt_long option set of tcpflow 1.6.1, plus -P) and
// writes the -h / -hh usage text.
#include "config.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <random>
#include <system_error>

#include "filename_template.h"

namespace tcpflow {
namespace {

// Single-letter options that take an argument, and those that don't.
constexpr std::string_view kLettersWithArgument = "AbdEeFfiLmoRrSTUwxXz";
constexpr std::string_view kFlagLetters = "aBcCDgHhIJKlPpqsVvZ0";

struct LongOption {
  std::string_view name;
  char letter;  // the short option it stands for
  bool takes_argument;
};

constexpr LongOption kLongOptions[] = {
    {"chroot", 'z', true},   {"help", 'h', false},    {"relinquish-privileges", 'U', true},
    {"verbose", 'v', false}, {"version", 'V', false},
};

std::string Quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// Parses all of `text` as a decimal integer in [lowest, highest] (no spaces, no '+'; a '-' only
// when T is signed). On failure returns nullopt and sets `error` to a one-line message naming
// `what` (e.g. "-b").
template <typename T>
std::optional<T> ParseInteger(std::string_view text, std::string_view what, T lowest, T highest,
                              std::string& error) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [stop, code] = std::from_chars(text.data(), end, value);
  if (code == std::errc::invalid_argument || stop != end) {
    error = "invalid value " + Quoted(text) + " for " + std::string(what) + ": expected " +
            (lowest < 0 ? "an integer" : "a non-negative integer");
    return std::nullopt;
  }
  if (code == std::errc::result_out_of_range || value < lowest || value > highest) {
    error = "value " + Quoted(text) + " for " + std::string(what) + " is out of range (" +
            std::to_string(lowest) + " to " + std::to_string(highest) + ")";
    return std::nullopt;
  }
  return value;
}

template <typename T>
std::optional<T> ParseInteger(std::string_view text, std::string_view what, std::string& error) {
  return ParseInteger<T>(text, what, std::numeric_limits<T>::lowest(),
                         std::numeric_limits<T>::max(), error);
}

// Parses "K/N" with 1 <= K <= N into `shard`; on failure sets `error`.
bool ParseShard(std::string_view text, std::string_view what, ShardConfig& shard,
                std::string& error) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    error = "invalid value " + Quoted(text) + " for " + std::string(what) +
            ": expected K/N, e.g. 1/4 (shard K of N)";
    return false;
  }
  const auto count = ParseInteger<std::uint32_t>(text.substr(slash + 1), std::string(what) + " N",
                                                 1, 1u << 20, error);
  if (!count) return false;
  const auto index = ParseInteger<std::uint32_t>(text.substr(0, slash), std::string(what) + " K", 1,
                                                 *count, error);
  if (!index) return false;
  shard.index = *index;
  shard.count = *count;
  return true;
}

// The items of a kChoice / kList row's "a|b|c".
std::vector<std::string_view> Choices(std::string_view choices) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (start <= choices.size()) {
    const std::size_t bar = std::min(choices.find('|', start), choices.size());
    items.push_back(choices.substr(start, bar - start));
    start = bar + 1;
  }
  return items;
}

// "a|b|c" as a readable "a, b or c".
std::string ChoicesText(std::string_view choices) {
  const std::vector<std::string_view> items = Choices(choices);
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " or " : ", ";
    text += items[i];
  }
  return text;
}

bool IsChoice(std::string_view choices, std::string_view word) {
  const std::vector<std::string_view> items = Choices(choices);
  return std::find(items.begin(), items.end(), word) != items.end();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Checks `text` against the row's type and range; on failure returns nullopt with a one-line
// `error` that names the setting and says what it accepts.
std::optional<SettingValue> ParseSettingValue(const SettingInfo& setting, std::string_view text,
                                              std::string& error) {
  const std::string what = "-S " + std::string(setting.name);
  SettingValue value;
  value.text = text;
  switch (setting.type) {
    case SettingType::kInteger:
      if (setting.min < 0) {  // a signed setting: its max fits in int64
        const auto parsed = ParseInteger<std::int64_t>(
            text, what, setting.min, static_cast<std::int64_t>(setting.max), error);
        if (!parsed) return std::nullopt;
        value.signed_number = *parsed;
        value.number = *parsed < 0 ? 0 : static_cast<std::uint64_t>(*parsed);
      } else {
        const auto parsed = ParseInteger<std::uint64_t>(
            text, what, static_cast<std::uint64_t>(setting.min), setting.max, error);
        if (!parsed) return std::nullopt;
        value.number = *parsed;
        value.signed_number = static_cast<std::int64_t>(*parsed);
      }
      return value;
    case SettingType::kBoolean:
      value.flag =
          !text.empty() && std::string_view("YyTt1").find(text[0]) != std::string_view::npos;
      return value;
    case SettingType::kText: return value;
    case SettingType::kChoice:
      if (!IsChoice(setting.choices, text)) {
        error = "invalid value " + Quoted(text) + " for " + what + ": expected " +
                ChoicesText(setting.choices);
        return std::nullopt;
      }
      return value;
    case SettingType::kList: {
      std::string_view rest = text;
      while (true) {
        const std::size_t comma = rest.find(',');
        const std::string item = Lower(rest.substr(0, comma));
        if (!item.empty()) {
          if (!IsChoice(setting.choices, item)) {
            error = "invalid value " + Quoted(item) + " in " + what +
                    ": expected a comma-separated list of " + ChoicesText(setting.choices);
            return std::nullopt;
          }
          if (std::find(value.items.begin(), value.items.end(), item) == value.items.end()) {
            value.items.push_back(item);
          }
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      return value;
    }
    case SettingType::kShard: {
      ShardConfig shard;
      if (!ParseShard(text, what, shard, error)) return std::nullopt;
      value.number = shard.index;
      value.count = shard.count;
      return value;
    }
  }
  return std::nullopt;
}

// Edit distance between `a` and `b` (insertions, deletions, substitutions, adjacent swaps).
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

// The known setting closest to a name that is not one, or "" when none is close (at most a
// third of the name's letters differ).
std::string_view ClosestSettingName(std::string_view name) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(1, name.size() / 3) + 1;
  for (const SettingInfo& setting : kSettings) {
    const std::size_t distance = EditDistance(Lower(name), setting.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = setting.name;
    }
  }
  return best;
}

// One run over argv. Edits the Config it is given; collects operands until Finish().
class Parser {
 public:
  Parser(Config& config, ParseResult& result) : config_(config), result_(result) {}

  // Returns false on error, with result_ filled in.
  bool Run(int argc, const char* const* argv) {
    bool options_ended = false;
    for (int index = 1; index < argc && !version_; ++index) {
      const std::string_view arg = argv[index];
      if (options_ended || arg.size() < 2 || arg[0] != '-') {
        operands_.emplace_back(arg);
      } else if (arg == "--") {
        options_ended = true;
      } else if (arg[1] == '-') {
        if (!RunLongOption(arg.substr(2), argc, argv, index)) return false;
      } else if (!RunCluster(arg, argc, argv, index)) {
        return false;
      }
    }
    return Finish();
  }

 private:
  // "-abc", "-bVALUE", "-b VALUE"; `index` moves past a separate argument.
  bool RunCluster(std::string_view arg, int argc, const char* const* argv, int& index) {
    for (std::size_t pos = 1; pos < arg.size() && !version_; ++pos) {
      const char letter = arg[pos];
      const std::string spelled = {'-', letter};
      if (kFlagLetters.find(letter) != std::string_view::npos) {
        if (!Apply(letter, {}, spelled)) return false;
        continue;
      }
      if (kLettersWithArgument.find(letter) == std::string_view::npos) {
        return Fail("unknown option " + spelled +
                    (arg.size() > 2 ? " in " + std::string(arg) : ""));
      }
      if (pos + 1 < arg.size()) return Apply(letter, arg.substr(pos + 1), spelled);
      if (index + 1 >= argc) return Fail("option " + spelled + " requires an argument");
      return Apply(letter, argv[++index], spelled);
    }
    return true;
  }

  // `body` is the text after "--": "name" or "name=value"; unique prefixes are accepted.
  bool RunLongOption(std::string_view body, int argc, const char* const* argv, int& index) {
    const std::size_t equals = body.find('=');
    const std::string_view name = body.substr(0, equals);
    const LongOption* match = nullptr;
    std::string candidates;  // every option `name` is a prefix of, for the ambiguity message
    int prefix_matches = 0;
    for (const LongOption& option : kLongOptions) {
      if (option.name == name) {
        match = &option;
        prefix_matches = 1;
        break;
      }
      if (option.name.starts_with(name)) {
        match = &option;
        ++prefix_matches;
        candidates += (candidates.empty() ? "--" : " or --") + std::string(option.name);
      }
    }
    const std::string spelled = "--" + std::string(name);
    if (match == nullptr || name.empty()) return Fail("unknown option " + spelled);
    if (prefix_matches > 1) {
      return Fail("ambiguous option " + spelled + " (could be " + candidates + ")");
    }
    const std::string full = "--" + std::string(match->name);
    if (!match->takes_argument) {
      if (equals != std::string_view::npos) {
        return Fail("option " + full + " does not take an argument");
      }
      return Apply(match->letter, {}, full);
    }
    if (equals != std::string_view::npos) {
      return Apply(match->letter, body.substr(equals + 1), full);
    }
    if (index + 1 >= argc) return Fail("option " + full + " requires an argument");
    return Apply(match->letter, argv[++index], full);
  }

  // Applies one option. `spelled` names it in messages ("-b", "--chroot").
  bool Apply(char letter, std::string_view argument, std::string_view spelled) {
    std::string error;
    switch (letter) {
      case 'a': config_.scanner_commands.push_back({ScannerCommand::Op::kEnableAll, ""}); break;
      case 'A':
        result_.warnings.push_back("-A" + std::string(argument) +
                                   " has been deprecated. Just use -a");
        break;
      case 'B':
        config_.console.strip = false;
        raw_console_ = true;
        break;
      case 'b': {
        const auto value = ParseInteger<std::int64_t>(argument, spelled, error);
        if (!value) return Fail(error);
        config_.reassembly.max_bytes_per_flow = *value < 0 ? -1 : *value;
        break;
      }
      case 'c': config_.console.enabled = true; break;
      case 'C':
        config_.console.enabled = true;
        config_.console.print_header = false;
        break;
      case 'D':
        config_.console.hex = true;
        config_.console.strip = false;
        raw_console_ = true;
        break;
      case 'd': {
        const auto value = ParseInteger<int>(argument, spelled, error);
        if (!value) return Fail(error);
        config_.debug_level = *value < 0 ? 1 : *value;
        break;
      }
      case 'E': AddScannerCommand(ScannerCommand::Op::kEnableOnly, argument); break;
      case 'e': AddScannerCommand(ScannerCommand::Op::kEnable, argument); break;
      case 'x': AddScannerCommand(ScannerCommand::Op::kDisable, argument); break;
      case 'F': ApplyFilenameFlags(argument); break;
      case 'f': {
        const auto value =
            ParseInteger<int>(argument, spelled, 0, std::numeric_limits<int>::max(), error);
        if (!value) return Fail(error);
        config_.output.max_open_files = *value;
        break;
      }
      case 'g': config_.console.colour = true; break;
      case 'H': scanner_help_ = true; break;
      case 'h': ++help_count_; break;
      case 'I': config_.findx = true; break;
      case 'i': config_.input.interface = argument; break;
      case 'J': config_.console.json = true; break;
      case 'K': config_.per_flow_pcap = true; break;
      case 'L': config_.semlock_name = argument; break;
      case 'l': list_files_ = true; break;
      case 'm': {
        const auto value = ParseInteger<std::uint64_t>(argument, spelled, error);
        if (!value) return Fail(error);
        config_.reassembly.max_seek = *value;
        break;
      }
      case 'o': config_.output.outdir = argument; break;
      case 'P': config_.reassembly.no_purge = true; break;
      case 'p': config_.input.promiscuous = false; break;
      case 'q': config_.quiet = true; break;
      case 'R': config_.input.finish_files.emplace_back(argument); break;
      case 'r': config_.input.read_files.emplace_back(argument); break;
      case 'S': return ApplySetting(argument);
      // -B and -D (raw bytes) win over -s whatever their order, as in tcpflow 1.6.1.
      case 's': config_.console.strip = config_.console.strip || !raw_console_; break;
      case 'T':
        config_.output.filename_template =
            ApplyTemplateOption(std::move(config_.output.filename_template), argument);
        // Refused here, before anything is opened: a bad token, or a name outside the output
        // directory (later -F letters only prepend safe directories).
        if (!FilenameTemplate::Parse(config_.output.filename_template, &error)) return Fail(error);
        break;
      case 'U': config_.drop_to_user = argument; break;
      case 'V': version_ = true; break;
      case 'v': config_.debug_level = 10; break;
      case 'w': config_.write_unprocessed_path = argument; break;
      case 'X': config_.report.path = argument; break;
      case 'Z': config_.no_http_decompress = true; break;
      case 'z':
        config_.chroot_dir = argument;
        chroot_given_ = true;
        break;
      case '0': config_.console.newline = false; break;
      default: return Fail("unknown option " + std::string(spelled));
    }
    return true;
  }

  void AddScannerCommand(ScannerCommand::Op op, std::string_view name) {
    config_.scanner_commands.push_back({op, std::string(name)});
  }

  // -F: each letter in order; X and M are switches, the rest edit the template.
  void ApplyFilenameFlags(std::string_view letters) {
    for (const char letter : letters) {
      if (letter == 'X') {
        config_.output.store_output = false;
      } else if (letter == 'M') {
        AddScannerCommand(ScannerCommand::Op::kEnable, "md5");
      } else if (!ApplyFilenameFlag(config_.output.filename_template, letter)) {
        result_.warnings.push_back("-F invalid format specification '" + std::string(1, letter) +
                                   "'");
      }
    }
  }

  // -S name=value: the row of `name` checks the value and stores it in its typed field.
  bool ApplySetting(std::string_view argument) {
    const std::size_t equals = argument.find('=');
    if (equals == 0 || equals == std::string_view::npos ||
        argument.find('=', equals + 1) != std::string_view::npos) {
      return Fail("invalid -S setting " + Quoted(argument) + ": expected name=value");
    }
    const std::string_view name = argument.substr(0, equals);
    const SettingInfo* setting = FindSetting(name);
    if (setting == nullptr) {
      std::string message = "unknown setting " + Quoted(name) + " for -S";
      const std::string_view closest = ClosestSettingName(name);
      if (!closest.empty()) message += " (did you mean " + std::string(closest) + "?)";
      return Fail(message + "; tcpflow -hh lists every setting");
    }
    std::string error;
    const std::optional<SettingValue> value =
        ParseSettingValue(*setting, argument.substr(equals + 1), error);
    if (!value) return Fail(error);
    setting->store(config_, *value);
    return true;
  }

  // Operands, run mode and the checks that need the whole command line.
  bool Finish() {
    if (list_files_) {
      config_.input.read_files.insert(config_.input.read_files.end(), operands_.begin(),
                                      operands_.end());
    } else if (!operands_.empty()) {
      std::string expression;
      for (const std::string& word : operands_) {
        if (!expression.empty()) expression += ' ';
        expression += word;
      }
      config_.input.bpf_expression = std::move(expression);
    }
    if (version_) {
      config_.mode = RunMode::kVersion;
    } else if (scanner_help_) {
      config_.mode = RunMode::kHelpScanners;
    } else if (help_count_ >= 2) {
      config_.mode = RunMode::kHelpMore;
    } else if (help_count_ == 1) {
      config_.mode = RunMode::kHelp;
    }
    if (config_.mode == RunMode::kRun && chroot_given_ && config_.drop_to_user.empty()) {
      return Fail("-z requires -U");
    }
    // Console mode (-c/-C) prints segments instead of storing flows, and writes a report only
    // when -X names one.
    if (config_.console.enabled) {
      config_.output.store_output = false;
      if (config_.report.path.empty()) config_.report.enabled = false;
      if (config_.report.json_path == "-") {
        return Fail("-S json=- writes to standard output, which -c/-C prints to: name a file");
      }
    }
    return true;
  }

  bool Fail(std::string message) {
    result_.status = ParseResult::Status::kError;
    result_.message = std::move(message);
    return false;
  }

  Config& config_;
  ParseResult& result_;
  std::vector<std::string> operands_;
  int help_count_ = 0;
  bool scanner_help_ = false;
  bool version_ = false;
  bool list_files_ = false;
  bool raw_console_ = false;  // -B or -D seen: -s cannot turn stripping back on
  bool chroot_given_ = false;
};

// Appends `left`, padded with spaces to `width` columns (at least one space), then `right`.
void AddRow(std::string& text, std::string_view left, std::size_t width, std::string_view right) {
  text += left;
  text.append(left.size() < width ? width - left.size() : 1, ' ');
  text += right;
  text += '\n';
}

}  // namespace

ParseResult ParseCommandLine(int argc, const char* const* argv, Config& out) {
  ParseResult result;
  Config config = out;
  config.command_line.clear();
  for (int index = 0; index < argc; ++index) {
    if (index > 0) config.command_line += ' ';
    config.command_line += argv[index];
  }
  Parser parser(config, result);
  if (parser.Run(argc, argv)) out = std::move(config);
  return result;
}

const SettingInfo* FindSetting(std::string_view name) {
  for (const SettingInfo& setting : kSettings) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

std::uint64_t DeriveSeed(std::uint64_t run_seed, SeedUse use) {
  // splitmix64's finaliser over the run's seed and the use.
  std::uint64_t z = run_seed + 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(use);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t RunSeed(const Config& config) {
  if (config.seed != 0) return config.seed;
  std::random_device random;
  const std::uint64_t seed = (std::uint64_t{random()} << 32) ^ random();
  return seed != 0 ? seed : 1;
}

bool AnnouncesClosedFiles(const Config& config) {
  return config.alerts.enabled() || config.scanners.http.alerts.enabled();
}

std::string UsageText(bool more) {
  std::string text =
      "tcpflow: records the data of each TCP connection, one file per direction\n"
      "\n"
      "usage: tcpflow [-aBcCDgHhIJKPpqsVvZ0] [-b max_bytes] [-d level] [-e scanner]\n"
      "               [-E scanner] [-x scanner] [-F flags] [-f max_files] [-i iface]\n"
      "               [-L semaphore] [-m bytes] [-o outdir] [-r file]... [-R file]...\n"
      "               [-S name=value]... [-T template] [-U user] [-w file] [-X file]\n"
      "               [-z dir] [expression | -l file...]\n";
  constexpr std::size_t kWidth = 17;
  const auto row = [&text](std::string_view left, std::string_view right) {
    AddRow(text, left, kWidth, right);
  };
  text += "\nInput:\n";
  row("  -r file", "read a pcap or pcapng file (\"-\" = stdin); may be repeated");
  row("  -R file", "only continue connections already seen; read after all -r files");
  row("  -l", "the arguments after the options are files, not a filter");
  row("  -i iface", "capture live from a network interface");
  row("  -p", "do not put the interface into promiscuous mode");
  row("  expression", "pcap filter (tcpdump syntax) selecting the packets to process");
  text += "\nOutput:\n";
  row("  -o outdir", "directory for flow files and report.xml (default: .)");
  row("  -X file", "path of the DFXML report (default: <outdir>/report.xml)");
  row("  -T template", "name flow files after this template (-hh lists the tokens)");
  row("", std::string("default: ") + kDefaultFilenameTemplate);
  row("  -F letters", "switches for naming and storing, e.g. -Fk (-hh lists them)");
  row("  -b max_bytes", "store at most this many bytes of each flow (default: all)");
  row("  -m bytes", "a sequence jump above this starts a new flow (default 16777216)");
  row("  -f max_files", "most flow files open at once (default: from the fd limit)");
  row("  -I", "also write <flowfile>.findx: the packet time of each offset");
  row("  -K", "save each flow's packets as <flowfile>.pcap instead of its data");
  row("  -w file", "save the packets that were not processed to this pcap file");
  row("  -Z", "keep gzip/deflate HTTP bodies compressed");
  row("  -P", "no purge: FIN/RST do not close flows (they close at the end)");
  row("  -L semaphore", "hold this named POSIX semaphore around every write");
  text += "\nScanners:\n";
  row("  -a", "turn on every scanner and all post-processing");
  row("  -e scanner", "turn on one scanner (\"all\" = every scanner)");
  row("  -x scanner", "turn off one scanner");
  row("  -E scanner", "turn off every scanner but this one (reassembly stays on)");
  row("  -S name=value", "set a parameter (-hh lists them with their defaults)");
  row("  -H", "describe each scanner and its parameters, then exit");
  text += "\nConsole (print to stdout instead of writing flow files):\n";
  row("  -c", "print each segment's data after a line naming its flow");
  row("  -C", "like -c, without the naming line");
  row("  -s", "show non-printable bytes as '.' (the default with -c/-C)");
  row("  -B", "print every byte as it is");
  row("  -D", "print a hex dump");
  row("  -J", "print one JSON object per segment");
  row("  -g", "colour the output by direction");
  row("  -0", "no newline after each segment");
  text += "\nPrivileges:\n";
  row("  -U user", "after opening the capture, switch to this user");
  row("", "(long form: --relinquish-privileges user)");
  row("  -z dir", "also chroot to dir; needs -U (long form: --chroot dir)");
  text += "\nGeneral:\n";
  row("  -d level", "amount of diagnostics on stderr (default 1; 0 = almost none)");
  row("  -v", "same as -d 10 (--verbose)");
  row("  -q", "no warning about output directories holding very many files");
  row("  -h", "show this help; -hh shows more (--help)");
  row("  -V", "print the version and exit (--version)");
  if (!more) return text;

  text += "\nParameters for -S name=value (shown with their defaults):\n";
  for (const SettingInfo& setting : kSettings) {
    text += "  ";
    text += setting.name;
    text += '=';
    text += setting.default_value;
    text += " [";
    text += setting.owner;
    text += "]\n      ";
    text += setting.help;
    text += '\n';
  }
  text += "\n-F letters (applied left to right, in command-line order with -T):\n";
  row("  c", "add the connection counter to every name, the first one's too");
  row("  t", "start names with the first packet's time in seconds since 1970");
  row("  T", "start names with the first packet's time in ISO 8601 (UTC)");
  row("  k", "put flows in directories of 1000 (000/, 001/, ...)");
  row("  m", "two directory levels, a million flows per top directory");
  row("  g", "three directory levels, a billion flows per top directory");
  row("  X", "write no flow files (report.xml only)");
  row("  M", "record each flow's MD5 in the report (same as -e md5)");
  text += "\n-T template tokens (%C%c is added to a template without %c):\n";
  row("  %A %B", "source / destination address");
  row("  %a %b", "source / destination port (5 digits)");
  row("  %E %e", "source / destination MAC address");
  row("  %V %v", "\"--\" / the VLAN id, when the packets carry a VLAN tag");
  row("  %T %t", "first packet's time: ISO 8601 (UTC) / seconds since 1970");
  row("  %c %C", "connection counter / the letter c; both empty while it is 0");
  row("  %#", "connection counter, always (0, 1, 2, ...)");
  row("  %N", "flow number modulo 1000 (3 digits)");
  row("  %K %M %G", "flow number / 1000, / 1000000, / 1000000000, each modulo 1000");
  row("  %S", "session id shared by both directions (20 digits)");
  row("  %%", "a literal %");
  row("  /", "starts a subdirectory");
  text += "\nExit status:\n";
  row("  0", "success, also after -h, -hh, -H and -V");
  row("  1", "error (bad option or value, unreadable input, bad filter, I/O)");
  return text;
}

}  // namespace tcpflow
