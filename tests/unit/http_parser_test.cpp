// http_parser_test.cpp: HTTP/1.x message parsing: every body framing, byte-by-byte and random
// splits, pipelining, bodiless responses, upgrades, the header cap, garbage and resync.
#include "http_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace tcpflow {
namespace {

using testing::B;

// Records callbacks as text lines; consecutive contiguous body pieces are merged so that the log
// does not depend on how the input was split.
class Recorder : public HttpParser::Listener {
 public:
  void OnMessageBegin(std::uint64_t offset) override { Add("begin@" + std::to_string(offset)); }
  void OnRequestLine(std::string_view method, std::string_view target,
                     std::string_view version) override {
    Add("req " + std::string(method) + " " + std::string(target) + " " + std::string(version));
  }
  void OnStatusLine(int status, std::string_view reason) override {
    Add("status " + std::to_string(status) + " [" + std::string(reason) + "]");
  }
  void OnHeader(std::string_view name, std::string_view value) override {
    Add("h " + std::string(name) + "=" + std::string(value));
  }
  std::string RequestMethodForResponse() override {
    ++method_queries;
    if (methods.empty()) return {};
    std::string m = methods.front();
    methods.pop_front();
    return m;
  }
  void OnHeadersComplete(bool has_body) override { Add(has_body ? "hc body" : "hc nobody"); }
  void OnBody(std::uint64_t offset, Bytes data) override {
    EXPECT_FALSE(data.empty());
    const std::string text(data.begin(), data.end());
    if (!events.empty() && events.back().starts_with("body@") && body_end == offset) {
      events.back() += text;
    } else {
      Add("body@" + std::to_string(offset) + ":" + text);
    }
    body_end = offset + data.size();
  }
  void OnTrailer(std::string_view name, std::string_view value) override {
    Add("t " + std::string(name) + "=" + std::string(value));
  }
  void OnMessageComplete() override { Add("done"); }
  void OnError(HttpParser::Error error, std::string_view reason) override {
    EXPECT_FALSE(reason.empty());
    switch (error) {
      case HttpParser::Error::kSyntax: Add("error syntax"); break;
      case HttpParser::Error::kHeaderTooLong: Add("error toolong"); break;
      case HttpParser::Error::kTruncated: Add("error truncated"); break;
    }
  }

  void Add(std::string e) { events.push_back(std::move(e)); }

  std::vector<std::string> events;
  std::deque<std::string> methods;
  int method_queries = 0;
  std::uint64_t body_end = 0;
};

// Feeds `pieces` in order, resynchronising after each error (as the scanner does).
void FeedPieces(HttpParser& parser, const std::vector<std::string_view>& pieces) {
  for (std::string_view piece : pieces) {
    Bytes data = B(piece);
    while (!data.empty()) {
      const std::size_t n = parser.Feed(data);
      ASSERT_LE(n, data.size());
      data = data.subspan(n);
      if (!parser.failed()) {
        ASSERT_TRUE(data.empty());
        break;
      }
      parser.Resync();
    }
  }
}

std::vector<std::string> Parse(HttpMode mode, std::string_view input,
                               std::deque<std::string> methods = {}, bool finish = true,
                               std::uint64_t max_header = 64 << 10) {
  Recorder r;
  r.methods = std::move(methods);
  HttpParser parser(mode, r, max_header);
  FeedPieces(parser, {input});
  if (finish) parser.Finish();
  return r.events;
}

std::vector<std::string> ParseSplit(HttpMode mode, std::string_view input,
                                    const std::vector<std::size_t>& cuts,
                                    std::deque<std::string> methods = {}) {
  Recorder r;
  r.methods = std::move(methods);
  HttpParser parser(mode, r);
  std::vector<std::string_view> pieces;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    pieces.push_back(input.substr(at, cut - at));
    at = cut;
  }
  pieces.push_back(input.substr(at));
  FeedPieces(parser, pieces);
  parser.Finish();
  return r.events;
}

using Events = std::vector<std::string>;

