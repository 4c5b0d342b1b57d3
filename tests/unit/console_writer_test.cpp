// console_writer_test.cpp: console records byte for byte as tcpflow 1.6.1 prints them (REFERENCE.md
// 5: -c -C -B -D -J -g -0 -b), the -J address fix, write failures (EPIPE) and the -L semaphore.
#include "console_writer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <semaphore.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/bytes.h"
#include "config.h"
#include "filename_template.h"
#include "flow.h"

namespace tcpflow {
namespace {

using testing::B;

IpAddress Addr(const char* text) {
  std::uint8_t bytes[16] = {};
  if (std::string_view(text).find(':') != std::string_view::npos) {
    EXPECT_EQ(::inet_pton(AF_INET6, text, bytes), 1) << text;
    return IpAddress::V6(bytes);
  }
  EXPECT_EQ(::inet_pton(AF_INET, text, bytes), 1) << text;
  return IpAddress::V4(bytes);
}

// The reference's bin.pcap payloads (REFERENCE.md 5): the request holds 0x00 0x01 0x7f, UTF-8
// "é" and a TAB; the response ends with the bytes 0x00-0x27.
const std::string kRequest("GET /\x00\x01\x7f\xc3\xa9 HTTP/1.0\r\n\tTab\r\n\r\n", 29);
std::string Response() {
  std::string s = "HTTP/1.0 200 OK\r\n\r\n";
  for (int i = 0; i < 0x28; ++i) s += static_cast<char>(i);
  return s;
}

constexpr std::string_view kClientName = "192.168.001.002.34567-010.000.000.001.00080";
constexpr std::string_view kServerName = "010.000.000.001.00080-192.168.001.002.34567";

// Writes into an in-memory stream; the fixture owns it and two flows of one connection.
class ConsoleWriterTest : public ::testing::Test {
 protected:
  ConsoleWriterTest()
      : tmpl_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, nullptr)),
        client_(MakeFlow("192.168.1.2", 34567, "10.0.0.1", 80)),
        server_(MakeFlow("10.0.0.1", 80, "192.168.1.2", 34567)) {
    out_ = ::open_memstream(&buffer_, &length_);
    client_->client_to_server = true;
  }
  ~ConsoleWriterTest() override {
    if (out_ != nullptr) std::fclose(out_);
    std::free(buffer_);
  }

  std::unique_ptr<Flow> MakeFlow(const char* src, std::uint16_t sport, const char* dst,
                                 std::uint16_t dport) {
    return std::make_unique<Flow>(FlowKey{Addr(src), Addr(dst), sport, dport, kNoVlan}, limits_,
                                  budget_);
  }
  std::unique_ptr<ConsoleWriter> Make(const ConsoleConfig& config, std::int64_t max_bytes = -1,
                                      const std::string& semlock = "") {
    std::string error;
    auto writer = ConsoleWriter::Create(config, tmpl_, max_bytes, semlock, out_, &error);
    EXPECT_NE(writer, nullptr) << error;
    return writer;
  }
  static void Send(ConsoleWriter& writer, Flow& flow, std::string_view payload) {
    SegmentInfo segment;
    segment.payload = B(payload);
    writer.OnSegment(flow, segment);
  }
  std::string Output() {
    std::fflush(out_);
    return std::string(buffer_, length_);
  }
  // The two bin.pcap segments, request then response, through a writer made with `config`.
  std::string BinPcap(const ConsoleConfig& config) {
    auto writer = Make(config);
    Send(*writer, *client_, kRequest);
    const std::string response = Response();
    Send(*writer, *server_, response);
    EXPECT_FALSE(writer->failed()) << writer->error();
    return Output();
  }

  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FilenameTemplate tmpl_;
  std::unique_ptr<Flow> client_;
  std::unique_ptr<Flow> server_;
  char* buffer_ = nullptr;
  std::size_t length_ = 0;
  std::FILE* out_ = nullptr;
};

TEST_F(ConsoleWriterTest, TextModeStripsLikeTheReference) {
  ConsoleConfig config;  // -c
  EXPECT_EQ(BinPcap(config), std::string(kClientName) + ": GET /..... HTTP/1.0\r\n.Tab\r\n\r\n\n" +
                                 std::string(kServerName) +
                                 ": HTTP/1.0 200 OK\r\n\r\n..........\n..\r.................. "
                                 "!\"#$%&'\n");
}

