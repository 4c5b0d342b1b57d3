// flow_pcap_writer.h: -K, one classic pcap per flow direction holding its TCP packets as
// captured. Format: the libpcap savefile format (draft-ietf-opsawg-pcap); link types from the
// LINKTYPE registry.
//
// Design note: a file belongs to a direction's tuple (src, dst, sport, dport, VLAN), not to a
// Flow object, as in tcpflow 1.6.1: port reuse and -m splits of one tuple go into the same
// file. The file is named when the tuple's first packet arrives: "<outdir>/<template name with
// counter 0>.pcap" (the fields of that first Flow), created with CreateOrTruncate (an earlier
// run's file is overwritten). Its link type is that of the first packet (tcpflow 1.6.1 wrote
// its internal DLT, 6 for Ethernet; REFERENCE DECISIONS); a later packet of another link type
// (mixed pcapng) cannot be stored in a classic pcap: it is skipped and counted. The records are
// those PcapFileWriter writes (the same header, snaplen and record layout).
//
// Memory bound: at most `max_open_tuples` tuples (-S max_flows; 0 = unlimited) have an open
// file. Opening one more first evicts the least recently used tuple: its buffered records are
// written, its file closed (its handle and descriptor released) and the eviction counted as
// flow_pcap_evicted. A later packet of an evicted tuple reopens the same file with
// OutputFs::OpenExisting and appends after what is there (no second file header), so the files
// are byte for byte those of an uncapped run. To find the name again, an evicted tuple keeps
// its tuple (compared whole: the seeded hash only picks the bucket, so two tuples are never
// taken for each other) and the non-tuple fields its name was built from (the first packet's
// time, MACs, flow and session ids) and its link type: about 130 bytes with the hash map's
// overhead, against the inode and disk block its file uses, so the disk fills long before this
// memory matters (a million evicted tuples: ~130 MB of memory, >= 4 GB of files). An open
// tuple costs its map entry (~200 bytes) plus its buffered records: each file buffers at most
// `buffer_bytes`, and all buffers together at most kFlowPcapBufferTotalBytes (beyond it the least
// recently used buffers are written out first), so memory is bounded whatever the input.
// Reopening is rare outside floods; under AsyncOutputFs each reopen waits for the writers.
//
// Failure: the first create, reopen or write error is remembered (failed(), error()); from then
// on no more packets are written.
#ifndef TCPFLOW_FLOW_PCAP_WRITER_H
#define TCPFLOW_FLOW_PCAP_WRITER_H

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "anomaly.h"
#include "filename_template.h"
#include "flow_key.h"
#include "output_dir.h"
#include "stream_sink.h"

namespace tcpflow {

// Buffered record bytes per file that trigger a write.
inline constexpr std::size_t kFlowPcapBufferBytes = 8 * 1024;
// Buffered record bytes of all files together that trigger writes of the least recently used.
inline constexpr std::size_t kFlowPcapBufferTotalBytes = 32 * 1024 * 1024;

// One -K file as the report lists it: its tuple, name, size and what it holds.
struct FlowPcapFile {
  FlowKey key;
  std::string name;        // path as created (with the -o prefix)
  std::uint64_t size = 0;  // bytes of the file (header and records)
  Timeval first_seen;      // of its first and last packet
  Timeval last_seen;
  std::uint64_t packets = 0;
  std::uint64_t wire_bytes = 0;      // the packets' original lengths
  std::uint64_t captured_bytes = 0;  // the bytes stored of them
  bool has_macs = false;
  MacAddress src_mac{};
  MacAddress dst_mac{};
};

class FlowPcapWriter final : public SegmentTap {
 public:
  // `outdir` is -o; `name_template`, `fs` and `anomalies` must outlive the writer. `hash_seed`
  // seeds the tuple hash (see HashFlowKey). `max_open_tuples`: most tuples with an open file
  // (0 = unlimited). `buffer_bytes` (>= 1): buffered bytes of one file that trigger a write.
  FlowPcapWriter(const std::string& outdir, const FilenameTemplate& name_template, OutputFs& fs,
                 std::uint64_t hash_seed, AnomalyCounters& anomalies,
                 std::uint64_t max_open_tuples = 0,
                 std::size_t buffer_bytes = kFlowPcapBufferBytes);
  // Closes what is open, like Finish() (errors are then lost: call Finish() to see them).
  ~FlowPcapWriter() override;
  FlowPcapWriter(const FlowPcapWriter&) = delete;
  FlowPcapWriter& operator=(const FlowPcapWriter&) = delete;

