// pcap_file_reader_test.cpp: SourceBuffer and our classic pcap reader, on in-memory streams
// (PcapSource's tests read files, and compare this reader with libpcap).
#include "pcap_file_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/pcap_builder.h"
#include "decompress.h"
#include "source_buffer.h"

namespace tcpflow {
namespace {

using testing::ByteVec;

// Bytes from memory, at most `step` per Read, failing at `fail_at` when that is set.
class MemorySource final : public ByteSource {
 public:
  MemorySource(ByteVec bytes, std::size_t step, std::optional<std::size_t> fail_at = {})
      : bytes_(std::move(bytes)), step_(step), fail_at_(fail_at) {}

  std::ptrdiff_t Read(std::span<std::uint8_t> out) override {
    std::size_t end = std::min({bytes_.size(), pos_ + step_, pos_ + out.size()});
    if (fail_at_ && pos_ >= *fail_at_) {
      error_ = "read failed";
      return -1;
    }
    if (fail_at_) end = std::min(end, *fail_at_);
    std::copy(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
              bytes_.begin() + static_cast<std::ptrdiff_t>(end), out.begin());
    const std::size_t n = end - pos_;
    pos_ = end;
    ++reads_;
    return static_cast<std::ptrdiff_t>(n);
  }
  int reads() const { return reads_; }

 private:
  ByteVec bytes_;
  std::size_t pos_ = 0;
  std::size_t step_;
  std::optional<std::size_t> fail_at_;
  int reads_ = 0;
};

ByteVec Count(std::size_t n) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7);
  return v;
}

ByteVec Frame(std::size_t n, std::uint8_t fill) {
  return ByteVec(n, fill);
}

// ------------------------------------------------------------------------------ SourceBuffer

TEST(SourceBufferTest, EnsurePeekConsumeAcrossChunks) {
  const ByteVec bytes = Count(1000);
  MemorySource source(bytes, 7);
  SourceBuffer in(source, 64, 100);
  std::size_t pos = 0;
  for (const std::size_t n : {10, 64, 1, 200, 300}) {
    ASSERT_TRUE(in.Ensure(n));
    ASSERT_GE(in.available(), n);
    EXPECT_EQ(in.offset(), 100 + pos);
    const Bytes got = in.Peek(0, n);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), bytes.begin() + static_cast<long>(pos)));
    in.Consume(n);
    pos += n;
  }
  ASSERT_TRUE(in.Discard(400));
  pos += 400;
  EXPECT_EQ(in.offset(), 100 + pos);
  EXPECT_FALSE(in.Ensure(bytes.size() - pos + 1));  // one byte more than is left
  EXPECT_TRUE(in.ended());
  EXPECT_FALSE(in.failed());
  EXPECT_EQ(in.available(), bytes.size() - pos);  // what was there stays
  EXPECT_FALSE(in.Discard(bytes.size() - pos + 1));
}

TEST(SourceBufferTest, FailureIsSticky) {
  MemorySource source(Count(100), 10, 50);
  SourceBuffer in(source, 16);
  ASSERT_TRUE(in.Ensure(40));
  in.Consume(40);
  EXPECT_FALSE(in.Ensure(20));
  EXPECT_TRUE(in.failed());
  EXPECT_FALSE(in.ended());
  EXPECT_EQ(in.available(), 10u);
  EXPECT_FALSE(in.Ensure(11));
}

TEST(SourceBufferTest, TakeUnreadGivesWhatWasReadButNotConsumed) {
  const ByteVec bytes = Count(300);
  MemorySource source(bytes, 1000);
  SourceBuffer in(source, 256);
  ASSERT_TRUE(in.Ensure(10));
  in.Consume(10);
  const std::size_t buffered = in.available();
  const std::vector<std::uint8_t> unread = in.TakeUnread();
  ASSERT_EQ(unread.size(), buffered);
  EXPECT_TRUE(std::equal(unread.begin(), unread.end(), bytes.begin() + 10));
  EXPECT_EQ(in.available(), 0u);
  EXPECT_EQ(in.offset(), 10 + buffered);
  // Reading on continues where the unread bytes end.
  if (10 + buffered < bytes.size()) {
    ASSERT_TRUE(in.Ensure(1));
    EXPECT_EQ(in.Peek(0, 1)[0], bytes[10 + buffered]);
  }
}

// ---------------------------------------------------------------------------- ParseHeader

ByteVec Header(testing::PcapOptions opts) {
  ByteVec bytes = testing::PcapWriter(opts).bytes();
  bytes.resize(PcapFileHeader::kBytes);
  return bytes;
}

TEST(PcapFileReaderTest, ParseHeaderTakesThePlainVariants) {
  for (const bool big : {false, true}) {
    for (const bool nano : {false, true}) {
      for (const std::uint32_t linktype : {0u, 1u, 101u, 108u, 113u, 228u, 229u, 276u}) {
        SCOPED_TRACE(std::to_string(big) + std::to_string(nano) + " " + std::to_string(linktype));
        const std::optional<PcapFileHeader> h = PcapFileReader::ParseHeader(
            Header({.linktype = linktype, .big_endian = big, .nanosecond = nano, .snaplen = 1500}));
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->big_endian, big);
        EXPECT_EQ(h->nanoseconds, nano);
        EXPECT_EQ(h->snaplen, 1500u);
        EXPECT_EQ(h->linktype, linktype);
      }
    }
  }
}