TEST_F(ConsoleWriterTest, CapitalCLeavesTheHeaderOut) {
  ConsoleConfig config;
  config.print_header = false;  // -C
  EXPECT_EQ(BinPcap(config),
            "GET /..... HTTP/1.0\r\n.Tab\r\n\r\n\n"
            "HTTP/1.0 200 OK\r\n\r\n..........\n..\r.................. !\"#$%&'\n");
}

TEST_F(ConsoleWriterTest, BinaryModePrintsRawBytes) {
  ConsoleConfig config;
  config.strip = false;  // -B
  EXPECT_EQ(BinPcap(config), std::string(kClientName) + ": " + kRequest + "\n" +
                                 std::string(kServerName) + ": " + Response() + "\n");
}

TEST_F(ConsoleWriterTest, HexDumpMatchesTheReference) {
  ConsoleConfig config;
  config.hex = true;  // -D
  config.strip = false;
  EXPECT_EQ(BinPcap(config),
            std::string(kClientName) +
                ": \n"
                "0000: 4745 5420 2f00 017f c3a9 2048 5454 502f 312e 300d 0a09 5461 620d 0a0d 0a "
                "GET /..... HTTP/1.0...Tab....\n\n" +
                std::string(kServerName) +
                ": \n"
                "0000: 4854 5450 2f31 2e30 2032 3030 204f 4b0d 0a0d 0a00 0102 0304 0506 0708 "
                "090a 0b0c  HTTP/1.0 200 OK.................\n"
                "0020: 0d0e 0f10 1112 1314 1516 1718 191a 1b1c 1d1e 1f20 2122 2324 2526 27       "
                "       ................... !\"#$%&'\n\n");
}

TEST_F(ConsoleWriterTest, HexDumpPadsEveryLineOfALongSegmentButNotAShortOne) {
  ConsoleConfig config;
  config.hex = true;
  config.print_header = false;  // -C -D
  auto writer = Make(config);
  std::string seven;  // the bytes i * 7 mod 256, as in the reference check
  for (int i = 0; i < 200; ++i) seven += static_cast<char>(i * 7);
  Send(*writer, *server_, seven);
  Send(*writer, *client_, "CCCC");  // the widest width starts again for each segment
  Send(*writer, *client_, std::string(64, 'x'));
  EXPECT_EQ(
      Output(),
      "0000: 0007 0e15 1c23 2a31 383f 464d 545b 6269 7077 7e85 8c93 9aa1 a8af b6bd c4cb d2d9  "
      ".....#*18?FMT[bipw~.............\n"
      "0020: e0e7 eef5 fc03 0a11 181f 262d 343b 4249 5057 5e65 6c73 7a81 888f 969d a4ab b2b9  "
      "..........&-4;BIPW^elsz.........\n"
      "0040: c0c7 ced5 dce3 eaf1 f8ff 060d 141b 2229 3037 3e45 4c53 5a61 686f 767d 848b 9299  "
      "..............\")07>ELSZahov}....\n"
      "0060: a0a7 aeb5 bcc3 cad1 d8df e6ed f4fb 0209 1017 1e25 2c33 3a41 484f 565d 646b 7279  "
      "...................%,3:AHOV]dkry\n"
      "0080: 8087 8e95 9ca3 aab1 b8bf c6cd d4db e2e9 f0f7 fe05 0c13 1a21 282f 363d 444b 5259  "
      ".......................!(/6=DKRY\n"
      "00a0: 6067 6e75 7c83 8a91 989f a6ad b4bb c2c9 d0d7 dee5 ecf3 fa01 080f 161d 242b 3239  "
      "`gnu|.......................$+29\n"
      "00c0: 4047 4e55 5c63 6a71                                                              "
      "@GNU\\cjq\n"
      "\n"
      "0000: 4343 4343  CCCC\n"
      "\n"
      "0000: 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878  "
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
      "0020: 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878 7878  "
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
      "\n");
}