TEST(HttpParserTest, ContentLengthResponse) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCONTENT-LENGTH:  5 \r\n\r\nhello";
  EXPECT_EQ(Parse(HttpMode::kResponse, in),
            (Events{"begin@0", "status 200 [OK]", "h content-type=text/html", "h content-length=5",
                    "hc body", "body@65:hello", "done"}));
}

TEST(HttpParserTest, ChunkedWithExtensionsAndTrailers) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n";
  const std::string in = head +
                         "5;name=\"va;l\"\r\nhello\r\n"
                         "6 ; x\r\n world\r\n"
                         "A\r\n0123456789\r\n"
                         "0;last\r\nX-Trailer: yes\r\nX-Other:  2\r\n\r\n";
  const std::size_t first = head.size() + std::string("5;name=\"va;l\"\r\n").size();
  const std::size_t second = first + 7 + 7;
  const std::size_t third = second + 8 + 3;
  EXPECT_EQ(Parse(HttpMode::kResponse, in),
            (Events{"begin@0", "status 200 [OK]", "h transfer-encoding=gzip, Chunked", "hc body",
                    "body@" + std::to_string(first) + ":hello",
                    "body@" + std::to_string(second) + ": world",
                    "body@" + std::to_string(third) + ":0123456789", "t x-trailer=yes",
                    "t x-other=2", "done"}));
}

TEST(HttpParserTest, ChunkedWithBareLineFeedsAndNoTrailer) {
  const std::string in = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n";
  EXPECT_EQ(Parse(HttpMode::kResponse, in),
            (Events{"begin@0", "status 200 [OK]", "h transfer-encoding=chunked", "hc body",
                    "body@46:abc", "done"}));
}

TEST(HttpParserTest, TransferEncodingWinsOverContentLength) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nok\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  const Events ev = Parse(HttpMode::kResponse, in);
  ASSERT_EQ(ev.size(), 11u);
  EXPECT_EQ(ev[5], "body@71:ok");
  EXPECT_EQ(ev[6], "done");
  EXPECT_EQ(ev[7], "begin@80");
  EXPECT_EQ(ev[8], "status 204 [No Content]");
}

TEST(HttpParserTest, NotChunkedTransferEncodingRunsToTheEnd) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n"
      "abcdef";
  const Events ev = Parse(HttpMode::kResponse, in);
  EXPECT_EQ(ev.back(), "done");
  EXPECT_EQ(ev[ev.size() - 2], "body@63:abcdef");
}

TEST(HttpParserTest, BodyToEndOfStream) {
  const std::string in = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this\r\n\r\nHTTP/1.1 200";
  Recorder r;
  HttpParser parser(HttpMode::kResponse, r);
  EXPECT_EQ(parser.Feed(B(in)), in.size());
  EXPECT_TRUE(parser.in_message());
  EXPECT_NE(r.events.back(), "done");
  parser.Finish();
  EXPECT_EQ(r.events, (Events{"begin@0", "status 200 [OK]", "h server=x", "hc body",
                              "body@30:all of this\r\n\r\nHTTP/1.1 200", "done"}));
  EXPECT_FALSE(parser.in_message());
  EXPECT_EQ(parser.Feed(B("more")), 4u);  // ignored after the end
  EXPECT_EQ(r.events.size(), 6u);
}

TEST(HttpParserTest, StatusLineWithoutReasonAndObsoleteFolding) {
  const std::string in = "HTTP/1.1 200\r\nX-Long: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(Parse(HttpMode::kResponse, in), (Events{"begin@0", "status 200 []", "h x-long=a b c",
                                                    "h content-length=0", "hc nobody", "done"}));
}

