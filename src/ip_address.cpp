// ip_address.cpp: IPv4/IPv6 address value type and its text forms (RFC 791, RFC 8200, RFC 5952).
#include "ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>

namespace tcpflow {

IpAddress IpAddress::V4(const std::uint8_t* bytes) {
  IpAddress a;
  a.family_ = Family::kV4;
  std::copy(bytes, bytes + 4, a.bytes_.begin());
  return a;
}

IpAddress IpAddress::V6(const std::uint8_t* bytes) {
  IpAddress a;
  a.family_ = Family::kV6;
  std::copy(bytes, bytes + 16, a.bytes_.begin());
  return a;
}

int IpAddress::AddressFamilyNumber() const {
  switch (family_) {
    case Family::kV4: return AF_INET;
    case Family::kV6: return AF_INET6;
    case Family::kNone: break;
  }
  return AF_UNSPEC;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  switch (family_) {
    case Family::kV4:
      std::snprintf(text, sizeof text, "%u.%u.%u.%u", bytes_[0], bytes_[1], bytes_[2], bytes_[3]);
      return text;
    case Family::kV6:
      // inet_ntop only fails on a bad family or a short buffer; neither can happen here.
      inet_ntop(AF_INET6, bytes_.data(), text, sizeof text);
      return text;
    case Family::kNone: break;
  }
  return "";
}

std::string IpAddress::ToFilenameString() const {
  if (family_ != Family::kV4) return ToString();
  char text[16] = {};
  std::snprintf(text, sizeof text, "%03u.%03u.%03u.%03u", bytes_[0], bytes_[1], bytes_[2],
                bytes_[3]);
  return text;
}

}  // namespace tcpflow
