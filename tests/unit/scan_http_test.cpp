// scan_http_test.cpp: the http scanner on in-memory flows: body files and their names, gzip and
// deflate, keep-alive numbering, HEAD via the request stream, POST uploads, holes and resync,
// bombs, -Z, -b, <byte_runs>, alerts and commands, write failures, settings.
#include "scan_http.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/sink_slots.h"
#include "stored_stream.h"

namespace tcpflow {
namespace {

using testing::B;
using testing::GiveSlots;

Timeval T(std::int64_t sec) {
  return Timeval{sec, 0};
}

// Compresses `data` with zlib: window_bits 15+16 = gzip, 15 = zlib wrapper, -15 = raw deflate.
std::string Compress(const std::string& data, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
std::string Gzip(const std::string& data) {
  return Compress(data, 15 + 16);
}

std::string Response(const std::string& type, const std::string& body,
                     const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

class ScanHttpTest : public ::testing::Test {
 protected:
  ScanHttpTest() {
    const std::uint8_t a[4] = {10, 0, 0, 1};
    const std::uint8_t b[4] = {192, 168, 1, 2};
    server_key_ = FlowKey{IpAddress::V4(a), IpAddress::V4(b), 80, 34567, kNoVlan};
    client_key_ = FlowKey{IpAddress::V4(b), IpAddress::V4(a), 34567, 80, kNoVlan};
  }
  // A flow whose file will be named as the flow-file writer names it (names_; "" = no file).
  std::unique_ptr<Flow> MakeFlow(bool server, std::uint64_t session = 1) {
    auto flow = std::make_unique<Flow>(server ? server_key_ : client_key_, limits_, budget_);
    flow->session_id = session;
    names_[flow.get()] = server ? kServer : kClient;
    return flow;
  }
  // The scanner, also reachable through stored_, its StoredStream with -b = max_bytes_.
  HttpScanner& Scanner(AlertChannel* alerts = nullptr, CommandRunner* commands = nullptr) {
    scanner_ = std::make_unique<HttpScanner>(config_, fs_, anomalies_, alerts, commands);
    stored_ = std::make_unique<StoredStream>(max_bytes_);
    stored_->Add(scanner_.get());
    GiveSlots(*stored_);
    return *scanner_;
  }
  // OnFlowOpen, then the flow file's creation when it has one.
  void Open(StreamSink& sink, Flow& flow) {
    sink.OnFlowOpen(flow);
    if (!names_[&flow].empty()) sink.OnFileCreated(flow, names_[&flow]);
  }
  // Open, data in one piece at offset 0 (or in `piece`-byte pieces), close.
  void Run(StreamSink& sink, Flow& flow, const std::string& stream, std::size_t piece = 0) {
    Open(sink, flow);
    if (piece == 0) piece = stream.size();
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      sink.OnData(flow, at, B(std::string_view(stream).substr(at, piece)),
                  T(1000 + static_cast<std::int64_t>(at)));
    }
    sink.OnFlowClose(flow, StoredFile{names_[&flow], stream.size(), false, 0});
  }
  std::string Contents(const std::string& path) {
    auto it = fs_.files().find(path);
    if (it == fs_.files().end()) return "<missing>";
    return std::string(it->second.bytes.begin(), it->second.bytes.end());
  }
  std::vector<std::string> FileNames() {
    std::vector<std::string> names;
    for (const auto& [name, file] : fs_.files()) names.push_back(name);
    return names;
  }
  // The (file_offset, filename, filesize) of each byte_run of the flow's byte_runs extra.
  static std::vector<std::string> Runs(const Flow& flow) {
    std::vector<std::string> out;
    for (const ReportExtra& extra : flow.extras) {
      if (extra.element != "byte_runs") continue;
      EXPECT_TRUE(extra.attributes.empty());
      for (const ReportExtra& run : extra.children) {
        EXPECT_EQ(run.element, "byte_run");
        EXPECT_EQ(run.attributes.size(), 2u);
        EXPECT_EQ(run.attributes[0].first, "file_offset");
        EXPECT_EQ(run.attributes[1].first, "len");
        EXPECT_EQ(run.children.size(), 1u);
        const ReportExtra& fo = run.children[0];
        EXPECT_EQ(fo.element, "fileobject");
        EXPECT_EQ(fo.children.size(), 3u);
        EXPECT_EQ(fo.children[0].element, "filename");
        EXPECT_EQ(fo.children[1].element, "filesize");
        EXPECT_EQ(fo.children[2].element, "tcpflow:http");
        out.push_back(run.attributes[0].second + " " + fo.children[0].text + " " +
                      fo.children[1].text);
      }
    }
    return out;
  }
  // The <tcpflow:http> provenance of the flow's body number `index` (from 0): its attributes,
  // and its holes as "offset+length".
  static std::map<std::string, std::string> Provenance(const Flow& flow, std::size_t index,
                                                       std::vector<std::string>* holes = nullptr) {
    for (const ReportExtra& extra : flow.extras) {
      if (extra.element != "byte_runs" || index >= extra.children.size()) continue;
      const ReportExtra& http = extra.children[index].children.at(0).children.at(2);
      std::map<std::string, std::string> attributes(http.attributes.begin(), http.attributes.end());
      attributes["len"] = extra.children[index].attributes.at(1).second;
      for (const ReportExtra& hole : http.children) {
        if (holes != nullptr) {
          holes->push_back(hole.attributes.at(0).second + "+" + hole.attributes.at(1).second);
        }
      }
      return attributes;
    }
    ADD_FAILURE() << "no body " << index;
    return {};
  }

  const std::string kServer = "o/010.000.000.001.00080-192.168.001.002.34567";
  const std::string kClient = "o/192.168.001.002.34567-010.000.000.001.00080";
  HttpScanConfig config_;
  std::int64_t max_bytes_ = -1;  // -b
  MemoryOutputFs fs_;
  AnomalyCounters anomalies_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowKey server_key_;
  FlowKey client_key_;
  std::unique_ptr<HttpScanner> scanner_;
  std::unique_ptr<StoredStream> stored_;
  std::map<const Flow*, std::string> names_;
};

TEST_F(ScanHttpTest, PlainBodyFileWithExtensionMtimeAndByteRun) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string stream = Response("text/html; charset=UTF-8", "<html>hello</html>");
  Open(scanner, *flow);
  scanner.OnData(*flow, 0, B(stream.substr(0, 70)), T(5));
  scanner.OnData(*flow, 70, B(stream.substr(70)), T(7));
  const std::string body = kServer + "-HTTPBODY-001.html";
  EXPECT_EQ(Contents(body), "<html>hello</html>");
  scanner.OnFlowClose(*flow, {});
  ASSERT_TRUE(fs_.files().at(body).mtime.has_value());
  EXPECT_EQ(*fs_.files().at(body).mtime, T(7));
  EXPECT_EQ(fs_.open_descriptors(), 0u);
  EXPECT_EQ(FileNames(), std::vector<std::string>{body});
  ASSERT_EQ(flow->extras.size(), 1u);
  EXPECT_EQ(Runs(*flow),
            std::vector<std::string>{std::to_string(stream.size() - 18) + " " + body + " 18"});
  EXPECT_EQ(anomalies_.Total(), 0u);
  EXPECT_FALSE(scanner.failed());
  EXPECT_EQ(scanner.bodies_written(), 1u);
}

TEST_F(ScanHttpTest, GzipAndDeflateBodiesAreInflated) {
  const std::string text = std::string(5000, 'a') + "the end";
  struct Case {
    std::string encoding;
    std::string body;
  };
  const std::vector<Case> cases = {{"gzip", Gzip(text)},
                                   {" GZip ", Gzip(text)},
                                   {"deflate", Compress(text, 15)},
                                   {"deflate", Compress(text, -15)}};
  for (const Case& c : cases) {
    MemoryOutputFs fresh;
    HttpScanner scanner(config_, fresh, anomalies_, nullptr, nullptr);
    GiveSlots(scanner);
    auto flow = MakeFlow(true);
    const std::string stream =
        Response("text/plain", c.body, "Content-Encoding: " + c.encoding + "\r\n");
    Open(scanner, *flow);
    for (std::size_t at = 0; at < stream.size(); at += 7) {
      scanner.OnData(*flow, at, B(stream.substr(at, 7)), T(1));
    }
    scanner.OnFlowClose(*flow, {});
    const auto it = fresh.files().find(kServer + "-HTTPBODY-001.txt");
    ASSERT_NE(it, fresh.files().end()) << c.encoding;
    EXPECT_EQ(std::string(it->second.bytes.begin(), it->second.bytes.end()), text) << c.encoding;
    EXPECT_EQ(Runs(*flow), std::vector<std::string>{std::to_string(stream.size() - c.body.size()) +
                                                    " " + kServer + "-HTTPBODY-001.txt " +
                                                    std::to_string(text.size())});
  }
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanHttpTest, ChunkedGzipBodyIsDechunkedThenInflated) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string text = "{\"k\": \"" + std::string(3000, 'v') + "\"}";
  const std::string z = Gzip(text);
  std::string stream =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::size_t header = stream.size();
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%x;x=y\r\n", 5u);
  stream += std::string(size_line) + z.substr(0, 5) + "\r\n";
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", z.size() - 5);
  stream += std::string(size_line) + z.substr(5) + "\r\n0\r\nTrailer: x\r\n\r\n";
  Run(scanner, *flow, stream, 3);
  const std::string body = kServer + "-HTTPBODY-001.json";
  EXPECT_EQ(Contents(body), text);
  EXPECT_EQ(Runs(*flow), std::vector<std::string>{std::to_string(header + 7) + " " + body + " " +
                                                  std::to_string(text.size())});
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanHttpTest, KeepAliveNumberingAndExtensions) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string r1 = Response("text/html", "<p>one</p>");
  const std::string r2 = "HTTP/1.1 204 No Content\r\nContent-Type: text/html\r\n\r\n";
  const std::string r3 = Response("text/plain", "ignored", "Content-Type: image/jpeg\r\n");
  const std::string r4 = Response("application/x-unknown-thing", "four");
  const std::string stream = r1 + r2 + r3 + r4;
  Run(scanner, *flow, stream, 1);
  EXPECT_EQ(FileNames(),
            (std::vector<std::string>{kServer + "-HTTPBODY-001.html", kServer + "-HTTPBODY-003.jpg",
                                      kServer + "-HTTPBODY-004"}));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.html"), "<p>one</p>");
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-003.jpg"), "ignored");
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-004"), "four");
  const std::size_t o1 = r1.size() - 10;
  const std::size_t o3 = r1.size() + r2.size() + r3.size() - 7;
  const std::size_t o4 = stream.size() - 4;
  EXPECT_EQ(Runs(*flow),
            (std::vector<std::string>{std::to_string(o1) + " " + kServer + "-HTTPBODY-001.html 10",
                                      std::to_string(o3) + " " + kServer + "-HTTPBODY-003.jpg 7",
                                      std::to_string(o4) + " " + kServer + "-HTTPBODY-004 4"}));
  // One piece at a time gives the mtime of each body's last byte.
  EXPECT_EQ(*fs_.files().at(kServer + "-HTTPBODY-004").mtime,
            T(1000 + static_cast<std::int64_t>(stream.size()) - 1));
}