TEST(PcapFileReaderTest, ParseHeaderLeavesTheRestToLibpcap) {
  // Link types libpcap changes records of, or that carry FCS bits.
  for (const std::uint32_t linktype : {189u, 220u, 239u, 105u, 1u | 0x10000000u}) {
    EXPECT_FALSE(PcapFileReader::ParseHeader(Header({.linktype = linktype})).has_value())
        << linktype;
  }
  // Snapshot lengths libpcap replaces.
  for (const std::uint32_t snaplen : {0u, 262145u, 0xffffffffu}) {
    EXPECT_FALSE(PcapFileReader::ParseHeader(Header({.snaplen = snaplen})).has_value()) << snaplen;
  }
  EXPECT_TRUE(PcapFileReader::ParseHeader(Header({.snaplen = 262144})).has_value());
  // Other versions, the modified format, other magics, short headers.
  ByteVec h = Header({});
  h[4] = 1;  // version 1.4
  EXPECT_FALSE(PcapFileReader::ParseHeader(h).has_value());
  h = Header({});
  h[6] = 3;  // version 2.3
  EXPECT_FALSE(PcapFileReader::ParseHeader(h).has_value());
  h = Header({});
  h[0] = 0x34;
  h[1] = 0xcd;  // a1b2cd34, little-endian
  EXPECT_FALSE(PcapFileReader::ParseHeader(h).has_value());
  h = Header({});
  EXPECT_FALSE(PcapFileReader::ParseHeader(Bytes(h).first(23)).has_value());
  EXPECT_FALSE(
      PcapFileReader::ParseHeader(testing::ToBytes("\x0a\x0d\x0d\x0a not pcap......")).has_value());
}

// ---------------------------------------------------------------------------------- records

struct Reading {
  std::vector<PcapRecord> records;  // data copied into `frames`
  std::vector<ByteVec> frames;
  PcapFileReader::Status last;
  std::uint64_t offset;
  ByteVec unread;
};

Reading ReadRecords(const ByteVec& file, std::size_t step,
                    std::optional<std::size_t> fail_at = {}) {
  const std::optional<PcapFileHeader> header = PcapFileReader::ParseHeader(file);
  EXPECT_TRUE(header.has_value());
  MemorySource source(ByteVec(file.begin() + PcapFileHeader::kBytes, file.end()), step, fail_at);
  PcapFileReader reader(source, *header);
  Reading r;
  PcapRecord record;
  while ((r.last = reader.Next(&record)) == PcapFileReader::Status::kPacket) {
    r.frames.emplace_back(record.data.begin(), record.data.end());
    r.records.push_back(record);
  }
  r.offset = reader.offset();
  const std::vector<std::uint8_t> unread = reader.TakeUnread();
  r.unread.assign(unread.begin(), unread.end());
  // The rest of the stream, after what the reader buffered.
  std::vector<std::uint8_t> rest(file.size());
  const std::ptrdiff_t n = ReadFully(source, rest);
  if (n > 0) r.unread.insert(r.unread.end(), rest.begin(), rest.begin() + n);
  EXPECT_EQ(reader.Next(&record), r.last);  // the end or the hand-over stays
  return r;
}

TEST(PcapFileReaderTest, RecordsInEveryVariantAndReadSize) {
  for (const bool big : {false, true}) {
    for (const bool nano : {false, true}) {
      testing::PcapWriter w({.big_endian = big, .nanosecond = nano, .snaplen = 2000});
      for (std::uint32_t i = 0; i < 50; ++i) {
        w.Add(1600000000 + i, nano ? 999999999u - i : 999999u - i,
              Frame(1 + (i * 97) % 2000, static_cast<std::uint8_t>(i)), 3000 + i);
      }
      for (const std::size_t step : {std::size_t{1}, std::size_t{13}, std::size_t{1} << 20}) {
        SCOPED_TRACE(std::to_string(big) + std::to_string(nano) + " step " + std::to_string(step));
        const Reading r = ReadRecords(w.bytes(), step);
        EXPECT_EQ(r.last, PcapFileReader::Status::kEnd);
        ASSERT_EQ(r.records.size(), 50u);
        for (std::uint32_t i = 0; i < 50; ++i) {
          EXPECT_EQ(r.records[i].ts.sec, 1600000000 + i);
          EXPECT_EQ(r.records[i].ts.usec, static_cast<std::int32_t>(999999 - (nano ? 0 : i)));
          EXPECT_EQ(r.records[i].wire_len, 3000 + i);
          EXPECT_EQ(r.frames[i], Frame(1 + (i * 97) % 2000, static_cast<std::uint8_t>(i)));
        }
        EXPECT_EQ(r.offset, w.bytes().size());
        EXPECT_TRUE(r.unread.empty());
      }
    }
  }
}

