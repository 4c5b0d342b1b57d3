// pcap_writer_test.cpp: classic pcap files written through OutputFs, parsed back by hand and by
// libpcap; cut records, buffering, link-type policy, write errors, CreateOrTruncate.
#include "pcap_writer.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <bit>
#include <fstream>
#include <string>
#include <vector>

#include "common/pcap_read_back.h"
#include "common/temp_dir.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using testing::ReadBackPcap;
using testing::ReadFile;
using testing::TempDir;
using testing::WrittenPcap;
using testing::WrittenRecord;

constexpr int kEthernet = 1;  // LINKTYPE_ETHERNET
constexpr int kRaw = 101;     // LINKTYPE_RAW

std::vector<std::uint8_t> Payload(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
  return v;
}

TEST(PcapWriterTest, HeaderFields) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kEthernet, &error);
  ASSERT_NE(w, nullptr) << error;
  EXPECT_EQ(w->link_type(), kEthernet);
  ASSERT_TRUE(w->Close()) << w->error();
  const auto& bytes = fs.files().at("out.pcap").bytes;
  ASSERT_EQ(bytes.size(), 24u);
  // Little-endian on disk, whatever the host.
  EXPECT_EQ(bytes[0], 0xd4);
  EXPECT_EQ(bytes[1], 0xc3);
  EXPECT_EQ(bytes[2], 0xb2);
  EXPECT_EQ(bytes[3], 0xa1);
  WrittenPcap f = ReadBackPcap(bytes);
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.magic, 0xa1b2c3d4u);
  EXPECT_EQ(f.major, 2);
  EXPECT_EQ(f.minor, 4);
  EXPECT_EQ(f.thiszone, 0u);
  EXPECT_EQ(f.sigfigs, 0u);
  EXPECT_EQ(f.snaplen, 262144u);
  EXPECT_EQ(f.link_type, 1u);
  EXPECT_TRUE(f.records.empty());
}

TEST(PcapWriterTest, RecordsRoundTrip) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "dir/out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr) << error;
  const auto a = Payload(60, 1);
  const auto b = Payload(1, 2);
  ASSERT_TRUE(w->Write(Timeval{1600000000, 123456}, 60, a));
  ASSERT_TRUE(w->Write(Timeval{1600000001, 999999}, 1500, b));  // a capture cut by its snaplen
  ASSERT_TRUE(w->Write(Timeval{1600000002, 0}, 0, {}));
  EXPECT_EQ(w->records_written(), 3u);
  ASSERT_TRUE(w->Close());
  WrittenPcap f = ReadBackPcap(fs.files().at("dir/out.pcap").bytes);
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.link_type, 101u);
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[0].sec, 1600000000u);
  EXPECT_EQ(f.records[0].usec, 123456u);
  EXPECT_EQ(f.records[0].wire_len, 60u);
  EXPECT_EQ(f.records[0].data, a);
  EXPECT_EQ(f.records[1].sec, 1600000001u);
  EXPECT_EQ(f.records[1].usec, 999999u);
  EXPECT_EQ(f.records[1].wire_len, 1500u);
  EXPECT_EQ(f.records[1].data, b);
  EXPECT_EQ(f.records[2].wire_len, 0u);
  EXPECT_TRUE(f.records[2].data.empty());
}

TEST(PcapWriterTest, WireLengthNeverBelowCaptured) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Write(Timeval{1, 0}, 10, Payload(40, 0)));
  ASSERT_TRUE(w->Close());
  WrittenPcap f = ReadBackPcap(fs.files().at("out.pcap").bytes);
  ASSERT_EQ(f.records.size(), 1u);
  EXPECT_EQ(f.records[0].wire_len, 40u);
  EXPECT_EQ(f.records[0].data.size(), 40u);
}

TEST(PcapWriterTest, SecondsStoredModulo32Bits) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Write(Timeval{(std::int64_t{1} << 32) + 5, 7}, 1, Payload(1, 0)));
  ASSERT_TRUE(w->Close());
  WrittenPcap f = ReadBackPcap(fs.files().at("out.pcap").bytes);
  ASSERT_EQ(f.records.size(), 1u);
  EXPECT_EQ(f.records[0].sec, 5u);
  EXPECT_EQ(f.records[0].usec, 7u);
}

