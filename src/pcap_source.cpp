// pcap_source.cpp: capture input through libpcap, our pcapng reader and the decompressors.
#include "pcap_source.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tcpflow {
namespace {

constexpr int kFilterSnaplen = 262144;
// The longest a live Next() waits for packets before returning kTimeout (so a stop signal that
// arrives just before the wait is seen within this time; one that arrives during it at once).
constexpr int kLiveWaitMs = 100;
constexpr std::array<std::uint8_t, 4> kPcapngMagic = {0x0a, 0x0d, 0x0d, 0x0a};
// The "modified" (Kuznetzov) pcap magic a1b2cd34 in either byte order: its record headers carry
// 8 more bytes (interface index, protocol, packet type) than the standard 16.
constexpr std::array<std::uint8_t, 4> kModifiedPcapMagicLe = {0x34, 0xcd, 0xb2, 0xa1};
constexpr std::array<std::uint8_t, 4> kModifiedPcapMagicBe = {0xa1, 0xb2, 0xcd, 0x34};
constexpr std::uint64_t kPcapRecordHeaderBytes = 16;
constexpr std::uint64_t kModifiedPcapRecordHeaderBytes = 24;

// A capture file opened for reading: its bytes (decompressed), and what its start showed.
struct OpenedInput {
  std::unique_ptr<ByteSource> stream;
  bool compressed = false;
  bool pcapng = false;
  std::uint64_t record_header_bytes = kPcapRecordHeaderBytes;  // classic pcap
  bool can_reopen = false;  // a named file, not a pipe: it can be read again from the start
  int file_fd = -1;         // the descriptor of a regular file (for progress), else -1
  std::uint64_t file_size = 0;
};

// Opens `path` ("-" = standard input), decompresses it when its magic says so, and peeks at the
// capture format. Bytes taken off a pipe to look at them are put back in front of the stream.
bool OpenInput(const std::string& path, OpenedInput* in, std::string* error) {
  const bool standard_input = path == "-";
  const int fd = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    in->file_fd = fd;
    in->file_size = static_cast<std::uint64_t>(st.st_size);
  }
  std::vector<std::uint8_t> head(kCompressionMagicBytes);
  std::ptrdiff_t head_len = -1;
  if (!standard_input) {
    // Peeking with pread leaves the offset alone; pipes refuse it (ESPIPE). Any other failure
    // (a directory) is left for the first real read to report, as libpcap always did.
    head_len = ::pread(fd, head.data(), head.size(), 0);
    if (head_len < 0 && errno != ESPIPE) head_len = 0;
  }
  std::unique_ptr<ByteSource> stream = MakeFdSource(fd, !standard_input);
  if (head_len < 0) {
    head_len = ReadFully(*stream, head);
    if (head_len < 0) {
      *error = path + ": " + stream->error();
      return false;
    }
    head.resize(static_cast<std::size_t>(head_len));
    stream = MakeChainSource(head, std::move(stream));
  } else {
    in->can_reopen = true;
    head.resize(static_cast<std::size_t>(head_len));
  }
  const Compression compression = DetectCompression(head);
  if (compression != Compression::kNone) {
    std::string why;
    stream = MakeDecompressor(compression, std::move(stream), &why);
    if (stream == nullptr) {
      *error = path + ": " + why;
      return false;
    }
    head.assign(kPcapngMagic.size(), 0);
    const std::ptrdiff_t n = ReadFully(*stream, head);
    if (n < 0) {
      *error = path + ": " + stream->error();
      return false;
    }
    head.resize(static_cast<std::size_t>(n));
    stream = MakeChainSource(head, std::move(stream));
    in->compressed = true;
  }
  const auto starts_with = [&head](const std::array<std::uint8_t, 4>& magic) {
    return head.size() >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin());
  };
  in->pcapng = starts_with(kPcapngMagic);
  if (starts_with(kModifiedPcapMagicLe) || starts_with(kModifiedPcapMagicBe)) {
    in->record_header_bytes = kModifiedPcapRecordHeaderBytes;
  }
  in->stream = std::move(stream);
  return true;
}