TEST_F(ConsoleWriterTest, HexOffsetsGrowPastFourDigits) {
  ConsoleConfig config;
  config.hex = true;
  config.print_header = false;
  config.newline = false;
  auto writer = Make(config);
  Send(*writer, *client_, std::string(0x10000 + 3, 'z'));
  const std::string out = Output();
  EXPECT_NE(out.find("\nffe0: 7a7a"), std::string::npos);
  const std::string last = "\n10000: 7a7a 7a";
  const std::size_t at = out.find(last);
  ASSERT_NE(at, std::string::npos);
  // Padded to the full 80-column hex area, one space, then the ASCII column.
  EXPECT_EQ(out.substr(at + last.size()), std::string(80 - 7, ' ') + " zzz\n");
}

TEST_F(ConsoleWriterTest, JsonMatchesTheReferenceForIpv4) {
  ConsoleConfig config;
  config.json = true;  // -c -J: the header is never printed
  std::string expected =
      "{\"src_host\":\"192.168.1.2\",\"src_port\":34567,\"dst_host\":\"10.0.0.1\",\"dst_port\":80,"
      "\"payload\": [71,69,84,32,47,0,1,127,195,169,32,72,84,84,80,47,49,46,48,13,10,9,84,97,98,"
      "13,10,13,10]}\n"
      "{\"src_host\":\"10.0.0.1\",\"src_port\":80,\"dst_host\":\"192.168.1.2\",\"dst_port\":34567,"
      "\"payload\": [72,84,84,80,47,49,46,48,32,50,48,48,32,79,75,13,10,13,10";
  for (int i = 0; i < 0x28; ++i) expected += "," + std::to_string(i);
  expected += "]}\n";
  EXPECT_EQ(BinPcap(config), expected);
}

TEST_F(ConsoleWriterTest, JsonWithCapitalCIsTheSame) {
  ConsoleConfig config;
  config.json = true;
  config.print_header = false;
  auto writer = Make(config);
  Send(*writer, *client_, "hi");
  EXPECT_EQ(Output(),
            "{\"src_host\":\"192.168.1.2\",\"src_port\":34567,\"dst_host\":\"10.0.0.1\","
            "\"dst_port\":80,\"payload\": [104,105]}\n");
}

// DECISIONS: the reference parsed hosts back out of the file name ("2001.34567."); we print the
// flow's real addresses and ports.
TEST_F(ConsoleWriterTest, JsonUsesRealIpv6Addresses) {
  ConsoleConfig config;
  config.json = true;
  auto writer = Make(config);
  auto flow = MakeFlow("2001:db8::2", 34567, "2001:db8::1", 80);
  Send(*writer, *flow, "GET");
  EXPECT_EQ(Output(),
            "{\"src_host\":\"2001:db8::2\",\"src_port\":34567,\"dst_host\":\"2001:db8::1\","
            "\"dst_port\":80,\"payload\": [71,69,84]}\n");
}

TEST_F(ConsoleWriterTest, JsonIgnoresTheTemplate) {
  ConsoleConfig config;
  config.json = true;
  auto other = *FilenameTemplate::Parse("%T-%A", nullptr);
  std::string error;
  auto writer = ConsoleWriter::Create(config, other, -1, "", out_, &error);
  ASSERT_NE(writer, nullptr) << error;
  Send(*writer, *server_, "A");
  EXPECT_EQ(Output(),
            "{\"src_host\":\"10.0.0.1\",\"src_port\":80,\"dst_host\":\"192.168.1.2\","
            "\"dst_port\":34567,\"payload\": [65]}\n");
}

TEST_F(ConsoleWriterTest, HexBeatsJsonAndJsonStillDropsTheHeader) {
  ConsoleConfig config;
  config.hex = true;
  config.json = true;  // -c -J -D: a hex dump without the header (checked with 1.6.1)
  auto writer = Make(config);
  Send(*writer, *client_, "CCCC");
  EXPECT_EQ(Output(), "0000: 4343 4343  CCCC\n\n");
}

TEST_F(ConsoleWriterTest, JsonBeatsStrippedText) {
  ConsoleConfig config;
  config.json = true;
  config.strip = true;
  auto writer = Make(config);
  Send(*writer, *client_, std::string("\x01", 1));
  EXPECT_NE(Output().find("\"payload\": [1]}"), std::string::npos);
}