TEST_F(ScanHttpTest, PostUploadOnTheRequestFlow) {
  HttpScanner& scanner = Scanner();
  auto client = MakeFlow(false);
  const std::string upload = "{\"name\": \"file\"}";
  const std::string stream =
      "GET / HTTP/1.1\r\nHost: h\r\n\r\nPOST /up HTTP/1.1\r\nHost: h\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(upload.size()) + "\r\n\r\n" + upload;
  Run(scanner, *client, stream);
  EXPECT_EQ(FileNames(), std::vector<std::string>{kClient + "-HTTPBODY-002.json"});
  EXPECT_EQ(Contents(kClient + "-HTTPBODY-002.json"), upload);
  EXPECT_EQ(Runs(*client),
            std::vector<std::string>{std::to_string(stream.size() - upload.size()) + " " + kClient +
                                     "-HTTPBODY-002.json " + std::to_string(upload.size())});
}

TEST_F(ScanHttpTest, ResponseToHeadIsKnownFromTheRequestFlow) {
  HttpScanner& scanner = Scanner();
  auto client = MakeFlow(false, 9);
  auto server = MakeFlow(true, 9);
  Open(scanner, *client);
  Open(scanner, *server);
  const std::string requests = "HEAD /big HTTP/1.1\r\n\r\nGET /small HTTP/1.1\r\n\r\n";
  scanner.OnData(*client, 0, B(requests), T(1));
  scanner.OnFlowClose(*client, {});  // the client may close first: the session stays
  const std::string responses =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n" +
      Response("text/plain", "abc");
  scanner.OnData(*server, 0, B(responses), T(2));
  scanner.OnFlowClose(*server, {});
  EXPECT_EQ(FileNames(), std::vector<std::string>{kServer + "-HTTPBODY-002.txt"});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002.txt"), "abc");
  EXPECT_EQ(anomalies_.Total(), 0u);
  EXPECT_TRUE(client->extras.empty());

  // Another connection without its request flow: the response is taken as not HEAD, so the
  // next response becomes (part of) its body, and the stream ends inside it.
  MemoryOutputFs fs2;
  HttpScanner other(config_, fs2, anomalies_, nullptr, nullptr);
  GiveSlots(other);
  auto lone = MakeFlow(true, 10);
  Run(other, *lone, responses);
  EXPECT_EQ(fs2.files().size(), 1u);
  EXPECT_EQ(fs2.files().begin()->first, kServer + "-HTTPBODY-001.html");
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpParseError), 1u);
}