// The DLT libpcap reports for a file of this LINKTYPE (they differ for a few, e.g. RAW 101 is
// DLT 12 here), asked of libpcap itself through an in-memory pcap header.
int DltOfLinktype(int linktype) {
  std::array<std::uint8_t, 24> header = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
  const std::uint32_t snaplen = kFilterSnaplen;
  for (int i = 0; i < 4; ++i) {
    header[16 + i] = static_cast<std::uint8_t>(snaplen >> (8 * i));
    header[20 + i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(linktype) >> (8 * i));
  }
  std::FILE* stream = fmemopen(header.data(), header.size(), "rb");
  if (stream == nullptr) return linktype;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_fopen_offline(stream, errbuf);
  if (handle == nullptr) {
    std::fclose(stream);
    return linktype;
  }
  const int dlt = pcap_datalink(handle);
  pcap_close(handle);
  return dlt;
}

std::string FilterError(const std::string& expression, const char* why) {
  return "cannot parse filter expression '" + expression + "': " + why;
}

// Whether a packet passes a compiled filter, which sees the captured bytes and the wire length.
bool PassesFilter(const bpf_program& program, Bytes data, std::uint32_t wire_len) {
  pcap_pkthdr header{};
  header.caplen = static_cast<bpf_u_int32>(data.size());
  header.len = wire_len;
  return pcap_offline_filter(&program, &header, data.data()) != 0;
}

}  // namespace

struct PcapSource::LinkFilter {
  int linktype;
  int dlt;
  bool has_program;
  bpf_program program;
};

PcapSource::PcapSource(std::string name) : name_(std::move(name)) {}

PcapSource::~PcapSource() {
  CloseLibpcap();
  ClearFilters();
}

void PcapSource::ClearFilters() {
  for (LinkFilter& filter : filters_) {
    if (filter.has_program) pcap_freecode(&filter.program);
  }
  filters_.clear();
  last_filter_ = 0;
}

void PcapSource::CloseLibpcap() {
  // Closes the stdio stream over stream_ too; stream_ itself stays.
  if (handle_ != nullptr) pcap_close(handle_);
  handle_ = nullptr;
}

