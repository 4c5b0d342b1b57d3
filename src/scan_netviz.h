// scan_netviz.h: the netviz packet scanner (-e netviz, -a): traffic counts for report.pdf.
//
// Design note: every frame the link layer decoded is counted (TCP or not, IP or not), by its
// wire length: packets, bytes, the outer network type (IPv4/IPv6/VLAN/other), the first and
// last time, bytes over time, bytes per source and destination address (IP frames), and bytes
// per TCP source and destination port (TCP packets with ports only; UDP ports are not counted,
// as in tcpflow 1.6.1). At the end of the run the counts become a NetvizReport and
// netviz_render draws it.
//
// Memory is bounded whatever the input, and nothing is allocated per packet once warm:
//  * Time: NetvizTimeHistogram keeps kBuckets buckets of a power-of-two width in microseconds.
//    When a packet falls outside the window the width doubles (pairs of buckets merge) until
//    the whole span fits, so the histogram always covers first..last at a resolution of at
//    least span/(kBuckets/2). Each bucket splits its bytes by port class; TCP bytes without a
//    fixed class are kept per source port in kPortSlots slots, because which ports get the
//    "top port" colours is known only at the end. When the slots are full the smallest port's
//    bytes move to "other TCP" (grey).
//  * Addresses: NetvizHeavyHitters, a Space-Saving summary (Metwally, Agrawal, El Abbadi 2005)
//    of `histogram_size` entries. It is exact while there are at most that many distinct
//    addresses; beyond that every address with more than total/capacity bytes is kept, and a
//    kept count may be too high by at most its recorded error. (tcpflow 1.6.1 uses a prefix tree
//    that merges addresses into prefixes such as "0.0.0.0/2" instead; we always show single
//    addresses.)
//  * Ports: two arrays of 65536 counters (1 MiB), exact.
#ifndef TCPFLOW_SCAN_NETVIZ_H
#define TCPFLOW_SCAN_NETVIZ_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ip_address.h"
#include "netviz_render.h"
#include "scanner.h"

namespace tcpflow {

struct NetvizConfig {
  std::string pdf_path;  // <outdir>/report.pdf
  std::string program = "TCPFLOW";
  std::string version;
  std::vector<std::string> inputs;    // -r files or "interface:eth0"; the header shows the first
  std::size_t histogram_size = 1000;  // -S netviz_histogram_size: address entries kept
  bool histogram_dump = false;        // -S netviz_histogram_dump: print the address tables
  std::int64_t generated_time = 0;    // Unix seconds for "Generated:" (passed in for tests)
  std::uint64_t seed = 0;             // the run's seed (the address tables' hashes)
};

// Bytes over time at a bounded resolution (see the design note).
class NetvizTimeHistogram {
 public:
  static constexpr std::size_t kBuckets = 1024;
  static constexpr std::size_t kPortSlots = 8;
  static constexpr std::size_t kFixedClasses = 4;  // NetvizColor kHttp..kFtp

  struct PortBytes {
    std::uint16_t src_port = 0;
    std::uint64_t bytes = 0;
  };
  struct Bucket {
    std::array<std::uint64_t, kFixedClasses> fixed{};  // indexed by NetvizColor kHttp..kFtp
    std::uint64_t other_tcp = 0;                       // TCP bytes no longer in `ports`
    std::uint64_t non_tcp = 0;
    std::array<PortBytes, kPortSlots> ports{};
    std::uint8_t port_count = 0;
  };

  NetvizTimeHistogram();

  // `time_us`: microseconds since the epoch (any value; the window adapts).
  void AddFixed(std::int64_t time_us, NetvizColor fixed_class, std::uint64_t bytes);
  // TCP bytes whose ports have no fixed class, kept by source port.
  void AddOtherTcp(std::int64_t time_us, std::uint16_t src_port, std::uint64_t bytes);
  void AddNonTcp(std::int64_t time_us, std::uint64_t bytes);

  bool empty() const { return empty_; }
  // Bucket i covers [origin_us() + i * width_us(), + width_us()); i < kBuckets.
  std::int64_t origin_us() const { return origin_us_; }
  std::int64_t width_us() const { return width_us_; }
  // Buckets from index 0 up to the last one that holds bytes (0 when empty).
  std::size_t used_buckets() const { return empty_ ? 0 : last_used_ + 1; }
  const Bucket& bucket(std::size_t i) const { return (*buckets_)[i]; }
  // How many times the window was moved or widened.
  std::size_t rebuckets() const { return rebuckets_; }