TEST_F(ConsoleWriterTest, HeaderIsTheTemplateNameWithCounterZero) {
  auto other = *FilenameTemplate::Parse("%A_%a-%B_%b%C%c", nullptr);
  ConsoleConfig config;
  std::string error;
  auto writer = ConsoleWriter::Create(config, other, -1, "", out_, &error);
  ASSERT_NE(writer, nullptr) << error;
  client_->output.counter = 2;  // a flow file's counter does not reach the console
  Send(*writer, *client_, "x");
  EXPECT_EQ(Output(), "192.168.001.002_34567-010.000.000.001_00080: x\n");
}

TEST_F(ConsoleWriterTest, EverySegmentWithDataIsOneRecordAndEmptyOnesNothing) {
  ConsoleConfig config;
  config.print_header = false;
  auto writer = Make(config);
  Send(*writer, *client_, "");
  Send(*writer, *client_, "AB");
  Send(*writer, *client_, "AB");  // a retransmission is printed again
  Send(*writer, *server_, "");
  EXPECT_EQ(Output(), "AB\nAB\n");
  EXPECT_EQ(client_->console_bytes, 4u);
  EXPECT_EQ(server_->console_bytes, 0u);
}

TEST_F(ConsoleWriterTest, ColoursFollowTheDirection) {
  ConsoleConfig config;
  config.colour = true;  // -c -g
  auto writer = Make(config);
  Send(*writer, *client_, "GET\r\n");
  Send(*writer, *server_, "OK");
  EXPECT_EQ(Output(), "\033[0;34m" + std::string(kClientName) + ": GET\r\n\033[0m\n" +
                          "\033[0;31m" + std::string(kServerName) + ": OK\033[0m\n");
}

TEST_F(ConsoleWriterTest, ColoursWrapJsonAndHexAndStayWithoutNewline) {
  ConsoleConfig json;
  json.colour = true;
  json.json = true;
  json.newline = false;  // -c -J -g -0
  auto writer = Make(json);
  Send(*writer, *server_, "A");
  ConsoleConfig hex;
  hex.colour = true;
  hex.hex = true;
  hex.print_header = false;
  hex.newline = false;  // -C -D -g -0
  auto hex_writer = Make(hex);
  Send(*hex_writer, *client_, "A");
  EXPECT_EQ(Output(),
            "\033[0;31m{\"src_host\":\"10.0.0.1\",\"src_port\":80,\"dst_host\":\"192.168.1.2\","
            "\"dst_port\":34567,\"payload\": [65]}\033[0m"
            "\033[0;34m0000: 41 A\n\033[0m");
}

TEST_F(ConsoleWriterTest, ZeroLeavesTheNewlineOut) {
  ConsoleConfig config;
  config.newline = false;  // -c -0
  auto writer = Make(config);
  Send(*writer, *client_, "a\r\n");
  Send(*writer, *server_, "b");
  EXPECT_EQ(Output(), std::string(kClientName) + ": a\r\n" + std::string(kServerName) + ": b");
}

TEST_F(ConsoleWriterTest, ByteLimitCountsPrintedBytesPerFlow) {
  ConsoleConfig config;
  config.print_header = false;
  auto writer = Make(config, 5);  // -b 5
  Send(*writer, *client_, "CCCC");
  Send(*writer, *client_, "AAAA");  // cut to the one byte left
  Send(*writer, *client_, "BBBB");  // nothing left: no record at all
  Send(*writer, *server_, "HTTP/1.0");
  EXPECT_EQ(Output(), "CCCC\nA\nHTTP/\n");
  EXPECT_EQ(client_->console_bytes, 5u);
  EXPECT_EQ(server_->console_bytes, 5u);
}

TEST_F(ConsoleWriterTest, ByteLimitAppliesToHexAndJson) {
  ConsoleConfig hex;
  hex.hex = true;
  hex.print_header = false;
  auto hex_writer = Make(hex, 3);
  Send(*hex_writer, *client_, "GET /");
  ConsoleConfig json;
  json.json = true;
  auto json_writer = Make(json, 2);
  Send(*json_writer, *server_, "HTTP");
  EXPECT_EQ(Output(),
            "0000: 4745 54 GET\n\n"
            "{\"src_host\":\"10.0.0.1\",\"src_port\":80,\"dst_host\":\"192.168.1.2\","
            "\"dst_port\":34567,\"payload\": [72,84]}\n");
}

