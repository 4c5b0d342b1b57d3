// ip_defrag.h: IPv4 and IPv6 fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5).
//
// Design note: a datagram in progress keeps its bytes in one buffer, grown to the highest
// offset received, plus a short sorted list of the byte intervals received; no per-byte maps.
// The first copy of every byte wins (what a host that already had it keeps); later copies are
// counted as overlaps, and any attempt to change or split the first 20 bytes of a TCP datagram
// (the TCP header, RFC 1858) is counted as a rewrite. Memory is bounded by a datagram count and
// a byte budget, enforced by evicting the oldest datagrams; incomplete datagrams time out in
// capture time. Datagrams are kept in arrival order, so eviction and expiry only ever look at
// the oldest one. Reassembly never fails loudly: bad fragments are counted and dropped.
#ifndef TCPFLOW_IP_DEFRAG_H
#define TCPFLOW_IP_DEFRAG_H

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "anomaly.h"
#include "ip_address.h"
#include "packet.h"

namespace tcpflow {

struct DefragLimits {
  std::size_t max_datagrams = 4096;       // datagrams in progress at once
  std::uint64_t max_bytes = 64ull << 20;  // buffer bytes held in total (see bytes_held())
  std::uint32_t timeout_sec = 30;         // capture-time seconds an incomplete datagram is kept
};

class IpDefragmenter {
 public:
  // Keeps references to `limits` and `anomalies`; they must outlive the defragmenter. `seed`
  // seeds the datagram index's hash.
  IpDefragmenter(const DefragLimits& limits, AnomalyCounters& anomalies, std::uint64_t seed);
  IpDefragmenter(const IpDefragmenter&) = delete;
  IpDefragmenter& operator=(const IpDefragmenter&) = delete;

  // Takes one fragment (fragment.is_fragment is true) captured at `ts`; its payload is only
  // read during the call. Datagrams are keyed by (version, src, dst, fragment_id) and, for IPv4,
  // protocol. Returns true when this fragment completes its datagram; then *whole is that
  // datagram: the fragment's addresses and version, the protocol of its offset-0 fragment,
  // is_fragment false, and payload = the whole reassembled upper-layer bytes, which are moved
  // (not copied) into *storage (its old contents dropped): they live as long as it does.
  // Returns false otherwise (the fragment is held, or dropped and counted as an anomaly);
  // *whole and *storage are then untouched.
  bool Add(const IpLayer& fragment, const Timeval& ts, IpLayer* whole,
           std::vector<std::uint8_t>* storage);

  // Drops the datagrams whose first-arrived fragment is more than timeout_sec older than `now`
  // (kFragmentTimeout each). O(1) when nothing expires: it looks at the oldest datagram only, so
  // if capture times ever run backwards a datagram may outlive its timeout until the ones that
  // arrived before it expire.
  void Expire(const Timeval& now);

  std::size_t datagrams_in_progress() const { return order_.size(); }
  // Bytes held in datagram buffers: for each datagram in progress, 0 up to the highest
  // captured byte offset received (the buffer memory the limits bound).
  std::uint64_t bytes_held() const { return bytes_held_; }

 private:
  struct Key {
    IpAddress src;
    IpAddress dst;
    std::uint32_t id = 0;
    std::uint8_t version = 0;
    std::uint8_t protocol = 0;  // IPv4 only; 0 for IPv6

    friend bool operator==(const Key& a, const Key& b) {
      return a.id == b.id && a.version == b.version && a.protocol == b.protocol && a.src == b.src &&
             a.dst == b.dst;
    }
  };
  struct KeyHash {
    std::uint64_t seed;
    std::size_t operator()(const Key& k) const;
  };
  // Bytes [begin, end) of the datagram's upper-layer payload.
  struct Interval {
    std::uint32_t begin;
    std::uint32_t end;
  };
  struct Datagram {
    Key key;
    Timeval first_seen;
    std::vector<std::uint8_t> data;  // sized to the highest captured end received
    std::vector<Interval> received;  // sorted, disjoint, not touching
    std::uint64_t max_end = 0;       // highest declared fragment end seen
    std::uint32_t total = 0;         // payload size, once the last fragment has arrived
    bool has_last = false;
    bool has_protocol = false;  // the offset-0 fragment has arrived
    std::uint8_t protocol = 0;
  };
  using DatagramList = std::list<Datagram>;

  // A new, empty datagram for `key` (evicting the oldest when max_datagrams are in progress).
  // Returns order_.end() when there is no room at all (max_datagrams 0).
  DatagramList::iterator Create(const Key& key, const Timeval& ts);
  // Evicts the oldest datagrams other than `keep` until `growth` more bytes fit.
  void MakeRoomForBytes(DatagramList::const_iterator keep, std::uint64_t growth);
  // Copies the bytes of [begin, begin + bytes.size()) not yet received into dg; returns
  // whether any of them had been received already.
  static bool Store(Datagram& dg, std::uint32_t begin, Bytes bytes);
  // Whether any byte of [begin, end) has been received.
  static bool AnyReceived(const Datagram& dg, std::uint32_t begin, std::uint32_t end);
  void Remove(DatagramList::iterator it);
  bool Reject(Anomaly a);

  const DefragLimits& limits_;
  AnomalyCounters& anomalies_;
  DatagramList order_;  // oldest first (by first-arrived fragment)
  std::unordered_map<Key, DatagramList::iterator, KeyHash> index_;
  std::uint64_t bytes_held_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_IP_DEFRAG_H
