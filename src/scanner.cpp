// scanner.cpp: the -e / -E / -x / -a selection rules over the scanner table (config.h) and -H.
#include "scanner.h"

namespace tcpflow {

std::size_t ScannerIndex(std::string_view name) {
  for (std::size_t index = 0; index < kScannerCount; ++index) {
    if (kScanners[index].name == name) return index;
  }
  return kScannerCount;
}

bool SelectScanners(const std::vector<ScannerCommand>& commands, ScannerSelection* out,
                    std::string* error) {
  ScannerSelection selection;
  for (std::size_t index = 0; index < kScannerCount; ++index) {
    selection.set(index, kScanners[index].enabled_by_default);
  }
  const auto enable = [&](std::size_t index) {
    const ScannerInfo& info = kScanners[index];
    if (!info.missing_reason.empty()) {
      *error = "scanner '" + std::string(info.name) + "': " + std::string(info.missing_reason);
      return false;
    }
    selection.set(index, true);
    return true;
  };
  const auto enable_all = [&] {
    for (std::size_t index = 0; index < kScannerCount; ++index) {
      if (kScanners[index].missing_reason.empty()) selection.set(index, true);
    }
  };
  for (const ScannerCommand& command : commands) {
    if (command.op == ScannerCommand::Op::kEnableAll ||
        (command.op == ScannerCommand::Op::kEnable && command.name == "all")) {
      enable_all();
      continue;
    }
    const std::size_t index = ScannerIndex(command.name);
    if (index == kScannerCount) {
      *error = "invalid scanner name '" + command.name + "'";
      return false;
    }
    switch (command.op) {
      case ScannerCommand::Op::kEnable:
        if (!enable(index)) return false;
        break;
      case ScannerCommand::Op::kDisable: selection.set(index, false); break;
      case ScannerCommand::Op::kEnableOnly:
        for (std::size_t other = 0; other < kScannerCount; ++other) {
          selection.set(other, kScanners[other].name == "tcpdemux");
        }
        if (!enable(index)) return false;
        break;
      case ScannerCommand::Op::kEnableAll: break;
    }
  }
  *out = selection;
  return true;
}

std::string ScannerHelpText(bool with_settings) {
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
    for (const SettingInfo& setting : kSettings) {
      if (!with_settings || setting.owner != info.name) continue;
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
