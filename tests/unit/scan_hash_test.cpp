// scan_hash_test.cpp: the md5 scanner: streaming digests equal to the file's, holes, late
// fills and front insertion (digest of the closed file), -b, flows without files, -S hash.
#include "scan_hash.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/memory_flow_files.h"
#include "flow_writer.h"
#include "output_dir.h"
#include "stored_stream.h"

namespace tcpflow {
namespace {

using testing::B;

std::string Digest(const char* algorithm, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_get_digestbyname(algorithm), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return hex;
}

// The flow-file writer, then the hash scanner behind its StoredStream, as in the pipeline's
// fan-out.
class ScanHashTest : public ::testing::Test, protected testing::MemoryFlowFiles {
 protected:
  // `digests`: -S hash, as the command line leaves it (lower case, checked).
  void Start(const std::vector<std::string>& digests = {}, bool md5 = true) {
    const HashScanConfig config = MakeHashScanConfig(HashSettings{digests}, md5);
    hash_ = std::make_unique<HashScanner>(config, fs_);
    stored_ = std::make_unique<StoredStream>(reassembly_.max_bytes_per_flow);
    stored_->Add(hash_.get());
    FanOutBehindFiles(*stored_);
  }
  // The flow file's bytes.
  std::string Contents() const { return MemoryFlowFiles::Contents(name_); }
  // The hashdigest extras of a closed flow, as "TYPE=hex" lines.
  static std::string Digests(const Flow& flow) {
    std::string out;
    for (const ReportExtra& extra : flow.extras) {
      EXPECT_EQ(extra.element, "hashdigest");
      EXPECT_EQ(extra.attributes.size(), 1u);
      out += extra.attributes.at(0).second + "=" + extra.text + "\n";
    }
    return out;
  }

  std::unique_ptr<HashScanner> hash_;
  std::unique_ptr<StoredStream> stored_;
};

TEST_F(ScanHashTest, InOrderDigestEqualsTheFiles) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnFlowOpen(flow);
  fanout_->OnData(flow, 0, B("GET / HTTP/1.0\r\n"), Timeval{1, 0});
  fanout_->OnData(flow, 16, B("\r\n"), Timeval{2, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Contents(), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", Contents()) + "\n");
  EXPECT_EQ(hash_->reread_flows(), 0u);
}

TEST_F(ScanHashTest, KnownMd5OfTheReferenceTestFile) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("abc"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Digests(flow), "MD5=900150983cd24fb0d6963f7d28e17f72\n");  // RFC 1321 "abc"
}

TEST_F(ScanHashTest, HoleIsHashedAsZeros) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), Timeval{1, 0});
  fanout_->OnGap(flow, 4, 9996, Timeval{1, 0});  // 9996 zero bytes in the file
  fanout_->OnData(flow, 10000, B("BBBB"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  ASSERT_EQ(Contents().size(), 10004u);
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", Contents()) + "\n");
  EXPECT_EQ(hash_->reread_flows(), 0u);
}

TEST_F(ScanHashTest, LateFillDigestsTheClosedFile) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), Timeval{1, 0});
  fanout_->OnGap(flow, 4, 4, Timeval{1, 0});
  fanout_->OnData(flow, 8, B("CCCC"), Timeval{1, 0});
  fanout_->OnData(flow, 4, B("BBBB"), Timeval{1, 0});  // fills the hole behind the digest
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Contents(), "AAAABBBBCCCC");
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", "AAAABBBBCCCC") + "\n");
  EXPECT_EQ(hash_->reread_flows(), 1u);
}

TEST_F(ScanHashTest, FrontInsertionDigestsTheClosedFile) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("BBBB"), Timeval{1, 0});
  fanout_->OnShift(flow, 2);
  fanout_->OnData(flow, 0, B("AA"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Contents(), "AABBBB");
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", "AABBBB") + "\n");
}

TEST_F(ScanHashTest, MaxBytesCutsTheDigestLikeTheFile) {
  reassembly_.max_bytes_per_flow = 5;
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("0123"), Timeval{1, 0});
  fanout_->OnData(flow, 4, B("456789"), Timeval{1, 0});
  fanout_->OnData(flow, 10, B("abc"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Contents(), "01234");
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", "01234") + "\n");
}

TEST_F(ScanHashTest, MoreDigestsInOrderWithoutRepeats) {
  Start({"sha1", "sha256", "md5"});
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("payload"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Digests(flow), "MD5=" + Digest("md5", "payload") +
                               "\nSHA1=" + Digest("sha1", "payload") +
                               "\nSHA256=" + Digest("sha256", "payload") + "\n");
}

TEST_F(ScanHashTest, HashSettingAloneGivesOnlyThoseDigests) {
  Start({"sha256"}, false);
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("x"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Digests(flow), "SHA256=" + Digest("sha256", "x") + "\n");
}

TEST_F(ScanHashTest, NoFileNoDigest) {
  output_.store_output = false;  // -FX
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("data"), Timeval{1, 0});
  fanout_->OnFlowClose(flow);
  EXPECT_TRUE(flow.extras.empty());
}

TEST_F(ScanHashTest, EmptyFlowNoDigest) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnFlowOpen(flow);
  fanout_->OnFlowClose(flow);
  EXPECT_TRUE(flow.extras.empty());
}

TEST_F(ScanHashTest, IncompleteFileNoDigest) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("data"), Timeval{1, 0});
  fs_.FailWrites("No space left on device");
  fanout_->OnData(flow, 4, B("more"), Timeval{1, 0});  // the writer fails: the file is incomplete
  fanout_->OnFlowClose(flow);
  EXPECT_TRUE(flow.extras.empty());
}

TEST(ScanHashConfigTest, AlgorithmsComeFromMd5AndTheHashSetting) {
  EXPECT_TRUE(MakeHashScanConfig({}, false).algorithms.empty());
  HashScanConfig config = MakeHashScanConfig(HashSettings{{"sha512", "blake2b512"}}, false);
  ASSERT_EQ(config.algorithms.size(), 2u);
  EXPECT_EQ(config.algorithms[0].openssl_name, "sha512");
  EXPECT_EQ(config.algorithms[1].dfxml_type, "BLAKE2B512");
  config = MakeHashScanConfig(HashSettings{{"sha3-256", "md5"}}, true);
  ASSERT_EQ(config.algorithms.size(), 2u);  // md5 once, first
  EXPECT_EQ(config.algorithms[0].dfxml_type, "MD5");
  EXPECT_EQ(config.algorithms[1].dfxml_type, "SHA3-256");
}

// Every digest -S hash accepts is one OpenSSL knows.
TEST(ScanHashConfigTest, EveryAcceptedDigestIsKnownToOpenSsl) {
  std::string_view names = kDigestNames;
  while (!names.empty()) {
    const std::size_t bar = names.find('|');
    const std::string name(names.substr(0, bar));
    EXPECT_NE(EVP_get_digestbyname(name.c_str()), nullptr) << name;
    if (bar == std::string_view::npos) break;
    names.remove_prefix(bar + 1);
  }
}

}  // namespace
}  // namespace tcpflow