// Ahead(k) shows the frames of the records after the next one where they lie in the buffer,
// and nothing for a record not wholly read yet or one Next() would not hand out.
TEST(PcapFileReaderTest, AheadShowsBufferedRecordsWithoutConsumingThem) {
  testing::PcapWriter w({.snaplen = 100});
  for (std::uint8_t i = 0; i < 4; ++i) w.Add(1, 0, Frame(10 + i, i), 10 + i);
  w.Add(1, 0, Frame(100, 9), 100);
  const ByteVec& file = w.bytes();
  const std::optional<PcapFileHeader> header = PcapFileReader::ParseHeader(file);
  ASSERT_TRUE(header.has_value());
  MemorySource source(ByteVec(file.begin() + PcapFileHeader::kBytes, file.end()), 1 << 20);
  PcapFileReader reader(source, *header);
  EXPECT_TRUE(reader.Ahead(0).empty());  // nothing read yet
  PcapRecord record;
  ASSERT_EQ(reader.Next(&record), PcapFileReader::Status::kPacket);
  EXPECT_EQ(ByteVec(reader.Ahead(0).begin(), reader.Ahead(0).end()), Frame(11, 1));
  EXPECT_EQ(ByteVec(reader.Ahead(2).begin(), reader.Ahead(2).end()), Frame(13, 3));
  EXPECT_EQ(ByteVec(reader.Ahead(3).begin(), reader.Ahead(3).end()), Frame(100, 9));
  EXPECT_TRUE(reader.Ahead(4).empty());                                      // past the end
  EXPECT_EQ(ByteVec(record.data.begin(), record.data.end()), Frame(10, 0));  // still valid
  ASSERT_EQ(reader.Next(&record), PcapFileReader::Status::kPacket);
  EXPECT_EQ(ByteVec(record.data.begin(), record.data.end()), Frame(11, 1));

  // A record cut short by the end of the stream, or longer than the snapshot length, is not
  // shown.
  ByteVec cut(file.begin(), file.end() - 1);
  ByteVec big = file;
  big[big.size() - 100 - 8] = 101;  // the last record's captured length, little-endian
  for (const ByteVec* bytes : {&cut, &big}) {
    MemorySource s(ByteVec(bytes->begin() + PcapFileHeader::kBytes, bytes->end()), 1 << 20);
    PcapFileReader r(s, *header);
    ASSERT_EQ(r.Next(&record), PcapFileReader::Status::kPacket);
    EXPECT_FALSE(r.Ahead(2).empty());
    EXPECT_TRUE(r.Ahead(3).empty());
  }
}

// Every record the reader cannot vouch for stops it just before that record, with the rest of
// the stream intact for libpcap.
TEST(PcapFileReaderTest, HandsOverAtTheFirstRecordItCannotVouchFor) {
  struct Case {
    const char* name;
    std::uint32_t caplen_field;
    std::size_t keep;  // bytes of the bad record kept (0 = the whole file)
    bool fail;         // a read error where the bad record starts
  };
  const Case cases[] = {
      {"zero captured bytes", 0, 0, false},       {"above the snapshot length", 101, 0, false},
      {"far above it", 0xffffffffu, 0, false},    {"cut in the data", 60, 16 + 30, false},
      {"cut in the record header", 60, 5, false}, {"read error", 60, 0, true},
  };
  for (const Case& c : cases) {
    for (const std::size_t step : {std::size_t{1}, std::size_t{1} << 20}) {
      SCOPED_TRACE(std::string(c.name) + " step " + std::to_string(step));
      testing::PcapWriter w({.snaplen = 100});
      w.Add(1, 0, Frame(60, 1));
      w.Add(2, 0, Frame(100, 2));
      const std::size_t bad_at = w.bytes().size();
      w.AddRawRecord(3, 0, c.caplen_field, 60, Frame(60, 3));
      w.Add(4, 0, Frame(60, 4));
      ByteVec file = w.bytes();
      if (c.keep > 0) file.resize(bad_at + c.keep);
      // Offsets in the source exclude the file header.
      std::optional<std::size_t> fail_at;
      if (c.fail) fail_at = bad_at - PcapFileHeader::kBytes;
      const Reading r = ReadRecords(file, step, fail_at);
      EXPECT_EQ(r.last, PcapFileReader::Status::kHandOver);
      ASSERT_EQ(r.records.size(), 2u);
      EXPECT_EQ(r.frames[1], Frame(100, 2));
      EXPECT_EQ(r.offset, bad_at);
      if (!c.fail) {
        EXPECT_EQ(r.unread, ByteVec(file.begin() + bad_at, file.end()));
      }
    }
  }
}

TEST(PcapFileReaderTest, EmptyStreamAfterTheHeaderEndsCleanly) {
  const Reading r = ReadRecords(testing::PcapWriter().bytes(), 5);
  EXPECT_EQ(r.last, PcapFileReader::Status::kEnd);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.offset, PcapFileHeader::kBytes);
}

}  // namespace
}  // namespace tcpflow
