// scan_netviz.cpp: the netviz packet scanner: bounded traffic counts turned into a NetvizReport.
#include "scan_netviz.h"

#include <algorithm>
#include <iostream>
#include <utility>

namespace tcpflow {

namespace {

constexpr std::size_t kPortCount = 65536;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Adds a source port's bytes to a bucket; when all slots hold other ports, the smaller of the
// newcomer and the smallest slot goes to other_tcp.
void AddPortTo(NetvizTimeHistogram::Bucket& bucket, const NetvizTimeHistogram::PortBytes& port) {
  for (std::size_t i = 0; i < bucket.port_count; ++i) {
    auto& slot = bucket.ports[i];
    if (slot.src_port == port.src_port) {
      slot.bytes += port.bytes;
      return;
    }
  }
  if (bucket.port_count < NetvizTimeHistogram::kPortSlots) {
    bucket.ports[bucket.port_count++] = port;
    return;
  }
  auto smallest = std::min_element(bucket.ports.begin(), bucket.ports.end(),
                                   [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  if (smallest->bytes < port.bytes) {
    bucket.other_tcp += smallest->bytes;
    *smallest = port;
  } else {
    bucket.other_tcp += port.bytes;
  }
}

void MergeBucket(NetvizTimeHistogram::Bucket& into, const NetvizTimeHistogram::Bucket& from) {
  for (std::size_t i = 0; i < into.fixed.size(); ++i) into.fixed[i] += from.fixed[i];
  into.other_tcp += from.other_tcp;
  into.non_tcp += from.non_tcp;
  for (std::size_t i = 0; i < from.port_count; ++i) AddPortTo(into, from.ports[i]);
}

bool BucketHasBytes(const NetvizTimeHistogram::Bucket& bucket) {
  if (bucket.other_tcp != 0 || bucket.non_tcp != 0 || bucket.port_count != 0) return true;
  return std::any_of(bucket.fixed.begin(), bucket.fixed.end(),
                     [](std::uint64_t b) { return b != 0; });
}

bool AddressLess(const IpAddress& a, const IpAddress& b) {
  if (a.family() != b.family()) return a.family() < b.family();
  return a.bytes() < b.bytes();
}

// The `n` busiest ports of `counts` (ties: lower port first), with their colour classes.
std::vector<std::pair<std::uint16_t, std::uint64_t>> TopPorts(
    const std::vector<std::uint64_t>& counts, std::size_t n) {
  std::vector<std::pair<std::uint16_t, std::uint64_t>> ports;
  for (std::size_t p = 0; p < counts.size(); ++p) {
    if (counts[p] != 0) ports.emplace_back(static_cast<std::uint16_t>(p), counts[p]);
  }
  const auto busier = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const std::size_t keep = std::min(n, ports.size());
  std::partial_sort(ports.begin(), ports.begin() + static_cast<std::ptrdiff_t>(keep), ports.end(),
                    busier);
  ports.resize(keep);
  return ports;
}

}  // namespace

std::unique_ptr<Scanner> MakeNetvizScanner(const ScannerContext& context, std::string*) {
  if (!context.enabled) return nullptr;
  const Config& config = context.config;
  NetvizConfig netviz;
  netviz.pdf_path =
      (config.output.outdir.empty() || config.output.outdir == "." ? std::string()
                                                                   : config.output.outdir + "/") +
      "report.pdf";
  netviz.version = context.run.version;
  netviz.inputs = context.run.inputs;
  netviz.generated_time = context.run.start_time;
  netviz.histogram_size = config.scanners.netviz.histogram_size;
  netviz.histogram_dump = config.scanners.netviz.histogram_dump;
  netviz.seed = context.seed;
  return std::make_unique<NetvizScanner>(netviz, context.fs);
}

// ------------------------------------------------------------------------- NetvizTimeHistogram

NetvizTimeHistogram::NetvizTimeHistogram()
    : buckets_(std::make_unique<std::array<Bucket, kBuckets>>()),
      scratch_(std::make_unique<std::array<Bucket, kBuckets>>()) {}

void NetvizTimeHistogram::AddFixed(std::int64_t time_us, NetvizColor fixed_class,
                                   std::uint64_t bytes) {
  BucketFor(time_us).fixed[static_cast<std::size_t>(fixed_class)] += bytes;
}

void NetvizTimeHistogram::AddOtherTcp(std::int64_t time_us, std::uint16_t src_port,
                                      std::uint64_t bytes) {
  AddPortTo(BucketFor(time_us), PortBytes{src_port, bytes});
}

void NetvizTimeHistogram::AddNonTcp(std::int64_t time_us, std::uint64_t bytes) {
  BucketFor(time_us).non_tcp += bytes;
}

NetvizTimeHistogram::Bucket& NetvizTimeHistogram::BucketFor(std::int64_t time_us) {
  if (empty_) {
    empty_ = false;
    origin_us_ = time_us;
    width_us_ = 1;
    min_us_ = max_us_ = time_us;
    first_used_ = last_used_ = 0;
    return (*buckets_)[0];
  }
  const std::int64_t window = static_cast<std::int64_t>(kBuckets) * width_us_;
  if (time_us < origin_us_ || time_us - origin_us_ >= window) {
    const bool earlier = time_us < min_us_;
    const std::int64_t lo = std::min(min_us_, time_us);
    const std::int64_t hi = std::max(max_us_, time_us);
    std::int64_t width = width_us_;
    // Bucket indexes are relative to an origin aligned to the width, so lo..hi fits when their
    // aligned bucket numbers differ by less than kBuckets (with one bucket to spare for the
    // slack placement below).
    while (FloorDiv(hi, width) - FloorDiv(lo, width) >= static_cast<std::int64_t>(kBuckets) - 1) {
      width *= 2;
    }
    std::int64_t start = lo;
    if (earlier) {
      // Times are going backwards: leave half of the free room before lo, so a run of earlier
      // packets does not move the window every time.
      const std::int64_t free = (static_cast<std::int64_t>(kBuckets) - 2) * width - (hi - lo);
      start = lo - std::max<std::int64_t>(0, free / 2);
    }
    Rebucket(FloorDiv(start, width) * width, width);
  }
  min_us_ = std::min(min_us_, time_us);
  max_us_ = std::max(max_us_, time_us);
  const auto index = static_cast<std::size_t>((time_us - origin_us_) / width_us_);
  first_used_ = std::min(first_used_, index);
  last_used_ = std::max(last_used_, index);
  return (*buckets_)[index];
}

void NetvizTimeHistogram::Rebucket(std::int64_t new_origin_us, std::int64_t new_width_us) {
  ++rebuckets_;
  std::fill(scratch_->begin(), scratch_->end(), Bucket{});
  std::size_t new_first = kBuckets;
  std::size_t new_last = 0;
  for (std::size_t i = first_used_; i <= last_used_; ++i) {
    const Bucket& old = (*buckets_)[i];
    if (!BucketHasBytes(old)) continue;
    const std::int64_t start = origin_us_ + static_cast<std::int64_t>(i) * width_us_;
    const auto j = static_cast<std::size_t>((start - new_origin_us) / new_width_us);
    MergeBucket((*scratch_)[j], old);
    new_first = std::min(new_first, j);
    new_last = std::max(new_last, j);
  }
  std::swap(buckets_, scratch_);
  origin_us_ = new_origin_us;
  width_us_ = new_width_us;
  first_used_ = new_first == kBuckets ? 0 : new_first;
  last_used_ = new_last;
}

// -------------------------------------------------------------------------- NetvizHeavyHitters

NetvizHeavyHitters::NetvizHeavyHitters(std::size_t capacity, std::uint64_t seed)
    : capacity_(std::max<std::size_t>(capacity, 1)), seed_(seed) {
  std::size_t table_size = 4;
  while (table_size < 2 * capacity_) table_size *= 2;
  table_.assign(table_size, kEmptySlot);
  mask_ = table_size - 1;
  heap_.reserve(capacity_);
}

std::uint64_t NetvizHeavyHitters::Hash(const IpAddress& addr) const {
  std::uint64_t h = seed_ ^ static_cast<std::uint64_t>(addr.family());
  const auto& bytes = addr.bytes();
  for (std::size_t chunk = 0; chunk < bytes.size(); chunk += 8) {
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < 8; ++i) word = (word << 8) | bytes[chunk + i];
    h ^= word;
    h *= 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  return h;
}

std::uint32_t NetvizHeavyHitters::FindSlot(const IpAddress& addr, std::uint64_t hash) const {
  auto slot = static_cast<std::uint32_t>(hash & mask_);
  while (table_[slot] != kEmptySlot && heap_[table_[slot]].entry.addr != addr) {
    slot = static_cast<std::uint32_t>((slot + 1) & mask_);
  }
  return slot;
}

void NetvizHeavyHitters::EraseSlot(std::uint32_t slot) {
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  std::uint32_t hole = slot;
  std::uint32_t next = slot;
  while (true) {
    next = static_cast<std::uint32_t>((next + 1) & mask_);
    if (table_[next] == kEmptySlot) break;
    const auto home = static_cast<std::uint32_t>(heap_[table_[next]].hash & mask_);
    // The entry at `next` may move into the hole unless its home lies cyclically in
    // (hole, next].
    const bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (stays) continue;
    table_[hole] = table_[next];
    heap_[table_[hole]].slot = hole;
    hole = next;
  }
  table_[hole] = kEmptySlot;
}

void NetvizHeavyHitters::SwapNodes(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  table_[heap_[a].slot] = static_cast<std::uint32_t>(a);
  table_[heap_[b].slot] = static_cast<std::uint32_t>(b);
}

void NetvizHeavyHitters::SiftUp(std::size_t i) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (heap_[parent].entry.bytes <= heap_[i].entry.bytes) break;
    SwapNodes(parent, i);
    i = parent;
  }
}

void NetvizHeavyHitters::SiftDown(std::size_t i) {
  while (true) {
    std::size_t smallest = i;
    for (std::size_t child = 2 * i + 1; child <= 2 * i + 2 && child < heap_.size(); ++child) {
      if (heap_[child].entry.bytes < heap_[smallest].entry.bytes) smallest = child;
    }
    if (smallest == i) return;
    SwapNodes(i, smallest);
    i = smallest;
  }
}

void NetvizHeavyHitters::Add(const IpAddress& addr, std::uint64_t bytes) {
  const std::uint64_t hash = Hash(addr);
  std::uint32_t slot = FindSlot(addr, hash);
  if (table_[slot] != kEmptySlot) {
    const std::size_t index = table_[slot];
    heap_[index].entry.bytes += bytes;
    SiftDown(index);
    return;
  }
  if (heap_.size() < capacity_) {
    heap_.push_back(Node{Entry{addr, bytes, 0}, hash, slot});
    table_[slot] = static_cast<std::uint32_t>(heap_.size() - 1);
    SiftUp(heap_.size() - 1);
    return;
  }
  // Space-Saving: the address with the fewest bytes makes room; the newcomer inherits its count
  // as the possible error.
  ++evictions_;
  Node& victim = heap_[0];
  EraseSlot(victim.slot);
  slot = FindSlot(addr, hash);
  victim.entry.error = victim.entry.bytes;
  victim.entry.bytes += bytes;
  victim.entry.addr = addr;
  victim.hash = hash;
  victim.slot = slot;
  table_[slot] = 0;
  SiftDown(0);
}

std::vector<NetvizHeavyHitters::Entry> NetvizHeavyHitters::Top(std::size_t n) const {
  std::vector<Entry> entries;
  entries.reserve(heap_.size());
  for (const Node& node : heap_) entries.push_back(node.entry);
  const auto busier = [](const Entry& a, const Entry& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : AddressLess(a.addr, b.addr);
  };
  const std::size_t keep = std::min(n, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(keep),
                    entries.end(), busier);
  entries.resize(keep);
  return entries;
}

// ------------------------------------------------------------------------------ NetvizScanner

NetvizScanner::NetvizScanner(const NetvizConfig& config, OutputFs& fs)
    : config_(config),
      fs_(fs),
      src_addrs_(config.histogram_size, DeriveSeed(config.seed, SeedUse::kNetvizSources)),
      dst_addrs_(config.histogram_size, DeriveSeed(config.seed, SeedUse::kNetvizDestinations)),
      src_port_bytes_(kPortCount, 0),
      dst_port_bytes_(kPortCount, 0) {}

void NetvizScanner::OnPacket(const PacketSummary& packet) {
  const std::int64_t time_us = ClampedMicros(packet.ts);
  const std::uint64_t bytes = packet.wire_len;
  if (packets_ == 0) {
    first_us_ = last_us_ = time_us;
  } else {
    first_us_ = std::min(first_us_, time_us);
    last_us_ = std::max(last_us_, time_us);
  }
  ++packets_;
  bytes_ += bytes;
  network_bytes_[static_cast<std::size_t>(packet.network)] += bytes;
  if (packet.has_ip) {
    src_addrs_.Add(packet.src, bytes);
    dst_addrs_.Add(packet.dst, bytes);
  }
  constexpr std::uint8_t kTcp = 6;
  if (!packet.has_ip || packet.protocol != kTcp || !packet.has_ports) {
    histogram_.AddNonTcp(time_us, bytes);
    return;
  }
  tcp_bytes_ += bytes;
  src_port_bytes_[packet.src_port] += bytes;
  dst_port_bytes_[packet.dst_port] += bytes;
  NetvizColor fixed = NetvizPortClass(packet.src_port);
  if (fixed == NetvizColor::kOtherTcp) fixed = NetvizPortClass(packet.dst_port);
  if (fixed != NetvizColor::kOtherTcp) {
    histogram_.AddFixed(time_us, fixed, bytes);
  } else {
    histogram_.AddOtherTcp(time_us, packet.src_port, bytes);
  }
}

NetvizReport NetvizScanner::BuildReport() const {
  NetvizReport report;
  report.title = config_.program;
  if (!config_.version.empty()) report.title += " " + config_.version;
  if (!config_.inputs.empty()) {
    report.input = config_.inputs.front();
    if (config_.inputs.size() > 1) {
      report.input += " + " + std::to_string(config_.inputs.size() - 1) + " more";
    }
  }
  report.generated_time = config_.generated_time;
  report.packets = packets_;
  report.bytes = bytes_;
  report.first_us = first_us_;
  report.last_us = last_us_;
  report.ipv4_bytes = network_bytes_[static_cast<std::size_t>(PacketSummary::Network::kIpv4)];
  report.ipv6_bytes = network_bytes_[static_cast<std::size_t>(PacketSummary::Network::kIpv6)];
  report.vlan_bytes = network_bytes_[static_cast<std::size_t>(PacketSummary::Network::kVlan)];
  report.other_bytes = network_bytes_[static_cast<std::size_t>(PacketSummary::Network::kOther)];
  report.tcp_bytes = tcp_bytes_;

  // Ports: the busiest source ports without a fixed class get the kPort1.. colours. At most 11
  // ports have a fixed class, so the top 15 always hold the first four others.
  constexpr std::size_t kFixedPortCount = 11;
  const auto src_ranked = TopPorts(src_port_bytes_, kNetvizTopPortColors + kFixedPortCount);
  for (const auto& [port, port_bytes] : src_ranked) {
    if (report.colored_ports.size() == kNetvizTopPortColors) break;
    if (NetvizPortClass(port) == NetvizColor::kOtherTcp) report.colored_ports.push_back(port);
  }
  const auto color_of = [&](std::uint16_t port) {
    const NetvizColor fixed = NetvizPortClass(port);
    if (fixed != NetvizColor::kOtherTcp) return fixed;
    for (std::size_t i = 0; i < report.colored_ports.size(); ++i) {
      if (report.colored_ports[i] == port) {
        return static_cast<NetvizColor>(static_cast<std::size_t>(NetvizColor::kPort1) + i);
      }
    }
    return NetvizColor::kOtherTcp;
  };
  for (const auto& [port, port_bytes] : TopPorts(src_port_bytes_, kNetvizChartBars)) {
    report.top_src_ports.push_back(NetvizRanked{std::to_string(port), port_bytes, color_of(port)});
  }
  for (const auto& [port, port_bytes] : TopPorts(dst_port_bytes_, kNetvizChartBars)) {
    report.top_dst_ports.push_back(NetvizRanked{std::to_string(port), port_bytes, color_of(port)});
  }
  for (const auto& entry : src_addrs_.Top(kNetvizChartBars)) {
    report.top_src_addrs.push_back(NetvizRanked{entry.addr.ToString(), entry.bytes});
  }
  for (const auto& entry : dst_addrs_.Top(kNetvizChartBars)) {
    report.top_dst_addrs.push_back(NetvizRanked{entry.addr.ToString(), entry.bytes});
  }

  // Time bins, with each source port's bytes under its colour, else grey (the reference colours
  // a packet by a top port only on the source side).
  report.bin_width_us = histogram_.width_us();
  for (std::size_t i = 0; i < histogram_.used_buckets(); ++i) {
    const auto& bucket = histogram_.bucket(i);
    if (!BucketHasBytes(bucket)) continue;
    NetvizTimeBin bin;
    bin.start_us = histogram_.origin_us() + static_cast<std::int64_t>(i) * histogram_.width_us();
    for (std::size_t c = 0; c < bucket.fixed.size(); ++c) bin.bytes[c] = bucket.fixed[c];
    bin.bytes[static_cast<std::size_t>(NetvizColor::kOtherTcp)] = bucket.other_tcp;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kNonTcp)] = bucket.non_tcp;
    for (std::size_t p = 0; p < bucket.port_count; ++p) {
      const auto& port = bucket.ports[p];
      bin.bytes[static_cast<std::size_t>(color_of(port.src_port))] += port.bytes;
    }
    report.bins.push_back(bin);
  }
  return report;
}

void NetvizScanner::WriteDump(std::ostream& out) const {
  const auto dump = [&](const char* name, const NetvizHeavyHitters& table) {
    auto entries = table.Top(table.size());
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return AddressLess(a.addr, b.addr); });
    out << name << ": " << entries.size() << " addresses (capacity " << table.capacity()
        << ", evictions " << table.evictions() << ")\n";
    for (const auto& entry : entries) {
      out << entry.addr.ToString() << "  count=" << entry.bytes;
      if (entry.error != 0) out << " (error <= " << entry.error << ")";
      out << "\n";
    }
  };
  dump("src_addresses", src_addrs_);
  dump("dst_addresses", dst_addrs_);
}

bool NetvizScanner::OnRunEnd(std::string* error) {
  if (config_.histogram_dump) WriteDump(std::cout);
  const std::unique_ptr<std::streambuf> pdf = fs_.CreateStream(config_.pdf_path);
  if (pdf == nullptr) {
    *error = fs_.error();
    return false;
  }
  return RenderNetvizPdf(BuildReport(), *pdf, config_.pdf_path, error);
}

}  // namespace tcpflow