TEST(HttpParserTest, RequestsHaveNoBodyWithoutFraming) {
  const std::string in =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /up?x=1 HTTP/1.1\r\nContent-Length: 4\r\n\r\nDATA"
      "\r\n"  // a stray CRLF between messages is skipped
      "PUT /c HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n"
      "HEAD / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(Parse(HttpMode::kRequest, in), (Events{"begin@0",
                                                   "req GET /a HTTP/1.1",
                                                   "h host=h",
                                                   "hc nobody",
                                                   "done",
                                                   "begin@28",
                                                   "req POST /up?x=1 HTTP/1.1",
                                                   "h content-length=4",
                                                   "hc body",
                                                   "body@72:DATA",
                                                   "done",
                                                   "begin@78",
                                                   "req PUT /c HTTP/1.0",
                                                   "h transfer-encoding=chunked",
                                                   "hc body",
                                                   "body@128:Z",
                                                   "done",
                                                   "begin@136",
                                                   "req HEAD / HTTP/1.1",
                                                   "hc nobody",
                                                   "done"}));
}

TEST(HttpParserTest, RequestWithTransferEncodingNotChunkedIsAnError) {
  const Events ev =
      Parse(HttpMode::kRequest, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx", {}, false);
  EXPECT_EQ(ev.back(), "error syntax");
}

TEST(HttpParserTest, BodilessResponses) {
  const std::string in =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
      "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"  // answers HEAD
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  Recorder r;
  r.methods = {"POST", "GET", "GET", "HEAD", "GET"};
  HttpParser parser(HttpMode::kResponse, r);
  EXPECT_EQ(parser.Feed(B(in)), in.size());
  parser.Finish();
  std::vector<std::string> completes;
  std::vector<std::string> bodies;
  for (const auto& e : r.events) {
    if (e.starts_with("hc")) completes.push_back(e);
    if (e.starts_with("body@")) bodies.push_back(e.substr(e.find(':') + 1));
  }
  EXPECT_EQ(completes,
            (Events{"hc nobody", "hc body", "hc nobody", "hc nobody", "hc nobody", "hc body"}));
  EXPECT_EQ(bodies, (Events{"abc", "hi"}));
  EXPECT_EQ(r.method_queries, 5);  // one per final response; the 100 asks nothing
  EXPECT_TRUE(r.methods.empty());
}

TEST(HttpParserTest, UpgradeStopsParsing) {
  Recorder r;
  HttpParser parser(HttpMode::kResponse, r);
  const std::string in =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
      "\x81\x05hello HTTP/1.1 200 OK\r\n\r\n";
  EXPECT_EQ(parser.Feed(B(in)), in.size());
  EXPECT_TRUE(parser.upgraded());
  EXPECT_EQ(r.events.back(), "done");
  EXPECT_EQ(r.events.size(), 6u);
  parser.Finish();
  EXPECT_EQ(r.events.size(), 6u);

  // A 2xx answer to CONNECT.
  Recorder r2;
  r2.methods = {"CONNECT"};
  HttpParser p2(HttpMode::kResponse, r2);
  p2.Feed(B("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01 binary"));
  EXPECT_TRUE(p2.upgraded());
  EXPECT_EQ(r2.events.back(), "done");

  // The CONNECT request itself, and a request asking for an upgrade.
  Recorder r3;
  HttpParser p3(HttpMode::kRequest, r3);
  p3.Feed(B("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n\x16\x03\x01"));
  EXPECT_TRUE(p3.upgraded());
  Recorder r4;
  HttpParser p4(HttpMode::kRequest, r4);
  p4.Feed(
      B("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n"
        "\x81\x85masked"));
  EXPECT_TRUE(p4.upgraded());
  EXPECT_EQ(r4.events.back(), "done");
}

// The same result whatever the input's pieces: split in two at every byte, one byte at a time,
// and at random.
TEST(HttpParserTest, SplitsDoNotChangeTheResult) {
  const std::string in =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n\r\n"
      "hello world"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"  // HEAD
      "HTTP/1.1 304 Not Modified\r\n\r\n"
      "HTTP/1.0 200 OK\r\n\r\nto the end";
  const std::deque<std::string> methods = {"GET", "GET", "GET", "HEAD", "GET", "GET"};
  const Events whole = ParseSplit(HttpMode::kResponse, in, {}, methods);
  ASSERT_EQ(whole.back(), "done");
  for (const auto& e : whole) EXPECT_FALSE(e.starts_with("error")) << e;
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    ASSERT_EQ(ParseSplit(HttpMode::kResponse, in, {cut}, methods), whole) << "cut at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
  EXPECT_EQ(ParseSplit(HttpMode::kResponse, in, every, methods), whole);
  std::mt19937 rng(12345);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += 1 + rng() % 20;
      if (at >= in.size()) break;
      cuts.push_back(at);
    }
    ASSERT_EQ(ParseSplit(HttpMode::kResponse, in, cuts, methods), whole) << "round " << round;
  }
}