TEST_F(ScanHttpTest, HoleInABodyIsZeroFilledAndTheNextResponseFollows) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n";
  const std::string part1 = head + std::string(20, 'x');
  Open(scanner, *flow);
  scanner.OnData(*flow, 0, B(part1), T(1));
  // 30 bytes missing, then the rest of the body and a complete response.
  const std::string tail = std::string(50, 'y');
  const std::string next = Response("text/plain", "next");
  const std::uint64_t at = part1.size() + 30;
  scanner.OnGap(*flow, part1.size(), 30, T(3));
  scanner.OnData(*flow, at, B(tail + next), T(3));
  // A late fill of the hole is ignored.
  scanner.OnData(*flow, part1.size(), B(std::string(30, 'z')), T(4));
  scanner.OnFlowClose(*flow, {});
  // As the flow file reads: the hole is zeros, and the body keeps its declared length.
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.html"),
            std::string(20, 'x') + std::string(30, '\0') + std::string(50, 'y'));
  EXPECT_EQ(*fs_.files().at(kServer + "-HTTPBODY-001.html").mtime, T(3));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002.txt"), "next");
  EXPECT_EQ(Runs(*flow), (std::vector<std::string>{
                             std::to_string(head.size()) + " " + kServer + "-HTTPBODY-001.html 100",
                             std::to_string(at + tail.size() + next.size() - 4) + " " + kServer +
                                 "-HTTPBODY-002.txt 4"}));
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpStreamHole), 1u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpParseError), 0u);
}