std::unique_ptr<PcapSource> PcapSource::OpenFile(const std::string& path, std::string* error) {
  OpenedInput in;
  if (!OpenInput(path, &in, error)) return nullptr;
  std::unique_ptr<PcapSource> source(new PcapSource(path));
  source->stream_ = std::move(in.stream);
  source->file_fd_ = in.file_fd;
  source->file_size_ = in.file_size;
  source->compressed_ = in.compressed;
  source->can_reread_ = in.pcapng && in.can_reopen;
  if (in.pcapng && !in.can_reopen) {
    if (!source->StartOwnReader(false, 0)) {
      *error = source->error_;
      return nullptr;
    }
    return source;
  }
  if (!in.pcapng && in.record_header_bytes == kPcapRecordHeaderBytes &&
      source->StartClassicReader()) {
    return source;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  if (!source->OpenLibpcapOnStream(errbuf)) {
    if (errbuf[0] == '\0') {
      *error = path + ": " + std::strerror(errno);
      return nullptr;
    }
    // Our reader takes over any pcapng libpcap refuses: it reads mixed link types, and when
    // the file is broken it says where.
    if (source->can_reread_) {
      if (!source->StartOwnReader(true, 0)) {
        *error = source->error_;
        return nullptr;
      }
      return source;
    }
    const bool stream_failed = source->compressed_ && !source->stream_->error().empty();
    *error = path + ": " + (stream_failed ? source->stream_->error() : std::string(errbuf));
    return nullptr;
  }
  source->link_type_ = pcap_datalink(source->handle_);
  if (!in.pcapng) {
    // libpcap has read the file header and nothing more: the first record starts here.
    source->record_header_bytes_ = in.record_header_bytes;
    source->TrackRecordsFrom(source->stream_position_);
  }
  return source;
}

bool PcapSource::OpenLibpcapOnStream(char* errbuf) {
  std::FILE* stream = OpenSourceStream(*stream_);
  if (stream == nullptr) return false;
  handle_ = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (handle_ == nullptr) {
    std::fclose(stream);
    return false;
  }
  const off_t position = ftello(pcap_file(handle_));
  stream_position_ = position < 0 ? -1 : position;
  return true;
}

void PcapSource::TrackRecordsFrom(std::uint64_t offset) {
  if (stream_position_ < 0) return;
  record_offset_ = offset;
  track_records_ = true;
}

bool PcapSource::StartClassicReader() {
  std::vector<std::uint8_t> head(PcapFileHeader::kBytes);
  const std::ptrdiff_t n = ReadFully(*stream_, head);
  head.resize(static_cast<std::size_t>(std::max<std::ptrdiff_t>(n, 0)));
  const std::optional<PcapFileHeader> header = PcapFileReader::ParseHeader(head);
  if (!header) {
    // libpcap reads it from the start, and says what is wrong with it.
    stream_ = MakeChainSource(std::move(head), std::move(stream_));
    return false;
  }
  classic_header_ = std::move(head);
  classic_ = std::make_unique<PcapFileReader>(*stream_, *header);
  link_type_ = DltOfLinktype(static_cast<int>(header->linktype));
  return true;
}

bool PcapSource::HandOverToLibpcap() {
  const std::uint64_t offset = classic_->offset();
  std::vector<std::uint8_t> head = std::move(classic_header_);
  const std::vector<std::uint8_t> unread = classic_->TakeUnread();
  head.insert(head.end(), unread.begin(), unread.end());
  classic_.reset();
  stream_ = MakeChainSource(std::move(head), std::move(stream_));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  if (!OpenLibpcapOnStream(errbuf)) {
    error_ = name_ + ": " + (errbuf[0] != '\0' ? std::string(errbuf) : std::strerror(errno));
    return false;
  }
  record_header_bytes_ = kPcapRecordHeaderBytes;
  TrackRecordsFrom(offset);
  return true;
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
  // Non-blocking, and Next() waits with poll() itself: libpcap's own wait (TPACKET_V3 on Linux)
  // is poll() with no timeout, restarted after EINTR, so on a quiet interface (or one whose
  // traffic the filter drops) a stop signal would never end it.
  if (pcap_setnonblock(handle, 1, errbuf) != 0) {
    *error = device + ": " + errbuf;
    pcap_close(handle);
    return nullptr;
  }
  std::unique_ptr<PcapSource> source(new PcapSource(device));
  source->handle_ = handle;
  source->live_ = true;
  source->link_type_ = pcap_datalink(handle);
  return source;
}

bool PcapSource::StartOwnReader(bool reopen, std::uint64_t skip_packets) {
  if (reopen) {
    CloseLibpcap();
    ClearFilters();
    OpenedInput in;
    if (!OpenInput(name_, &in, &error_)) return false;
    stream_ = std::move(in.stream);
    file_fd_ = in.file_fd;
    file_size_ = in.file_size;
  }
  pcapng_ = std::make_unique<PcapngReader>(*stream_, name_);
  if (!pcapng_->ReadToFirstInterface()) {
    error_ = pcapng_->error();
    return false;
  }
  link_type_ = DltOfLinktype(pcapng_->first_linktype());
  PcapngPacket skipped;
  for (std::uint64_t i = 0; i < skip_packets; ++i) {
    const PcapngReader::Status status = pcapng_->Next(&skipped);
    if (status == PcapngReader::Status::kError) {
      error_ = pcapng_->error();
      return false;
    }
    if (status == PcapngReader::Status::kEnd) {
      error_ = name_ + ": the file changed while it was being read";
      return false;
    }
  }
  return true;
}

std::optional<PcapSource::Progress> PcapSource::FileProgress() const {
  if (file_fd_ < 0) return std::nullopt;
  const off_t position = ::lseek(file_fd_, 0, SEEK_CUR);
  if (position < 0) return std::nullopt;
  return Progress{static_cast<std::uint64_t>(position), file_size_};
}

bool PcapSource::SetFilter(const std::string& expression, std::string* error) {
  if (expression.empty()) return true;
  if (live_) {
    bpf_program program{};
    if (pcap_compile(handle_, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      *error = FilterError(expression, pcap_geterr(handle_));
      return false;
    }
    bool ok = pcap_setfilter(handle_, &program) == 0;
    if (!ok) *error = "cannot install filter: " + std::string(pcap_geterr(handle_));
    pcap_freecode(&program);
    return ok;
  }
  // Files are filtered here, packet by packet, so that every record libpcap reads is counted
  // (a re-read must know how many to skip) and both readers filter the same way.
  filter_expression_ = expression;
  const bool own = pcapng_ != nullptr;
  const int first = own ? pcapng_->first_linktype() : link_type_;
  if (FilterFor(first, link_type_) == nullptr) {
    *error = error_;
    return false;
  }
  return true;
}

const PcapSource::LinkFilter* PcapSource::FilterFor(int linktype, int dlt) {
  if (last_filter_ < filters_.size() && filters_[last_filter_].linktype == linktype) {
    return &filters_[last_filter_];
  }
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    if (filters_[i].linktype == linktype) {
      last_filter_ = i;
      return &filters_[i];
    }
  }
  LinkFilter filter{linktype, dlt < 0 ? DltOfLinktype(linktype) : dlt, false, {}};
  if (!filter_expression_.empty()) {
    pcap_t* dead = pcap_open_dead(filter.dlt, kFilterSnaplen);
    if (dead == nullptr) {
      error_ = FilterError(filter_expression_, "cannot allocate a pcap handle");
      return nullptr;
    }
    if (pcap_compile(dead, &filter.program, filter_expression_.c_str(), 1, PCAP_NETMASK_UNKNOWN) !=
        0) {
      error_ = FilterError(filter_expression_, pcap_geterr(dead));
      pcap_close(dead);
      return nullptr;
    }
    pcap_close(dead);
    filter.has_program = true;
  }
  filters_.push_back(filter);
  last_filter_ = filters_.size() - 1;
  return &filters_.back();
}

PcapSource::Status PcapSource::Next(RawPacket* out) {
  if (classic_ != nullptr) return NextFromClassicReader(out);
  return pcapng_ != nullptr ? NextFromOwnReader(out) : NextFromLibpcap(out);
}

PcapSource::Status PcapSource::NextFromClassicReader(RawPacket* out) {
  PcapRecord record;
  for (;;) {
    if (break_requested_ != 0) return Status::kEnd;
    switch (classic_->Next(&record)) {
      case PcapFileReader::Status::kPacket: break;
      case PcapFileReader::Status::kEnd: return Status::kEnd;
      case PcapFileReader::Status::kInterrupted: return Status::kTimeout;
      case PcapFileReader::Status::kHandOver:
        if (!HandOverToLibpcap()) return Status::kError;
        return NextFromLibpcap(out);
    }
    if (!filter_expression_.empty()) {
      const LinkFilter* filter = FilterFor(link_type_, link_type_);
      if (filter == nullptr) return Status::kError;
      if (!PassesFilter(filter->program, record.data, record.wire_len)) continue;
    }
    out->ts = record.ts;
    out->wire_len = record.wire_len;
    out->link_type = link_type_;
    out->data = record.data;
    out->view_epoch = classic_->view_epoch();
    return Status::kPacket;
  }
}

PcapSource::Status PcapSource::NextFromLibpcap(RawPacket* out) {
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    switch (pcap_next_ex(handle_, &header, &data)) {
      case 1: break;
      case 0:
        if (live_) {
          pollfd ready{pcap_get_selectable_fd(handle_), POLLIN, 0};
          if (ready.fd >= 0) ::poll(&ready, 1, kLiveWaitMs);  // EINTR (a signal) ends it early
        }
        return Status::kTimeout;
      case PCAP_ERROR_BREAK:
        if (damaged_records_ == 0 || break_requested_ != 0) return Status::kEnd;
        error_ = first_damage_;
        if (damaged_records_ > 1) {
          const std::uint64_t more = damaged_records_ - 1;
          error_ += " (and " + std::to_string(more) + " more damaged record" +
                    (more > 1 ? "s" : "") + " after it)";
        }
        return Status::kError;
      default: {
        const std::string why = pcap_geterr(handle_);
        // Our reader takes over a pcapng file libpcap stops on: it reads mixed link types, and
        // for a broken block it names the offset.
        if (can_reread_) {
          if (!StartOwnReader(true, packets_read_)) return Status::kError;
          return NextFromOwnReader(out);
        }
        const bool stream_failed = compressed_ && !stream_->error().empty();
        if (stream_failed) {
          error_ = name_ + ": " + stream_->error();
        } else if (track_records_) {
          error_ =
              name_ + ": bad pcap record at offset " + std::to_string(record_offset_) + ": " + why;
        } else {
          error_ = name_ + ": " + why;
        }
        return Status::kError;
      }
    }
    ++packets_read_;
    if (track_records_ && !AcceptRecord(*header)) continue;
    if (!live_ && !filter_expression_.empty()) {
      const LinkFilter* filter = FilterFor(link_type_, link_type_);
      if (filter == nullptr) return Status::kError;
      if (pcap_offline_filter(&filter->program, header, data) == 0) continue;
    }
    out->ts.sec = header->ts.tv_sec;
    out->ts.usec = static_cast<std::int32_t>(header->ts.tv_usec);
    out->wire_len = header->len;
    out->link_type = link_type_;
    out->data = Bytes(data, header->caplen);
    out->view_epoch = 0;
    return Status::kPacket;
  }
}

