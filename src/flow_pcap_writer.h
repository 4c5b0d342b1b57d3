// flow_pcap_writer.h: -K, one classic pcap per flow direction holding its TCP packets as
// captured. Format: the libpcap savefile format (draft-ietf-opsawg-pcap); link types from the
// LINKTYPE registry.
//
// Design note: a file belongs to a direction's tuple (src, dst, sport, dport, VLAN), not to a
// Flow object, as in tcpflow 1.6.1: port reuse and -m splits of one tuple go into the same
// file, and nothing is timed out. The file is named when the tuple's first packet arrives:
// "<outdir>/<template name with counter 0>.pcap" (the fields of that first Flow), created with
// CreateOrTruncate (an earlier run's file is overwritten). Its link type is that of the first
// packet (tcpflow 1.6.1 wrote its internal DLT, 6 for Ethernet; REFERENCE DECISIONS); a later
// packet of another link type (mixed pcapng) cannot be stored in a classic pcap: it is skipped
// and counted. Each file buffers only `buffer_bytes` of records, so 100,000 open directions cost
// little memory, and descriptors come from OutputFs's open-file budget.
//
// Failure: the first create or write error is remembered (failed(), error()); from then on no
// more packets are written.
#ifndef TCPFLOW_FLOW_PCAP_WRITER_H
#define TCPFLOW_FLOW_PCAP_WRITER_H

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "filename_template.h"
#include "flow_key.h"
#include "output_dir.h"
#include "pcap_writer.h"
#include "stream_sink.h"

namespace tcpflow {

// Buffered record bytes per file that trigger a write.
inline constexpr std::size_t kFlowPcapBufferBytes = 8 * 1024;

class FlowPcapWriter final : public SegmentTap {
 public:
  // `outdir` is -o; `name_template` and `fs` must outlive the writer. `hash_seed` seeds the
  // tuple hash (see HashFlowKey).
  FlowPcapWriter(const std::string& outdir, const FilenameTemplate& name_template, OutputFs& fs,
                 std::uint64_t hash_seed, std::size_t buffer_bytes = kFlowPcapBufferBytes);

  // Appends segment.frame (wire_len, ts) to the file of flow.key's tuple, first creating it
  // (named from NameFieldsOf(flow)) if the tuple has none.
  void OnSegment(Flow& flow, const SegmentInfo& segment) override;
  // The same for a TCP packet that has no Flow (tcpflow 1.6.1's -K copies every TCP packet,
  // including those the demux ignores, such as the last ACK after both FINs): `key` picks the
  // file; `fields` names it, and is read only when the file is created.
  void OnPacket(const FlowKey& key, const NameFields& fields, const SegmentInfo& segment);

  // Writes what is buffered and closes every file. False if any create/write/close failed.
  // Packets arriving afterwards start new files (overwriting these).
  bool Finish();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t files_created() const { return files_created_; }
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

  // The tuple's writer, or nullptr (none yet).
  PcapFileWriter* Find(const FlowKey& key);
  // Creates the tuple's file; nullptr after a failure (Fail() was called).
  PcapFileWriter* Open(const FlowKey& key, const NameFields& fields, int link_type);
  void Append(PcapFileWriter& writer, const SegmentInfo& segment);
  void Fail(const std::string& message);

  const FilenameTemplate& template_;
  OutputFs& fs_;
  std::string prefix_;
  std::size_t buffer_bytes_;
  std::unordered_map<FlowKey, std::unique_ptr<PcapFileWriter>, KeyHash> files_;
  std::string name_buffer_;
  std::string error_;
  std::size_t files_created_ = 0;
  std::uint64_t packets_written_ = 0;
  std::uint64_t skipped_other_link_type_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_PCAP_WRITER_H