 private:
  Bucket& BucketFor(std::int64_t time_us);
  void Rebucket(std::int64_t new_origin_us, std::int64_t new_width_us);

  std::unique_ptr<std::array<Bucket, kBuckets>> buckets_;
  std::unique_ptr<std::array<Bucket, kBuckets>> scratch_;
  bool empty_ = true;
  std::int64_t origin_us_ = 0;
  std::int64_t width_us_ = 1;
  std::int64_t min_us_ = 0;  // earliest and latest time added
  std::int64_t max_us_ = 0;
  std::size_t first_used_ = 0;
  std::size_t last_used_ = 0;
  std::size_t rebuckets_ = 0;
};

// Space-Saving top-k summary of bytes per address, `capacity` entries, allocated up front.
class NetvizHeavyHitters {
 public:
  struct Entry {
    IpAddress addr;
    std::uint64_t bytes = 0;  // an upper bound; exact when error == 0
    std::uint64_t error = 0;  // how much of `bytes` may belong to evicted addresses
  };

  // `capacity` >= 1. `seed` perturbs the hash (the results do not depend on it).
  NetvizHeavyHitters(std::size_t capacity, std::uint64_t seed);

  void Add(const IpAddress& addr, std::uint64_t bytes);
  // The `n` entries with the most bytes, busiest first; ties by address.
  std::vector<Entry> Top(std::size_t n) const;
  std::size_t size() const { return heap_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct Node {
    Entry entry;
    std::uint64_t hash = 0;
    std::uint32_t slot = 0;  // where table_ points at this node
  };
  static constexpr std::uint32_t kEmptySlot = 0xFFFFFFFFu;

  std::uint64_t Hash(const IpAddress& addr) const;
  // The table slot holding `addr`, or the empty slot where it would go.
  std::uint32_t FindSlot(const IpAddress& addr, std::uint64_t hash) const;
  void EraseSlot(std::uint32_t slot);
  void SwapNodes(std::size_t a, std::size_t b);
  void SiftUp(std::size_t i);
  void SiftDown(std::size_t i);

  std::size_t capacity_;
  std::uint64_t seed_;
  std::vector<Node> heap_;            // min-heap by bytes
  std::vector<std::uint32_t> table_;  // open addressing (linear probing) into heap_
  std::uint64_t mask_ = 0;
  std::uint64_t evictions_ = 0;
};

class NetvizScanner final : public Scanner {
 public:
  // report.pdf is created through `fs`, which must outlive the scanner.
  NetvizScanner(const NetvizConfig& config, OutputFs& fs);

  bool wants_streams() const override { return false; }
  bool wants_packets() const override { return true; }
  void OnPacket(const PacketSummary& packet) override;
  // Writes the dump (if configured) to stdout and renders the PDF into config.pdf_path, created
  // (or emptied) through the file system.
  bool OnRunEnd(std::string* error) override;

  // The collected counts in the form the renderer takes.
  NetvizReport BuildReport() const;
  // The netviz_histogram_dump text: each address table, one "addr  count=BYTES" line per entry
  // in address order.
  void WriteDump(std::ostream& out) const;

  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }
  const NetvizTimeHistogram& histogram() const { return histogram_; }
  const NetvizHeavyHitters& src_addrs() const { return src_addrs_; }
  const NetvizHeavyHitters& dst_addrs() const { return dst_addrs_; }

 private:
  NetvizConfig config_;
  OutputFs& fs_;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t tcp_bytes_ = 0;
  std::int64_t first_us_ = 0;
  std::int64_t last_us_ = 0;
  std::array<std::uint64_t, 4> network_bytes_{};  // by PacketSummary::Network
  NetvizTimeHistogram histogram_;
  NetvizHeavyHitters src_addrs_;
  NetvizHeavyHitters dst_addrs_;
  std::vector<std::uint64_t> src_port_bytes_;  // 65536 each
  std::vector<std::uint64_t> dst_port_bytes_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCAN_NETVIZ_H