bool PcapSource::AcceptRecord(const pcap_pkthdr& header) {
  const std::uint64_t at = record_offset_;
  const off_t position = ftello(pcap_file(handle_));
  if (position < 0) {
    track_records_ = false;  // cannot happen on our streams; stop naming offsets rather than lie
    return true;
  }
  record_offset_ += static_cast<std::uint64_t>(position - stream_position_);
  stream_position_ = position;
  // What the record's header said it holds, whatever libpcap handed out.
  const std::uint64_t captured = record_offset_ - at - record_header_bytes_;
  std::string damage;
  if (header.caplen == 0) {
    damage = "zero-length record at offset " + std::to_string(at) + " skipped";
  } else if (captured > header.caplen) {
    // libpcap cuts a record longer than the file's snapshot length to that length.
    damage = "record at offset " + std::to_string(at) + " has " + std::to_string(captured) +
             " captured bytes, more than the snapshot length " + std::to_string(header.caplen) +
             "; the rest was dropped";
  } else {
    return true;
  }
  if (damaged_records_++ == 0) first_damage_ = name_ + ": " + damage;
  return header.caplen != 0;
}

PcapSource::Status PcapSource::NextFromOwnReader(RawPacket* out) {
  PcapngPacket packet;
  for (;;) {
    if (break_requested_ != 0) return Status::kEnd;
    switch (pcapng_->Next(&packet)) {
      case PcapngReader::Status::kPacket: break;
      case PcapngReader::Status::kEnd: return Status::kEnd;
      case PcapngReader::Status::kError: error_ = pcapng_->error(); return Status::kError;
    }
    const LinkFilter* filter = FilterFor(packet.linktype, -1);
    if (filter == nullptr) return Status::kError;
    if (filter->has_program && !PassesFilter(filter->program, packet.data, packet.wire_len)) {
      continue;
    }
    out->ts = packet.ts;
    out->wire_len = packet.wire_len;
    out->link_type = filter->dlt;
    out->data = packet.data;
    out->view_epoch = 0;
    return Status::kPacket;
  }
}

void PcapSource::BreakLoop() {
  break_requested_ = 1;
  if (handle_ != nullptr) pcap_breakloop(handle_);
}

}  // namespace tcpflow