TEST(HttpParserTest, RequestSplitsDoNotChangeTheResult) {
  const std::string in =
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "garbage that fails\r\n\r\n"
      "PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
  const Events whole = ParseSplit(HttpMode::kRequest, in, {});
  EXPECT_EQ(std::count(whole.begin(), whole.end(), "error syntax"), 1);
  EXPECT_EQ(whole.back(), "done");
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    ASSERT_EQ(ParseSplit(HttpMode::kRequest, in, {cut}), whole) << "cut at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
  EXPECT_EQ(ParseSplit(HttpMode::kRequest, in, every), whole);
}

TEST(HttpParserTest, HeaderBlockCapIsAnErrorThenResync) {
  const std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
  const std::string good = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const Events ev = Parse(HttpMode::kResponse, big + good, {}, true, 100);
  EXPECT_EQ(ev, (Events{"begin@0", "status 200 [OK]", "error toolong",
                        "begin@" + std::to_string(big.size()), "status 200 [OK]",
                        "h content-length=2", "hc body",
                        "body@" + std::to_string(big.size() + good.size() - 2) + ":ok", "done"}));
  // Exactly at the cap is fine; one byte more is not.
  const std::string exact = "HTTP/1.1 200 OK\r\n\r\n";
  EXPECT_EQ(Parse(HttpMode::kResponse, exact, {"HEAD"}, true, exact.size()).back(), "done");
  EXPECT_EQ(Parse(HttpMode::kResponse, exact, {"HEAD"}, true, exact.size() - 1).back(),
            "error toolong");
  // Long chunk-size lines and trailers are capped too.
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(Parse(HttpMode::kResponse, chunked + "1;" + std::string(300, 'e') + "\r\nx\r\n", {},
                  false, 100)
                .back(),
            "error toolong");
  EXPECT_EQ(Parse(HttpMode::kResponse, chunked + "0\r\nT: " + std::string(300, 'e') + "\r\n\r\n",
                  {}, false, 100)
                .back(),
            "error toolong");
}

TEST(HttpParserTest, GarbageIsAnErrorAndResyncFindsTheNextResponse) {
  const std::string in = "HTTP/1.1 2x0 OK\r\nfoo\r\n\x01\x02HTTP/1.HTTP/1.1 200 OK\r\n\r\nrest";
  const Events ev = Parse(HttpMode::kResponse, in);
  EXPECT_EQ(ev, (Events{"begin@0", "error syntax", "begin@24", "error syntax", "begin@31",
                        "status 200 [OK]", "hc body", "body@50:rest", "done"}));
}

TEST(HttpParserTest, ResyncFindsARequestMethod) {
  const std::string in = "GET\x01/ HTTP/1.1\r\n\r\nblah blah GETPOST /form HTTP/1.1\r\n\r\n";
  const Events ev = Parse(HttpMode::kRequest, in);
  EXPECT_EQ(ev, (Events{"begin@0", "error syntax", "begin@31", "req POST /form HTTP/1.1",
                        "hc nobody", "done"}));
}