TEST_F(ScanHttpTest, ProvenanceNamesTheRequestAResponseAnswersAndDigestsTheBody) {
  HttpScanner& scanner = Scanner();
  auto client = MakeFlow(false);
  auto server = MakeFlow(true);
  const std::string request =
      "GET /a.html HTTP/1.1\r\nHost: example.test\r\n\r\n"
      "POST /up?x=1 HTTP/1.1\r\nHost: up.example.test\r\nContent-Length: 5\r\n\r\nhello";
  Open(scanner, *server);  // both directions are open while the request is parsed
  Run(scanner, *client, request);
  const std::string first =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"
      "Content-Encoding: identity\r\n\r\nhello";
  const std::string second =
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
  const std::string response = first + second;
  scanner.OnData(*server, 0, B(response), T(2));
  scanner.OnFlowClose(*server, StoredFile{kServer, response.size(), false, 0});
  const std::string md5 = "5d41402abc4b2a76b9719d911017c592";
  const std::string sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  const std::map<std::string, std::string> upload = Provenance(*client, 0);
  EXPECT_EQ(upload, (std::map<std::string, std::string>{{"message", "2"},
                                                        {"kind", "request"},
                                                        {"method", "POST"},
                                                        {"host", "up.example.test"},
                                                        {"uri", "/up?x=1"},
                                                        {"content_length", "5"},
                                                        {"md5", md5},
                                                        {"sha256", sha256},
                                                        {"complete", "yes"},
                                                        {"len", "5"}}));
  EXPECT_EQ(Provenance(*server, 0),
            (std::map<std::string, std::string>{{"message", "1"},
                                                {"kind", "response"},
                                                {"method", "GET"},
                                                {"host", "example.test"},
                                                {"uri", "/a.html"},
                                                {"status", "200"},
                                                {"content_type", "text/html"},
                                                {"content_length", "5"},
                                                {"content_encoding", "identity"},
                                                {"md5", md5},
                                                {"sha256", sha256},
                                                {"complete", "yes"},
                                                {"len", "5"}}));
  const std::map<std::string, std::string> chunked = Provenance(*server, 1);
  EXPECT_EQ(chunked.at("uri"), "/up?x=1") << "the second response answers the second request";
  EXPECT_EQ(chunked.at("status"), "404");
  EXPECT_EQ(chunked.at("transfer_encoding"), "chunked");
  EXPECT_EQ(chunked.at("md5"), md5);
  EXPECT_EQ(chunked.at("len"), "10") << "the chunk's framing lies inside the body's range";
}