  // Appends segment.frame (wire_len, ts) to the file of flow.key's tuple, first creating it
  // (named from NameFieldsOf(flow)) if the tuple has none.
  void OnSegment(Flow& flow, const SegmentInfo& segment) override;
  // The same for a TCP packet that has no Flow (tcpflow 1.6.1's -K copies every TCP packet,
  // including those the demux ignores, such as the last ACK after both FINs): `key` picks the
  // file; `fields` names it, and is read only when the file is created.
  void OnPacket(const FlowKey& key, const NameFields& fields, const SegmentInfo& segment);

  // Every file of the run (open or closed), in the order they were created. Call it before
  // Finish(), which forgets them.
  std::vector<FlowPcapFile> Files() const;

  // Writes what is buffered and closes every file. False if any create/write/close failed.
  // Packets arriving afterwards start new files (overwriting these).
  bool Finish();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t files_created() const { return files_created_; }
  // Files reopened after their tuple was evicted.
  std::size_t files_reopened() const { return files_reopened_; }
  std::size_t open_tuples() const { return files_.size(); }
  // Record bytes buffered in all open files (at most kFlowPcapBufferTotalBytes plus a packet).
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  std::uint64_t packets_written() const { return packets_written_; }
  // Packets not stored because their link type differs from their file's.
  std::uint64_t skipped_other_link_type() const { return skipped_other_link_type_; }

 private:
  struct KeyHash {
    std::uint64_t seed;
    std::size_t operator()(const FlowKey& k) const {
      return static_cast<std::size_t>(HashFlowKey(k, seed));
    }
  };
  // What names a tuple's file besides the tuple, and what a reopened file needs to know.
  struct NameRest {
    std::int64_t first_seen_sec = 0;
    std::uint64_t flow_id = 0;
    std::uint64_t session_id = 0;
    MacAddress src_mac{};
    MacAddress dst_mac{};
    bool has_macs = false;
    int link_type = 0;
    // What the file holds so far (for the report), and when the tuple's file was created.
    std::uint64_t order = 0;
    std::uint64_t size = 0;
    Timeval first_seen;
    Timeval last_seen;
    std::uint64_t packets = 0;
    std::uint64_t wire_bytes = 0;
    std::uint64_t captured_bytes = 0;
  };
  struct OpenFile {
    FileId id = 0;
    std::uint64_t file_offset = 0;     // where buffer[0] goes in the file
    std::vector<std::uint8_t> buffer;  // records not written yet
    NameRest rest;
    std::list<const FlowKey*>::iterator lru;  // its place in lru_
  };

  // The tuple's open file (now the most recently used), or nullptr (none open).
  OpenFile* Find(const FlowKey& key);
  // Opens the tuple's file: reopens it when the tuple was evicted, else creates it, evicting
  // the least recently used tuple first when the cap is reached. nullptr after a failure.
  OpenFile* Open(const FlowKey& key, const NameFields& fields, int link_type);
  void Evict();
  void Append(OpenFile& file, const SegmentInfo& segment);
  // The file name of `key`'s tuple, named from `rest` (the fields it does not keep from
  // `fields`), into `name`.
  void BuildName(const FlowKey& key, const NameRest& rest, NameFields fields,
                 std::string& name) const;
  // Writes the file's buffer; false after a failure (Fail() was called).
  bool Flush(OpenFile& file);
  // Flushes and closes the file; false after a failure.
  bool CloseFile(OpenFile& file);
  // Flushes least recently used files until the buffers hold at most half the total bound.
  void FlushOldest();
  void Fail(const std::string& message);

  const FilenameTemplate& template_;
  OutputFs& fs_;
  AnomalyCounters& anomalies_;
  std::string prefix_;
  std::uint64_t max_open_tuples_;
  std::size_t buffer_bytes_;
  std::unordered_map<FlowKey, OpenFile, KeyHash> files_;
  std::list<const FlowKey*> lru_;  // open tuples, least recently used first (keys in files_)
  std::unordered_map<FlowKey, NameRest, KeyHash> evicted_;  // tuples whose file was closed
  std::size_t buffered_bytes_ = 0;                          // all files' buffer sizes together
  std::string name_buffer_;
  std::string error_;
  std::size_t files_created_ = 0;
  std::size_t files_reopened_ = 0;
  std::uint64_t packets_written_ = 0;
  std::uint64_t skipped_other_link_type_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_PCAP_WRITER_H