TEST(PcapWriterTest, LongRecordCutToSnaplen) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr);
  const auto big = Payload(kPcapWriterSnaplen + 1000, 3);
  ASSERT_TRUE(w->Write(Timeval{5, 6}, 300000, big));
  const auto exact = Payload(kPcapWriterSnaplen, 4);
  ASSERT_TRUE(w->Write(Timeval{5, 7}, kPcapWriterSnaplen, exact));
  ASSERT_TRUE(w->Close());
  WrittenPcap f = ReadBackPcap(fs.files().at("out.pcap").bytes);
  ASSERT_TRUE(f.ok);
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].wire_len, 300000u);
  ASSERT_EQ(f.records[0].data.size(), kPcapWriterSnaplen);
  EXPECT_TRUE(std::equal(f.records[0].data.begin(), f.records[0].data.end(), big.begin()));
  EXPECT_EQ(f.records[1].wire_len, kPcapWriterSnaplen);
  EXPECT_EQ(f.records[1].data, exact);
}

TEST(PcapWriterTest, ManyRecordsBeyondTheBufferStayInOrder) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kEthernet, &error);
  ASSERT_NE(w, nullptr);
  // About 3.5 buffers' worth, in records of varying size.
  std::vector<std::vector<std::uint8_t>> sent;
  std::size_t total = 24;
  for (std::uint32_t i = 0; total < 3 * kPcapWriterBufferBytes + kPcapWriterBufferBytes / 2; ++i) {
    sent.push_back(Payload(40 + (i * 37) % 1500, static_cast<std::uint8_t>(i)));
    ASSERT_TRUE(w->Write(Timeval{1000 + i, static_cast<std::int32_t>(i % 1000000)},
                         static_cast<std::uint32_t>(sent.back().size()), sent.back()));
    total += 16 + sent.back().size();
    if (i == 10) {
      // Nothing has reached the file yet: the writer buffers.
      EXPECT_TRUE(fs.files().at("out.pcap").bytes.empty());
    }
  }
  // Whole buffers have been written before Close, each one starting where the last ended.
  const std::size_t before_close = fs.files().at("out.pcap").bytes.size();
  EXPECT_GE(before_close, 3 * kPcapWriterBufferBytes);
  EXPECT_LT(before_close, total);
  EXPECT_TRUE(
      ReadBackPcap(fs.files().at("out.pcap").bytes).ok);  // flushes end on record boundaries
  ASSERT_TRUE(w->Close());
  const auto& bytes = fs.files().at("out.pcap").bytes;
  EXPECT_EQ(bytes.size(), total);
  WrittenPcap f = ReadBackPcap(bytes);
  ASSERT_TRUE(f.ok);
  ASSERT_EQ(f.records.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    ASSERT_EQ(f.records[i].sec, 1000 + i) << i;
    ASSERT_EQ(f.records[i].data, sent[i]) << i;
  }
}

TEST(PcapWriterTest, SmallBufferWritesOftenWithSameResult) {
  MemoryOutputFs big_fs;
  MemoryOutputFs small_fs;
  std::string error;
  auto big = PcapFileWriter::Create(big_fs, "out.pcap", kRaw, &error);
  auto small = PcapFileWriter::Create(small_fs, "out.pcap", kRaw, &error, 1);
  ASSERT_NE(big, nullptr);
  ASSERT_NE(small, nullptr);
  for (std::uint8_t i = 0; i < 20; ++i) {
    const auto p = Payload(i, i);
    ASSERT_TRUE(big->Write(Timeval{i, i}, i, p));
    ASSERT_TRUE(small->Write(Timeval{i, i}, i, p));
    // A 1-byte buffer writes every record at once.
    EXPECT_EQ(ReadBackPcap(small_fs.files().at("out.pcap").bytes).records.size(), i + 1u);
  }
  ASSERT_TRUE(big->Close());
  ASSERT_TRUE(small->Close());
  EXPECT_EQ(big_fs.files().at("out.pcap").bytes, small_fs.files().at("out.pcap").bytes);
}

TEST(PcapWriterTest, OtherLinkTypeSkippedAndCounted) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kEthernet, &error);
  ASSERT_NE(w, nullptr);
  const auto p = Payload(20, 9);
  EXPECT_TRUE(w->WriteIfLinkType(kEthernet, Timeval{1, 0}, 20, p));
  EXPECT_TRUE(w->WriteIfLinkType(kRaw, Timeval{2, 0}, 20, p));
  EXPECT_TRUE(w->WriteIfLinkType(kRaw, Timeval{3, 0}, 20, p));
  EXPECT_TRUE(w->WriteIfLinkType(kEthernet, Timeval{4, 0}, 20, p));
  EXPECT_EQ(w->records_written(), 2u);
  EXPECT_EQ(w->skipped_other_link_type(), 2u);
  ASSERT_TRUE(w->Close());
  WrittenPcap f = ReadBackPcap(fs.files().at("out.pcap").bytes);
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].sec, 1u);
  EXPECT_EQ(f.records[1].sec, 4u);
}