TEST_F(ScanHttpTest, BodyWithAHoleIsIncompleteAndListsItsHoleSparsely) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  Open(scanner, *flow);
  scanner.OnData(*flow, 0, B(head + std::string(20, 'x')), T(1));
  scanner.OnGap(*flow, head.size() + 20, 30, T(2));
  scanner.OnData(*flow, head.size() + 50, B(std::string(50, 'y')), T(3));
  // A second body that is a hole from start to end (as in the corpus capture with a gap).
  const std::string head2 = "HTTP/1.1 200 OK\r\nContent-Length: 733\r\n\r\n";
  const std::uint64_t at = head.size() + 100;
  scanner.OnData(*flow, at, B(head2), T(4));
  scanner.OnGap(*flow, at + head2.size(), 733, T(5));
  scanner.OnData(*flow, at + head2.size() + 733, B(Response("text/plain", "ok")), T(5));
  scanner.OnFlowClose(*flow, {});
  std::vector<std::string> holes;
  const std::map<std::string, std::string> first = Provenance(*flow, 0, &holes);
  EXPECT_EQ(first.at("complete"), "no");
  EXPECT_EQ(first.at("incomplete"), "holes");
  EXPECT_EQ(first.at("holes"), "1");
  EXPECT_EQ(holes, std::vector<std::string>{"20+30"});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001"),
            std::string(20, 'x') + std::string(30, '\0') + std::string(50, 'y'));
  holes.clear();
  const std::map<std::string, std::string> second = Provenance(*flow, 1, &holes);
  EXPECT_EQ(second.at("incomplete"), "holes");
  EXPECT_EQ(holes, std::vector<std::string>{"0+733"});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002"), std::string(733, '\0'))
      << "the size is right: the last byte is written";
  EXPECT_EQ(Provenance(*flow, 2).at("complete"), "yes");
}

TEST_F(ScanHttpTest, IdentityBodyIsCappedAtMaxBodyAndMarked) {
  config_.inflate.max_output = 10;
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string body(40, 'b');
  Run(scanner, *flow, Response("text/plain", body) + Response("text/plain", "short"), 7);
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.txt"), std::string(10, 'b'));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002.txt"), "short");
  EXPECT_EQ(Provenance(*flow, 0).at("incomplete"), "capped");
  EXPECT_EQ(Provenance(*flow, 1).at("complete"), "yes");
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpBodyCapped), 1u);
  ASSERT_EQ(flow->anomalies.entries().size(), 1u) << "counted for the flow too";
  EXPECT_EQ(flow->anomalies.entries()[0], (FlowAnomalies::Entry{Anomaly::kHttpBodyCapped, 1}));
}

TEST_F(ScanHttpTest, BodyCutByTheEndOfTheStreamIsTruncated) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  Run(scanner, *flow, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(Provenance(*flow, 0).at("incomplete"), "truncated");
}

TEST_F(ScanHttpTest, ParseErrorResyncsAndNumberingContinues) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string stream = Response("text/plain", "one") +
                             "HTTP/1.1 200 OK\r\nBroken line\r\n\r\n" +
                             Response("text/plain", "two");
  Run(scanner, *flow, stream, 5);
  EXPECT_EQ(FileNames(), (std::vector<std::string>{kServer + "-HTTPBODY-001.txt",
                                                   kServer + "-HTTPBODY-002.txt"}));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002.txt"), "two");
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpParseError), 1u);
}

TEST_F(ScanHttpTest, HeaderTooLongIsCounted) {
  config_.max_header = 128;
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string stream =
      Response("text/plain", "skipped", "X-Pad: " + std::string(200, 'p') + "\r\n") +
      Response("text/plain", "kept");
  Run(scanner, *flow, stream);
  EXPECT_EQ(FileNames(), std::vector<std::string>{kServer + "-HTTPBODY-001.txt"});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.txt"), "kept");
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpHeaderTooLong), 1u);
}

