// scanner.cpp: the table of compiled-in scanners and the -e / -E / -x / -a selection rules.
#include "scanner.h"

#include "build_config.h"

namespace tcpflow {
namespace {

constexpr std::string_view kNotBuilt = "";

constexpr ScannerInfo kScanners[] = {
    {ScannerId::kMd5, "md5", false,
     "MD5 (and -S hash=sha1,sha256) digest of every flow file, in the report", kNotBuilt},
    {ScannerId::kHttp, "http", false,
     "HTTP/1.x bodies to <flowfile>-HTTPBODY-NNN[.ext], gzip/deflate inflated", kNotBuilt},
    {ScannerId::kPython, "python", false,
     "calls a Python 3 function per closed flow; the result goes in report.xml",
#if HAVE_PYTHON3
     kNotBuilt
#else
     "built without Python 3 (configure found no python3-embed)"
#endif
    },
    {ScannerId::kNetviz, "netviz", false, "one-page PDF summary of the traffic: report.pdf",
#if HAVE_CAIRO
     kNotBuilt
#else
     "built without cairo (configure found no cairo)"
#endif
    },
    {ScannerId::kTcpdemux, "tcpdemux", true, "TCP reassembly into flow files (on by default)",
     kNotBuilt},
    {ScannerId::kWifiviz, "wifiviz", false, "802.11 SSID summary",
     "not implemented in this version"},
};

const ScannerInfo* Find(std::string_view name) {
  for (const ScannerInfo& info : kScanners) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace

std::span<const ScannerInfo> CompiledScanners() {
  return kScanners;
}

bool SelectScanners(const std::vector<ScannerCommand>& commands, ScannerSelection* out,
                    std::string* error) {
  ScannerSelection selection;
  for (const ScannerInfo& info : kScanners) selection.set(info.id, info.enabled_by_default);
  const auto enable = [&](const ScannerInfo& info) {
    if (!info.missing_reason.empty()) {
      *error = "scanner '" + std::string(info.name) + "': " + std::string(info.missing_reason);
      return false;
    }
    selection.set(info.id, true);
    return true;
  };
  const auto enable_all = [&] {
    for (const ScannerInfo& info : kScanners) {
      if (info.missing_reason.empty()) selection.set(info.id, true);
    }
  };
  for (const ScannerCommand& command : commands) {
    if (command.op == ScannerCommand::Op::kEnableAll ||
        (command.op == ScannerCommand::Op::kEnable && command.name == "all")) {
      enable_all();
      continue;
    }
    const ScannerInfo* info = Find(command.name);
    if (info == nullptr) {
      *error = "invalid scanner name '" + command.name + "'";
      return false;
    }
    switch (command.op) {
      case ScannerCommand::Op::kEnable:
        if (!enable(*info)) return false;
        break;
      case ScannerCommand::Op::kDisable: selection.set(info->id, false); break;
      case ScannerCommand::Op::kEnableOnly:
        for (const ScannerInfo& other : kScanners) {
          selection.set(other.id, other.id == ScannerId::kTcpdemux);
        }
        if (!enable(*info)) return false;
        break;
      case ScannerCommand::Op::kEnableAll: break;
    }
  }
  *out = selection;
  return true;
}

std::string ScannerHelpText() {
  std::string text = "Scanners (in the order they see each flow):\n";
  for (const ScannerInfo& info : kScanners) {
    text += "\n  ";
    text += info.name;
    if (!info.missing_reason.empty()) {
      text += " (unavailable: ";
      text += info.missing_reason;
      text += ")";
    } else {
      text += info.enabled_by_default ? " (on by default)" : " (off by default)";
    }
    text += "\n    ";
    text += info.description;
    text += '\n';
    for (const KnownSetting& setting : KnownSettings()) {
      if (setting.owner != info.name) continue;
      std::string left =
          "    -S " + std::string(setting.name) + "=" + std::string(setting.default_value);
      // The help after the name, or on a line of its own when both would pass 80 columns.
      if (left.size() < 36 && 36 + setting.help.size() <= 80) {
        left.append(36 - left.size(), ' ');
      } else {
        left += "\n        ";
      }
      text += left;
      text += setting.help;
      text += '\n';
    }
  }
  text += "\nTurn one on with -e NAME (all: -a), off with -x NAME; -E NAME keeps only NAME.\n";
  return text;
}

}  // namespace tcpflow