TEST(PcapWriterTest, WriteErrorIsStickyAndNamed) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error, 100);
  ASSERT_NE(w, nullptr);
  fs.FailWrites("No space left on device");
  EXPECT_FALSE(w->Write(Timeval{1, 0}, 200, Payload(200, 0)));  // reaches the buffer limit
  EXPECT_NE(w->error().find("out.pcap"), std::string::npos) << w->error();
  EXPECT_NE(w->error().find("No space left on device"), std::string::npos) << w->error();
  EXPECT_FALSE(w->Write(Timeval{2, 0}, 1, Payload(1, 0)));
  EXPECT_FALSE(w->WriteIfLinkType(kEthernet, Timeval{3, 0}, 1, Payload(1, 0)));
  EXPECT_FALSE(w->Close());
  EXPECT_FALSE(w->Close());
  EXPECT_EQ(fs.open_descriptors(), 0u);  // the file was closed all the same
}

TEST(PcapWriterTest, WriteErrorSeenAtClose) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Write(Timeval{1, 0}, 10, Payload(10, 0)));  // buffered: no error yet
  fs.max_file_bytes = 30;
  EXPECT_FALSE(w->Close());
  EXPECT_NE(w->error().find("No space left on device"), std::string::npos) << w->error();
}

TEST(PcapWriterTest, WriteAfterCloseFails) {
  MemoryOutputFs fs;
  std::string error;
  auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Close());
  EXPECT_TRUE(w->Close());
  EXPECT_FALSE(w->Write(Timeval{1, 0}, 1, Payload(1, 0)));
  EXPECT_EQ(fs.files().at("out.pcap").bytes.size(), 24u);
}

TEST(PcapWriterTest, DestructorFlushesAndCloses) {
  MemoryOutputFs fs;
  std::string error;
  {
    auto w = PcapFileWriter::Create(fs, "out.pcap", kRaw, &error);
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->Write(Timeval{1, 0}, 3, Payload(3, 0)));
  }
  EXPECT_EQ(fs.open_descriptors(), 0u);
  EXPECT_EQ(ReadBackPcap(fs.files().at("out.pcap").bytes).records.size(), 1u);
}

TEST(PcapWriterTest, MemoryCreateOrTruncate) {
  MemoryOutputFs fs;
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive("a", &id), OutputFs::CreateStatus::kCreated);
  const std::uint8_t data[5] = {1, 2, 3, 4, 5};
  ASSERT_TRUE(fs.WriteAt(id, 0, data));
  const Timeval mtime{99, 0};
  ASSERT_TRUE(fs.Close(id, &mtime));
  EXPECT_EQ(fs.CreateExclusive("a", &id), OutputFs::CreateStatus::kExists);
  ASSERT_EQ(fs.CreateOrTruncate("a", &id), OutputFs::CreateStatus::kCreated);
  EXPECT_TRUE(fs.files().at("a").bytes.empty());
  EXPECT_FALSE(fs.files().at("a").mtime.has_value());
  ASSERT_TRUE(fs.WriteAt(id, 0, Bytes(data, 2)));
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(fs.files().at("a").bytes.size(), 2u);
  // A new name is simply created.
  ASSERT_EQ(fs.CreateOrTruncate("b", &id), OutputFs::CreateStatus::kCreated);
  EXPECT_EQ(fs.files().count("b"), 1u);
}

TEST(PcapWriterTest, PosixCreateOrTruncate) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/sub/dir/file";
  PosixOutputFs fs(4);
  FileId id = 0;
  ASSERT_EQ(fs.CreateOrTruncate(path, &id), OutputFs::CreateStatus::kCreated) << fs.error();
  const std::uint8_t data[5] = {1, 2, 3, 4, 5};
  ASSERT_TRUE(fs.WriteAt(id, 0, data));
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(ReadFile(path).value_or("").size(), 5u);
  EXPECT_EQ(fs.CreateExclusive(path, &id), OutputFs::CreateStatus::kExists);
  ASSERT_EQ(fs.CreateOrTruncate(path, &id), OutputFs::CreateStatus::kCreated) << fs.error();
  EXPECT_EQ(ReadFile(path).value_or("?").size(), 0u);
  ASSERT_TRUE(fs.WriteAt(id, 0, Bytes(data, 2)));
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(ReadFile(path), std::string("\x01\x02", 2));
  // A directory in the way is an error that names the path.
  ASSERT_EQ(fs.CreateOrTruncate(dir.path() + "/sub", &id), OutputFs::CreateStatus::kError);
  EXPECT_NE(fs.error().find(dir.path() + "/sub"), std::string::npos) << fs.error();
}