TEST_F(ScanHttpTest, DecompressionBombIsCappedAndCounted) {
  config_.inflate.max_ratio = 10;
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string bomb = Gzip(std::string(4 << 20, '\0'));
  Run(scanner, *flow,
      Response("text/plain", bomb, "Content-Encoding: gzip\r\n") + Response("text/plain", "after"));
  const std::string body = Contents(kServer + "-HTTPBODY-001.txt");
  EXPECT_GT(body.size(), 0u);
  EXPECT_LE(body.size(), bomb.size() * 10);
  EXPECT_EQ(body, std::string(body.size(), '\0'));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-002.txt"), "after");
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpBodyCapped), 1u);

  config_.inflate.max_ratio = 0;
  config_.inflate.max_output = 1000;
  MemoryOutputFs fs2;
  HttpScanner sized(config_, fs2, anomalies_, nullptr, nullptr);
  GiveSlots(sized);
  auto flow2 = MakeFlow(true);
  Run(sized, *flow2, Response("text/plain", bomb, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(fs2.files().at(kServer + "-HTTPBODY-001.txt").bytes.size(), 1000u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpBodyCapped), 2u);
}

TEST_F(ScanHttpTest, CorruptCompressedBodyKeepsWhatWasInflated) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string text(100000, 'q');
  std::string z = Gzip(text);
  z.resize(z.size() - 8);  // no CRC/size trailer
  Run(scanner, *flow, Response("text/plain", z, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.txt"), text);
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpDecompressError), 1u);

  auto flow2 = MakeFlow(true, 2);
  names_[flow2.get()] = "o/other";
  Run(scanner, *flow2, Response("text/plain", "not gzip at all", "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(fs_.files().count("o/other-HTTPBODY-001.txt"), 0u);
  EXPECT_TRUE(flow2->extras.empty());
  EXPECT_EQ(anomalies_.Get(Anomaly::kHttpDecompressError), 2u);
}

TEST_F(ScanHttpTest, NoDecompressWritesTheRawBody) {
  config_.decompress = false;
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string z = Gzip("compressed text");
  Run(scanner, *flow, Response("text/plain", z, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.txt"), z);
}

TEST_F(ScanHttpTest, MaxBytesPerFlowCutsTheStream) {
  const std::string r1 = Response("text/plain", "0123456789");
  max_bytes_ = static_cast<std::int64_t>(r1.size() - 5);
  Scanner();
  auto flow = MakeFlow(true);
  Run(*stored_, *flow, r1 + Response("text/plain", "second"), 4);
  EXPECT_EQ(FileNames(), std::vector<std::string>{kServer + "-HTTPBODY-001.txt"});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.txt"), "01234");
  EXPECT_EQ(Runs(*flow), std::vector<std::string>{std::to_string(r1.size() - 10) + " " + kServer +
                                                  "-HTTPBODY-001.txt 5"});
  EXPECT_EQ(anomalies_.Total(), 0u);  // ending inside a message cut by -b is expected
}

TEST_F(ScanHttpTest, BodyToEndOfStreamEndsAtClose) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string stream = "HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\nbody { }\n";
  Open(scanner, *flow);
  scanner.OnData(*flow, 0, B(stream), T(1));
  EXPECT_TRUE(flow->extras.empty());
  scanner.OnFlowClose(*flow, {});
  EXPECT_EQ(Contents(kServer + "-HTTPBODY-001.css"), "body { }\n");
  EXPECT_EQ(Runs(*flow).size(), 1u);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanHttpTest, OtherStreamsAreIgnored) {
  HttpScanner& scanner = Scanner();
  const std::vector<std::string> streams = {
      "SSH-2.0-OpenSSH_9.2 Debian\r\nHTTP/1.1 200 OK\r\n\r\nxx",
      "\x16\x03\x01\x02\x00HTTP/1.1 200 OK\r\n\r\nxx",
      "HTTP/2 200\r\n\r\nxx",
      "get / HTTP/1.1\r\n\r\n",
  };
  for (const std::string& s : streams) {
    auto flow = MakeFlow(true);
    Run(scanner, *flow, s, 1);
    EXPECT_TRUE(flow->extras.empty());
  }
  // No file: not scanned. First bytes missing: not scanned.
  auto nofile = MakeFlow(true);
  names_[nofile.get()].clear();
  Run(*stored_, *nofile, Response("text/plain", "x"));
  auto late = MakeFlow(true);
  Open(scanner, *late);
  scanner.OnGap(*late, 0, 10, T(1));
  scanner.OnData(*late, 10, B(Response("text/plain", "x")), T(1));
  scanner.OnFlowClose(*late, {});
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanHttpTest, UpgradedStreamIsNotParsedFurther) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  Run(scanner, *flow,
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x7e garbage " +
          Response("text/plain", "not http"));
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(ScanHttpTest, ShiftMovesRecordedRunsAndStopsParsing) {
  HttpScanner& scanner = Scanner();
  auto flow = MakeFlow(true);
  const std::string r1 = Response("text/plain", "first");
  Open(scanner, *flow);
  scanner.OnData(*flow, 0, B(r1), T(1));
  scanner.OnShift(*flow, 100);
  scanner.OnData(*flow, 0, B(std::string(100, 'n')), T(2));
  scanner.OnData(*flow, 100 + r1.size(), B(Response("text/plain", "second")), T(3));
  scanner.OnFlowClose(*flow, {});
  EXPECT_EQ(FileNames(), std::vector<std::string>{kServer + "-HTTPBODY-001.txt"});
  EXPECT_EQ(Runs(*flow), std::vector<std::string>{std::to_string(100 + r1.size() - 5) + " " +
                                                  kServer + "-HTTPBODY-001.txt 5"});
}

TEST_F(ScanHttpTest, AlertsGoToTheDescriptorAndCommandsRun) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  AlertChannel alerts(fds[1], "http_alert_fd");
  CommandRunner commands("true", "http_cmd", 2);
  HttpScanner& scanner = Scanner(&alerts, &commands);
  auto flow = MakeFlow(true);
  Run(scanner, *flow,
      Response("text/html", "a") + "HTTP/1.1 304 Not Modified\r\n\r\n" +
          Response("text/plain", "b"));
  commands.WaitAll();
  ::close(fds[1]);
  std::string got;
  char buf[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  const std::string b1 = kServer + "-HTTPBODY-001.html";
  const std::string b3 = kServer + "-HTTPBODY-003.txt";
  EXPECT_EQ(got, "open\t" + b1 + "\nclose\t" + b1 + "\nopen\t" + b3 + "\nclose\t" + b3 + "\n");
  EXPECT_EQ(commands.stats().started, 2u);
  EXPECT_EQ(commands.stats().succeeded, 2u);
}

TEST_F(ScanHttpTest, WriteFailureIsRememberedAndScanningGoesOn) {
  HttpScanner& scanner = Scanner();
  fs_.FailWrites("No space left on device");
  auto flow = MakeFlow(true);
  Run(scanner, *flow, Response("text/plain", "one") + Response("text/plain", "two"), 2);
  EXPECT_TRUE(scanner.failed());
  EXPECT_EQ(scanner.error(),
            "write error on " + kServer + "-HTTPBODY-001.txt: No space left on device");
  EXPECT_EQ(fs_.open_descriptors(), 0u);  // files that failed are still closed
  EXPECT_TRUE(flow->extras.empty());
  EXPECT_EQ(scanner.bodies_written(), 0u);

  // A file that fills up part way keeps what was written.
  MemoryOutputFs small;
  small.max_file_bytes = 4;
  HttpScanner partial(config_, small, anomalies_, nullptr, nullptr);
  GiveSlots(partial);
  auto flow2 = MakeFlow(true);
  Run(partial, *flow2, Response("text/plain", "0123456789"), 3);
  EXPECT_TRUE(partial.failed());
  EXPECT_EQ(Runs(*flow2).size(), 1u);
  const auto& bytes = small.files().at(kServer + "-HTTPBODY-001.txt").bytes;
  EXPECT_LE(bytes.size(), 4u);
  EXPECT_GT(bytes.size(), 0u);
}

TEST_F(ScanHttpTest, ConfigComesFromTheSettingsAndZ) {
  Config run;
  run.scanners.http.max_body = 1000;
  run.scanners.http.max_ratio = 0;
  run.scanners.http.max_header = 4096;
  run.no_http_decompress = true;
  const HttpScanConfig config = MakeHttpScanConfig(run);
  EXPECT_EQ(config.inflate.max_output, 1000u);
  EXPECT_EQ(config.inflate.max_ratio, 0u);
  EXPECT_EQ(config.max_header, 4096u);
  EXPECT_FALSE(config.decompress);
  EXPECT_TRUE(MakeHttpScanConfig(Config{}).decompress);
}

}  // namespace
}  // namespace tcpflow
