// strip_padding.cpp: copies a capture with every frame cut at the end of its IP packet, so the
// link-layer trailer (Ethernet padding, FCS) is gone. The compatibility test runs tcpflow 1.6.1
// on the copy to show that storing trailers is the only difference between its output and ours
// (doc/differences.md#ethernet-padding). Frames our decoders cannot parse are copied unchanged.
//
//   strip_padding IN OUT     exit 0 on success; OUT is a classic pcap of IN's link type
#include <pcap/pcap.h>

#include <cstdio>
#include <iostream>

#include "anomaly.h"
#include "datalink.h"
#include "ip.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: strip_padding IN OUT\n";
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline(argv[1], errbuf);
  if (in == nullptr) {
    std::cerr << errbuf << "\n";
    return 1;
  }
  pcap_dumper_t* out = pcap_dump_open(in, argv[2]);
  if (out == nullptr) {
    std::cerr << pcap_geterr(in) << "\n";
    pcap_close(in);
    return 1;
  }
  const int link_type = pcap_datalink(in);
  tcpflow::AnomalyCounters anomalies;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(in, &header, &data)) == 1) {
    pcap_pkthdr copy = *header;
    tcpflow::Bytes frame(data, header->caplen);
    tcpflow::LinkLayer link;
    tcpflow::IpLayer ip;
    if (tcpflow::DecodeLink(link_type, frame, link, anomalies) &&
        tcpflow::DecodeIp(link.network, link.ethertype, ip, anomalies) && !ip.truncated) {
      const auto end = static_cast<bpf_u_int32>(ip.payload.data() + ip.payload.size() - data);
      if (end < copy.caplen) {
        copy.len -= copy.caplen - end;
        copy.caplen = end;
      }
    }
    pcap_dump(reinterpret_cast<u_char*>(out), &copy, data);
  }
  pcap_dump_close(out);
  pcap_close(in);
  return rc == PCAP_ERROR ? 1 : 0;
}