TEST(PcapWriterTest, PosixCreateOrTruncateWithinTheDescriptorBudget) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  PosixOutputFs fs(1);
  std::string error;
  auto a = PcapFileWriter::Create(fs, dir.path() + "/a.pcap", kRaw, &error, 1);
  ASSERT_NE(a, nullptr) << error;
  auto b = PcapFileWriter::Create(fs, dir.path() + "/b.pcap", kRaw, &error, 1);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_LE(fs.open_descriptors(), 1u);
  for (std::uint8_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(a->Write(Timeval{i, 0}, 4, Payload(4, i))) << a->error();
    ASSERT_TRUE(b->Write(Timeval{i, 1}, 4, Payload(4, i))) << b->error();
    EXPECT_LE(fs.open_descriptors(), 1u);
  }
  ASSERT_TRUE(a->Close());
  ASSERT_TRUE(b->Close());
  EXPECT_EQ(ReadFile(dir / "a.pcap").value_or("").size(), 24u + 5 * 20);
  EXPECT_EQ(ReadFile(dir / "b.pcap").value_or("").size(), 24u + 5 * 20);
}

TEST(PcapWriterTest, PosixCreateFailureNamesThePath) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  PosixOutputFs fs(4);
  std::string error;
  // The "directory" is a plain file.
  std::ofstream(dir.path() + "/plain") << "x";
  auto w = PcapFileWriter::Create(fs, dir.path() + "/plain/out.pcap", kRaw, &error);
  EXPECT_EQ(w, nullptr);
  EXPECT_NE(error.find(dir.path() + "/plain"), std::string::npos) << error;
}

TEST(PcapWriterTest, LibpcapReadsEveryRecordBack) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/w.pcap";
  // An old file in the way is replaced.
  std::ofstream(path) << std::string(100000, 'x');
  PosixOutputFs fs(8);
  std::string error;
  auto w = PcapFileWriter::Create(fs, path, kEthernet, &error);
  ASSERT_NE(w, nullptr) << error;
  std::vector<WrittenRecord> sent;
  for (std::uint32_t i = 0; i < 600; ++i) {
    WrittenRecord r;
    r.sec = 1700000000 + i / 3;
    r.usec = (i * 333331) % 1000000;
    r.data = Payload(14 + (i * 101) % 1600, static_cast<std::uint8_t>(i));
    r.wire_len = static_cast<std::uint32_t>(r.data.size()) + (i % 4 == 0 ? 100 : 0);
    ASSERT_TRUE(w->Write(Timeval{r.sec, static_cast<std::int32_t>(r.usec)}, r.wire_len, r.data));
    sent.push_back(std::move(r));
  }
  WrittenRecord cut;
  cut.sec = 1800000000;
  cut.usec = 1;
  cut.data = Payload(kPcapWriterSnaplen + 10, 77);
  cut.wire_len = static_cast<std::uint32_t>(cut.data.size());
  ASSERT_TRUE(w->Write(Timeval{cut.sec, 1}, cut.wire_len, cut.data));
  cut.data.resize(kPcapWriterSnaplen);
  sent.push_back(cut);
  ASSERT_TRUE(w->Close()) << w->error();

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  ASSERT_NE(p, nullptr) << errbuf;
  EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
  EXPECT_EQ(pcap_snapshot(p), 262144);
  EXPECT_EQ(pcap_major_version(p), 2);
  EXPECT_EQ(pcap_minor_version(p), 4);
  // The file is little-endian: libpcap swaps only on a big-endian host.
  EXPECT_EQ(pcap_is_swapped(p), std::endian::native == std::endian::big ? 1 : 0);
  std::size_t n = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
    ASSERT_LT(n, sent.size());
    const WrittenRecord& r = sent[n];
    EXPECT_EQ(static_cast<std::uint32_t>(header->ts.tv_sec), r.sec) << n;
    EXPECT_EQ(static_cast<std::uint32_t>(header->ts.tv_usec), r.usec) << n;
    EXPECT_EQ(header->len, r.wire_len) << n;
    ASSERT_EQ(header->caplen, r.data.size()) << n;
    EXPECT_TRUE(std::equal(r.data.begin(), r.data.end(), data)) << n;
    ++n;
  }
  EXPECT_EQ(rc, PCAP_ERROR_BREAK) << pcap_geterr(p);  // a clean end of file
  EXPECT_EQ(n, sent.size());
  pcap_close(p);
}

}  // namespace
}  // namespace tcpflow
