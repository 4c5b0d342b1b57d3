// pcap_source.cpp: capture input through libpcap.
#include "pcap_source.h"

#include <pcap/pcap.h>

namespace tcpflow {

PcapSource::PcapSource(pcap* handle, std::string name)
    : handle_(handle), name_(std::move(name)), link_type_(pcap_datalink(handle)) {}

PcapSource::~PcapSource() {
  pcap_close(handle_);
}

std::unique_ptr<PcapSource> PcapSource::OpenFile(const std::string& path, std::string* error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (handle == nullptr) {
    std::string why = errbuf;
    // libpcap already starts its open errors with the path; don't say it twice.
    if (why.rfind(path + ":", 0) == 0) why = why.substr(path.size() + 1);
    while (!why.empty() && why.front() == ' ') why.erase(0, 1);
    *error = path + ": " + why;
    return nullptr;
  }
  return std::unique_ptr<PcapSource>(new PcapSource(handle, path));
}

std::unique_ptr<PcapSource> PcapSource::OpenLive(const InputConfig& input, std::string* error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::string device = input.interface;
  if (device.empty()) {
    pcap_if_t* devices = nullptr;
    if (pcap_findalldevs(&devices, errbuf) != 0 || devices == nullptr) {
      *error = std::string("no capture device found") + (errbuf[0] ? ": " : "") + errbuf;
      if (devices != nullptr) pcap_freealldevs(devices);
      return nullptr;
    }
    device = devices->name;
    pcap_freealldevs(devices);
  }
  pcap_t* handle = pcap_create(device.c_str(), errbuf);
  if (handle == nullptr) {
    *error = device + ": " + errbuf;
    return nullptr;
  }
  pcap_set_snaplen(handle, 65536);
  pcap_set_promisc(handle, input.promiscuous ? 1 : 0);
  pcap_set_timeout(handle, input.packet_buffer_timeout_ms);
  if (pcap_activate(handle) < 0) {
    *error = device + ": " + pcap_geterr(handle);
    pcap_close(handle);
    return nullptr;
  }
  return std::unique_ptr<PcapSource>(new PcapSource(handle, device));
}

bool PcapSource::SetFilter(const std::string& expression, std::string* error) {
  if (expression.empty()) return true;
  bpf_program program{};
  if (pcap_compile(handle_, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    *error = "cannot parse filter expression '" + expression + "': " + pcap_geterr(handle_);
    return false;
  }
  bool ok = pcap_setfilter(handle_, &program) == 0;
  if (!ok) *error = "cannot install filter: " + std::string(pcap_geterr(handle_));
  pcap_freecode(&program);
  return ok;
}

PcapSource::Status PcapSource::Next(RawPacket* out) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  switch (pcap_next_ex(handle_, &header, &data)) {
    case 1:
      out->ts.sec = header->ts.tv_sec;
      out->ts.usec = static_cast<std::int32_t>(header->ts.tv_usec);
      out->wire_len = header->len;
      out->data = Bytes(data, header->caplen);
      return Status::kPacket;
    case 0: return Status::kTimeout;
    case PCAP_ERROR_BREAK: return Status::kEnd;
    default: error_ = name_ + ": " + pcap_geterr(handle_); return Status::kError;
  }
}

void PcapSource::BreakLoop() {
  pcap_breakloop(handle_);
}

}  // namespace tcpflow
