// ip_address.h: an IPv4 or IPv6 address as a value type (RFC 791, RFC 8200 addressing).
#ifndef TCPFLOW_IP_ADDRESS_H
#define TCPFLOW_IP_ADDRESS_H

#include <array>
#include <cstdint>
#include <string>

namespace tcpflow {

class IpAddress {
 public:
  enum class Family : std::uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };

  IpAddress() = default;
  // `bytes` holds 4 bytes (network order) for V4 and 16 for V6.
  static IpAddress V4(const std::uint8_t* bytes);
  static IpAddress V6(const std::uint8_t* bytes);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  bool is_v6() const { return family_ == Family::kV6; }
  // 4 significant bytes for V4 (the rest zero), 16 for V6.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  // The platform AF_ value written to report.xml (2 for IPv4, 10 for IPv6 on Linux).
  int AddressFamilyNumber() const;

  // Normal text form: "192.168.1.2", or inet_ntop's IPv6 text ("2001:db8::1").
  std::string ToString() const;
  // The flow-file-name form: IPv4 octets zero-padded to 3 digits ("192.168.001.002");
  // IPv6 the same as ToString().
  std::string ToFilenameString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }

 private:
  Family family_ = Family::kNone;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace tcpflow

#endif  // TCPFLOW_IP_ADDRESS_H
