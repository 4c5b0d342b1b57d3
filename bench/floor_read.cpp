// floor_read.cpp: the cheapest way to read a capture with libpcap (pcap_open_offline, then
// pcap_next_ex until the end), timed by the benchmarks as the read floor of every tool.
//
// Prints "packets=N caplen_bytes=N". Exits 0 at the end of the file, 1 on any libpcap error.

#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>

namespace tcpflow {
namespace {

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: floor_read CAPTURE\n", stderr);
    return 1;
  }
  char error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* pcap = pcap_open_offline(argv[1], error);
  if (pcap == nullptr) {
    std::fprintf(stderr, "floor_read: %s\n", error);
    return 1;
  }
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int result;
  while ((result = pcap_next_ex(pcap, &header, &data)) == 1) {
    ++packets;
    bytes += header->caplen;
  }
  if (result != PCAP_ERROR_BREAK) {
    std::fprintf(stderr, "floor_read: %s\n", pcap_geterr(pcap));
    pcap_close(pcap);
    return 1;
  }
  pcap_close(pcap);
  std::printf("packets=%llu caplen_bytes=%llu\n", static_cast<unsigned long long>(packets),
              static_cast<unsigned long long>(bytes));
  return 0;
}

}  // namespace
}  // namespace tcpflow

int main(int argc, char** argv) {
  return tcpflow::Main(argc, argv);
}