TEST(HttpParserTest, MalformedInputIsReported) {
  const std::vector<std::string> bad = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded first\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n",
      "HTTP/1.1 099 Low\r\n\r\n",
      "HTTP/1.1 200 OK\rX\r\n\r\n",
  };
  for (const std::string& in : bad) {
    const Events ev = Parse(HttpMode::kResponse, in, {}, false);
    EXPECT_EQ(std::count(ev.begin(), ev.end(), "error syntax"), 1) << in;
  }
  // Same-valued Content-Length repeats are fine.
  EXPECT_EQ(Parse(HttpMode::kResponse,
                  "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\nContent-Length: 1\r\n\r\nx")
                .back(),
            "done");
  const std::vector<std::string> bad_requests = {"GET /\r\n\r\n", "GET / HTTP/1.1 x\r\n\r\n",
                                                 "GET  / HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n",
                                                 "GET / HTTP/10\r\n\r\n"};
  for (const std::string& in : bad_requests) {
    const Events ev = Parse(HttpMode::kRequest, in, {}, false);
    EXPECT_EQ(ev[1], "error syntax") << in;
  }
}

TEST(HttpParserTest, FinishInsideAMessageIsTruncated) {
  EXPECT_EQ(Parse(HttpMode::kResponse, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").back(),
            "error truncated");
  EXPECT_EQ(Parse(HttpMode::kResponse, "HTTP/1.1 200 OK\r\nConte").back(), "error truncated");
  EXPECT_EQ(Parse(HttpMode::kRequest, "GET / HTTP/1.1\r\n\r\n\r\n").back(), "done");
}

TEST(HttpParserTest, StartOffsetAndFeedAfterFailure) {
  Recorder r;
  HttpParser parser(HttpMode::kResponse, r, 1024, 1000);
  EXPECT_EQ(parser.Feed(B("HTTX")), 3u);  // stops at the offending byte
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.offset(), 1003u);
  EXPECT_EQ(parser.Feed(B("anything")), 0u);
  parser.Resync();
  EXPECT_FALSE(parser.failed());
  EXPECT_EQ(parser.Feed(B("XHTTP/1.0 200 OK\r\n\r\n")), 20u);
  EXPECT_EQ(r.events[0], "begin@1000");
  EXPECT_EQ(r.events[2], "begin@1004");
}

TEST(HttpParserTest, MatchMessageStart) {
  EXPECT_EQ(MatchMessageStart(HttpMode::kResponse, "HTTP/1.1 200"), StartMatch::kYes);
  EXPECT_EQ(MatchMessageStart(HttpMode::kResponse, "HTTP/1."), StartMatch::kYes);
  EXPECT_EQ(MatchMessageStart(HttpMode::kResponse, "HTT"), StartMatch::kMaybe);
  EXPECT_EQ(MatchMessageStart(HttpMode::kResponse, "HTTP/2"), StartMatch::kNo);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "GET /"), StartMatch::kYes);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "PROPPATCH "), StartMatch::kYes);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "PO"), StartMatch::kMaybe);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "GETX"), StartMatch::kNo);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "SSH-2.0-x y"), StartMatch::kNo);
  EXPECT_EQ(MatchMessageStart(HttpMode::kRequest, "get / "), StartMatch::kNo);
}

// Random and mutated input never crashes, never over-reads (ASan) and always makes progress.
TEST(HttpParserTest, RandomInputIsSafe) {
  const std::string seed =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
      "5;e\r\nhello\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string in = seed;
    const int mutations = 1 + static_cast<int>(rng() % 8);
    for (int m = 0; m < mutations; ++m) {
      const std::size_t at = rng() % in.size();
      switch (rng() % 3) {
        case 0: in[at] = static_cast<char>(rng()); break;
        case 1: in.erase(at, 1 + rng() % 4); break;
        default: in.insert(at, 1, "\r\n:; 0aZ"[rng() % 8]); break;
      }
      if (in.empty()) in = "x";
    }
    for (HttpMode mode : {HttpMode::kResponse, HttpMode::kRequest}) {
      Recorder r;
      HttpParser parser(mode, r, 64);
      std::size_t at = 0;
      while (at < in.size()) {
        const std::size_t len = 1 + rng() % 16;
        FeedPieces(parser, {std::string_view(in).substr(at, len)});
        at += len;
      }
      parser.Finish();
      EXPECT_EQ(parser.offset(), in.size());
    }
  }
}

}  // namespace
}  // namespace tcpflow
