// scanner_set.cpp: building the run's scanners from the scanner table and the selection.
#include "scanner_set.h"

#include <algorithm>
#include <string>

namespace tcpflow {

std::unique_ptr<ScannerSet> ScannerSet::Create(const Config& config, std::uint64_t seed,
                                               OutputFs& fs, const ScannerRunInfo& info,
                                               std::string* error) {
  std::unique_ptr<ScannerSet> set(new ScannerSet(config.reassembly.max_bytes_per_flow));
  if (!SelectScanners(config.scanner_commands, &set->selection_, error)) return nullptr;
  for (std::size_t index = 0; index < kScannerCount; ++index) {
    const ScannerInfo& row = kScanners[index];
    if (row.make == nullptr) continue;
    const bool named =
        std::any_of(config.scanner_commands.begin(), config.scanner_commands.end(),
                    [&row](const ScannerCommand& command) {
                      return command.name == row.name && command.op != ScannerCommand::Op::kDisable;
                    });
    const ScannerContext context{
        config, fs, set->anomalies_, info, seed, set->selection_.enabled(index), named};
    error->clear();
    std::unique_ptr<Scanner> scanner = row.make(context, error);
    if (!scanner) {
      if (!error->empty()) return nullptr;
      continue;
    }
    if (scanner->wants_streams() && config.per_flow_pcap) {
      // -K copies packets instead of reassembling: a stream scanner would see nothing.
      *error = "-K copies each flow's packets instead of reassembling them: the " +
               std::string(row.name) + " scanner cannot run with it";
      return nullptr;
    }
    if (scanner->wants_streams()) set->stored_stream_.Add(scanner.get());
    if (scanner->wants_packets()) set->packet_scanners_.push_back(scanner.get());
    set->owned_.push_back(std::move(scanner));
  }
  return set;
}

ScannerSet::~ScannerSet() = default;

bool ScannerSet::Finish(std::string* error) {
  bool ok = true;
  for (const auto& scanner : owned_) {
    std::string why;
    if (!scanner->OnRunEnd(&why) && ok) {
      *error = why;
      ok = false;
    }
  }
  return ok;
}

std::vector<std::string> ScannerSet::Warnings() const {
  std::vector<std::string> warnings;
  for (const auto& scanner : owned_) {
    for (std::string& warning : scanner->Warnings()) warnings.push_back(std::move(warning));
  }
  return warnings;
}

bool ScannerSet::failed() const {
  return std::any_of(owned_.begin(), owned_.end(),
                     [](const auto& scanner) { return scanner->failed(); });
}

const std::string& ScannerSet::error() const {
  for (const auto& scanner : owned_) {
    if (scanner->failed()) return scanner->error();
  }
  static const std::string kNone;
  return kNone;
}

}  // namespace tcpflow
