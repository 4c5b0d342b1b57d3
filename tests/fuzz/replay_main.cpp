// replay_main.cpp: runs the fuzz harness without libFuzzer, over files or folders of inputs
// (the seed corpus and saved crashers), and converts pcap files into harness inputs.
//
//   fuzz_replay FILE|DIR...             run every input once; exit 1 if any cannot be read
//   fuzz_replay --from-pcap IN OUT      write OUT: IN's link type selector and frames
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using tcpflow::fuzz::kLinkTypes;

int FromPcap(const char* in, const char* out) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(in, errbuf);
  if (p == nullptr) {
    std::cerr << errbuf << "\n";
    return 1;
  }
  int selector = -1;
  for (std::size_t i = 0; i < kLinkTypes.size(); ++i) {
    if (kLinkTypes[i] == pcap_datalink(p)) selector = static_cast<int>(i);
  }
  if (selector < 0) {
    std::cerr << in << ": link type " << pcap_datalink(p) << " has no selector\n";
    pcap_close(p);
    return 1;
  }
  std::vector<char> bytes{static_cast<char>(selector)};
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  while (pcap_next_ex(p, &h, &d) == 1) {
    std::size_t len = h->caplen > 0xFFFF ? 0xFFFF : h->caplen;
    bytes.push_back(static_cast<char>(len >> 8));
    bytes.push_back(static_cast<char>(len & 0xFF));
    bytes.insert(bytes.end(), d, d + len);
  }
  pcap_close(p);
  std::ofstream(out, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return 0;
}

bool RunOne(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(f)),
                                 std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--from-pcap") return FromPcap(argv[2], argv[3]);
  int runs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        ok = RunOne(e.path()) && ok;
        ++runs;
      }
    } else {
      ok = RunOne(p) && ok;
      ++runs;
    }
  }
  std::cout << "replayed " << runs << " inputs\n";
  return ok ? 0 : 1;
}