TEST_F(ConsoleWriterTest, ByteLimitZeroPrintsNothing) {
  ConsoleConfig config;
  auto writer = Make(config, 0);  // -b 0
  Send(*writer, *client_, "GET");
  Send(*writer, *server_, "OK");
  EXPECT_EQ(Output(), "");
  EXPECT_EQ(client_->console_bytes, 0u);
}

// A closed pipe (the reader quit, as with `tcpflow -c | head`): EPIPE, reported as such, and
// nothing more is written.
TEST_F(ConsoleWriterTest, BrokenPipeIsReportedAndStopsOutput) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  std::FILE* pipe_out = ::fdopen(fds[1], "w");
  ASSERT_NE(pipe_out, nullptr);
  auto old_handler = std::signal(SIGPIPE, SIG_IGN);
  {
    ConsoleConfig config;
    std::string error;
    auto writer = ConsoleWriter::Create(config, tmpl_, -1, "", pipe_out, &error);
    ASSERT_NE(writer, nullptr) << error;
    Send(*writer, *client_, "GET");
    EXPECT_TRUE(writer->failed());
    EXPECT_TRUE(writer->broken_pipe());
    EXPECT_NE(writer->error().find("Broken pipe"), std::string::npos) << writer->error();
    const std::uint64_t printed = client_->console_bytes;
    Send(*writer, *client_, "more");
    EXPECT_EQ(client_->console_bytes, printed);
  }
  std::fclose(pipe_out);
  std::signal(SIGPIPE, old_handler);
}

TEST_F(ConsoleWriterTest, OtherWriteErrorsAreNotABrokenPipe) {
  std::FILE* full = std::fopen("/dev/full", "w");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full";
  {
    ConsoleConfig config;
    std::string error;
    auto writer = ConsoleWriter::Create(config, tmpl_, -1, "", full, &error);
    ASSERT_NE(writer, nullptr) << error;
    Send(*writer, *client_, "GET");
    EXPECT_TRUE(writer->failed());
    EXPECT_FALSE(writer->broken_pipe());
    EXPECT_NE(writer->error().find("No space"), std::string::npos) << writer->error();
  }
  std::fclose(full);
}

// -L: a record is written only while the named semaphore is held, and released afterwards.
TEST_F(ConsoleWriterTest, SemaphoreGuardsEveryRecord) {
  const std::string name = "/tcpflow_console_test_" + std::to_string(::getpid());
  ::sem_unlink(name.c_str());
  sem_t* held = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0644, 0);  // taken by "another process"
  ASSERT_NE(held, SEM_FAILED);
  // Removes the semaphore however the test ends.
  struct Unlink {
    const std::string& name;
    sem_t* sem;
    ~Unlink() {
      ::sem_close(sem);
      ::sem_unlink(name.c_str());
    }
  } cleanup{name, held};
  ConsoleConfig config;
  config.print_header = false;
  auto writer = Make(config, -1, name.substr(1));  // the leading '/' is added
  ASSERT_NE(writer, nullptr);
  std::thread printer([&] { Send(*writer, *client_, "locked"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string early = Output();  // still waiting for the semaphore
  ::sem_post(held);
  printer.join();
  EXPECT_EQ(early, "");
  EXPECT_EQ(Output(), "locked\n");
  int value = -1;
  ASSERT_EQ(::sem_getvalue(held, &value), 0);
  EXPECT_EQ(value, 1);  // released after the write
}

TEST_F(ConsoleWriterTest, SemaphoreThatCannotBeOpenedIsAnError) {
  ConsoleConfig config;
  std::string error;
  auto writer = ConsoleWriter::Create(config, tmpl_, -1, "/no/such/semaphore", out_, &error);
  EXPECT_EQ(writer, nullptr);
  EXPECT_NE(error.find("/no/such/semaphore"), std::string::npos) << error;
}

}  // namespace
}  // namespace tcpflow
