// scenarios/http.cpp: captures of HTTP/1.x exchanges for the http scanner (RFC 9112 message
// framing and chunked coding, RFC 9110 semantics, RFC 1950/1951/1952 content codings).
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/zlib_compress.h"
#include "scenarios.h"

namespace tcpflow::testing {
namespace {

constexpr std::uint32_t kClientIsn = 1000;
constexpr std::uint32_t kServerIsn = 500000;
constexpr std::size_t kMss = 1448;

Conversation Conv() {
  return Conversation(std::string(kDefaultClientIp), kDefaultClientPort,
                      std::string(kDefaultServerIp), kDefaultServerPort, kClientIsn, kServerIsn);
}

ByteVec ToPcap(const Conversation& c) {
  PcapWriter w;
  c.AppendTo(w);
  return w.bytes();
}

// The server's stream offset of its next byte.
std::int64_t ServerOffset(const Conversation& c) {
  return static_cast<std::uint32_t>(c.server_next_seq() - (kServerIsn + 1));
}

// Sends `data` from the server in in-order segments of at most kMss bytes.
void ServerSendsSegmented(Conversation& c, std::string_view data) {
  for (std::size_t pos = 0; pos < data.size(); pos += kMss) {
    c.ServerSends(data.substr(pos, kMss));
  }
}

// Client FIN, then the server's FIN|ACK and the client's last ACK.
void CloseBoth(Conversation& c) {
  c.ClientFin(false);
  c.ServerFin();
}

std::string Str(std::string_view s) {
  return std::string(s);
}

// Deterministic bytes (a linear congruential generator), for binary bodies.
std::string PseudoRandom(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

// Lowercase hex of a deterministic 32-bit value, so that pages do not compress to nothing.
std::string Token(std::uint32_t seed) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint32_t x = seed * 2654435761u + 0x9e3779b9u;
  std::string out;
  for (int i = 0; i < 8; ++i, x >>= 4) out += kHex[x & 15];
  return out;
}

// An HTML page of about `paragraphs` * 70 bytes.
std::string HtmlPage(std::string_view title, int paragraphs) {
  std::string html =
      "<!DOCTYPE html>\n<html><head><title>" + Str(title) + "</title></head>\n<body>\n";
  for (int i = 0; i < paragraphs; ++i) {
    html += "<p>Paragraph " + std::to_string(i) + " of the page about " + Str(title) + " (" +
            Token(static_cast<std::uint32_t>(i)) + ").</p>\n";
  }
  return html + "</body></html>\n";
}

std::string JsonDocument(int records) {
  std::string json = "{\"records\":[";
  for (int i = 0; i < records; ++i) {
    if (i > 0) json += ',';
    json += "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i * 7) +
            "\",\"sku\":\"" + Token(static_cast<std::uint32_t>(i)) +
            "\",\"price\":" + std::to_string(100 + i * 3) + ",\"tags\":[\"red\",\"blue\"]}";
  }
  return json + "]}\n";
}

// Not a real image: the format's signature and end marker around deterministic bytes.
std::string FakePng(std::size_t size) {
  return "\x89PNG\r\n\x1a\n" + PseudoRandom(size - 8, 7);
}
std::string FakeJpeg(std::size_t size) {
  return std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11) + PseudoRandom(size - 13, 11) +
         "\xff\xd9";
}

// `data` compressed by zlib with `window_bits` (16 + 15: gzip, 15: zlib).
std::string Compress(std::string_view data, int window_bits) {
  const ByteVec out = Deflate(ToBytes(data), {window_bits, 9, 9}).value();
  return std::string(out.begin(), out.end());
}

// gzip of `total` zero bytes, compressed piece by piece (the zeros are never held whole).
std::string GzipZeros(std::uint64_t total) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::vector<std::uint8_t> zeros(1 << 16, 0);
  std::array<std::uint8_t, 1 << 14> piece{};
  std::string out;
  std::uint64_t left = total;
  int ret = Z_OK;
  while (ret != Z_STREAM_END) {
    if (z.avail_in == 0 && left > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(left, zeros.size());
      z.next_in = zeros.data();
      z.avail_in = static_cast<uInt>(n);
      left -= n;
    }
    z.next_out = piece.data();
    z.avail_out = static_cast<uInt>(piece.size());
    ret = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    out.append(reinterpret_cast<const char*>(piece.data()), piece.size() - z.avail_out);
  }
  deflateEnd(&z);
  return out;
}

// The chunked coding of `data` in chunks of `chunk_size` bytes; the first chunk carries a
// chunk extension when `extension` is not empty.
std::string Chunked(std::string_view data, std::size_t chunk_size, std::string_view extension) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t pos = 0; pos < data.size(); pos += chunk_size) {
    const std::string_view chunk = data.substr(pos, chunk_size);
    std::string size;
    for (std::size_t n = chunk.size(); n > 0; n /= 16) size.insert(size.begin(), kHex[n % 16]);
    out += size;
    if (pos == 0 && !extension.empty()) out += ";" + Str(extension);
    out += "\r\n" + Str(chunk) + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// A response: status line, the given header lines (each ending in CRLF), an empty line, body.
std::string Response(std::string_view status, std::string_view headers, std::string_view body) {
  return "HTTP/1.1 " + Str(status) + "\r\nServer: scenario/1.0\r\n" + Str(headers) + "\r\n" +
         Str(body);
}

std::string WithLength(std::string_view content_type, std::string_view body,
                       std::string_view extra = {}) {
  return "Content-Type: " + Str(content_type) + "\r\n" + Str(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n";
}

std::string Get(std::string_view path, std::string_view extra = {}) {
  return "GET " + Str(path) + " HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: scenario\r\n" +
         Str(extra) + "\r\n";
}

// ---------------------------------------------------------------------------------- scenarios

ByteVec HttpPlain() {
  Conversation c = Conv();
  const std::string body = HtmlPage("plain", 8);
  c.Handshake();
  c.ClientSends(Get("/index.html", "Connection: close\r\n"));
  c.ServerSends(Response(
      "200 OK", WithLength("text/html; charset=utf-8", body, "Connection: close\r\n"), body));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpGzip() {
  Conversation c = Conv();
  const std::string gz = Compress(JsonDocument(120), 16 + MAX_WBITS);
  c.Handshake();
  c.ClientSends(Get("/api/items.json", "Accept-Encoding: gzip\r\n"));
  ServerSendsSegmented(
      c, Response("200 OK", WithLength("application/json", gz, "Content-Encoding: gzip\r\n"), gz));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpDeflate() {
  Conversation c = Conv();
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + ": the quick brown fox\n";
  const std::string z = Compress(text, MAX_WBITS);
  c.Handshake();
  c.ClientSends(Get("/notes.txt", "Accept-Encoding: deflate\r\n"));
  ServerSendsSegmented(
      c, Response("200 OK", WithLength("text/plain", z, "Content-Encoding: deflate\r\n"), z));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpChunked() {
  Conversation c = Conv();
  const std::string png = FakePng(3000);
  c.Handshake();
  c.ClientSends(Get("/logo.png"));
  ServerSendsSegmented(
      c, Response("200 OK", "Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n",
                  Chunked(png, 1024, "name=value")));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpChunkedGzip() {
  Conversation c = Conv();
  const std::string gz = Compress(HtmlPage("chunked and gzip", 100), 16 + MAX_WBITS);
  c.Handshake();
  c.ClientSends(Get("/big.html", "Accept-Encoding: gzip\r\n"));
  ServerSendsSegmented(c, Response("200 OK",
                                   "Content-Type: text/html\r\nContent-Encoding: gzip\r\n"
                                   "Transfer-Encoding: chunked\r\n",
                                   Chunked(gz, 700, {})));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpKeepalive() {
  Conversation c = Conv();
  const std::string html = HtmlPage("keep-alive", 5);
  const std::string jpeg = FakeJpeg(2500);
  const std::string text = "plain text after a 204\n";
  c.Handshake();
  c.ClientSends(Get("/"));
  c.ServerSends(Response("200 OK", WithLength("text/html", html), html));
  c.ClientSends(Get("/photo.jpg"));
  ServerSendsSegmented(c, Response("200 OK", WithLength("image/jpeg", jpeg), jpeg));
  c.ClientSends("DELETE /photo.jpg HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
  c.ServerSends(Response("204 No Content", "", ""));
  c.ClientSends(Get("/readme.txt", "Connection: close\r\n"));
  c.ServerSends(Response("200 OK", WithLength("text/plain", text, "Connection: close\r\n"), text));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpPipelined() {
  Conversation c = Conv();
  const std::string css = "body { color: #333; }\nh1 { font-size: 2em; }\n";
  const std::string js = "function hello() { return 'pipelined'; }\n";
  const std::string gif = Str("GIF89a") + PseudoRandom(200, 3) + ";";
  c.Handshake();
  c.ClientSends(Get("/style.css") + Get("/app.js") + Get("/dot.gif"));
  c.ServerSends(Response("200 OK", WithLength("text/css", css), css) +
                Response("200 OK", WithLength("application/javascript", js), js) +
                Response("200 OK", WithLength("image/gif", gif), gif));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec Http304Head() {
  Conversation c = Conv();
  const std::string html = HtmlPage("after head and 304", 3);
  c.Handshake();
  c.ClientSends("HEAD /big.html HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
  c.ServerSends(Response("200 OK", "Content-Type: text/html\r\nContent-Length: 1234\r\n", ""));
  c.ClientSends(Get("/cached.css", "If-None-Match: \"v1\"\r\n"));
  c.ServerSends(Response("304 Not Modified", "ETag: \"v1\"\r\n", ""));
  c.ClientSends(Get("/page.html"));
  c.ServerSends(Response("200 OK", WithLength("text/html", html), html));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpPost() {
  Conversation c = Conv();
  const std::string boundary = "----scenario-boundary-42";
  const std::string file = PseudoRandom(2000, 5);
  const std::string form =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nhello\r\n--" +
      boundary +
      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n" +
      file + "\r\n--" + boundary + "--\r\n";
  const std::string request =
      "POST /upload HTTP/1.1\r\nHost: www.example.test\r\n"
      "Content-Type: multipart/form-data; boundary=" +
      boundary + "\r\nContent-Length: " + std::to_string(form.size()) + "\r\n\r\n" + form;
  const std::string reply = "{\"status\":\"stored\",\"bytes\":2000}\n";
  c.Handshake();
  for (std::size_t pos = 0; pos < request.size(); pos += kMss) {
    c.ClientSends(std::string_view(request).substr(pos, kMss));
  }
  c.ServerSends(Response("200 OK", WithLength("application/json", reply), reply));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpHole() {
  Conversation c = Conv();
  std::string text;
  for (int i = 0; text.size() < 3000; ++i) text += "hole test line " + std::to_string(i) + "\n";
  text.resize(3000);
  const std::string first = Response("200 OK", WithLength("text/plain", text), text);
  const std::string html = HtmlPage("after the hole", 2);
  c.Handshake();
  c.ClientSends(Get("/with-hole.txt"));
  // The first response in segments of 1000 bytes; the second segment is never captured.
  const std::int64_t start = ServerOffset(c);
  for (std::size_t pos = 0; pos < first.size(); pos += 1000) {
    if (pos != 1000)
      c.ServerSegmentAt(start + static_cast<std::int64_t>(pos),
                        std::string_view(first).substr(pos, 1000));
  }
  c.SetServerNext(start + static_cast<std::int64_t>(first.size()));
  c.ClientSends(Get("/next.html"));
  c.ServerSends(Response("200 OK", WithLength("text/html", html), html));
  CloseBoth(c);
  return ToPcap(c);
}

// A response that claims a body of 999999999999 bytes and sends single bytes 1 MiB apart: 33
// bytes captured, a 32 MiB stream of holes.
ByteVec SparseHttpBody() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends(Get("/sparse.bin"));
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: 999999999999\r\n\r\n";
  const std::int64_t start = ServerOffset(c);
  c.ServerSegmentAt(start, head);
  const std::int64_t body = start + static_cast<std::int64_t>(head.size());
  for (std::int64_t i = 0; i <= 32; ++i) c.ServerSegmentAt(body + (i << 20), "z");
  c.SetServerNext(body + (32 << 20) + 1);
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpBomb() {
  Conversation c = Conv();
  c.SetGapUsec(1000);
  const std::string gz = GzipZeros(300ull << 20);
  c.Handshake();
  c.ClientSends(Get("/zeros.txt", "Accept-Encoding: gzip\r\n"));
  ServerSendsSegmented(
      c, Response("200 OK", WithLength("text/plain", gz, "Content-Encoding: gzip\r\n"), gz));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpIpv6() {
  Conversation c("2001:db8::2", kDefaultClientPort, "2001:db8::1", kDefaultServerPort, kClientIsn,
                 kServerIsn);
  const std::string html = HtmlPage("IPv6", 4);
  c.Handshake();
  c.ClientSends(Get("/v6.html"));
  c.ServerSends(Response("200 OK", WithLength("text/html", html), html));
  CloseBoth(c);
  return ToPcap(c);
}

ByteVec HttpLarge() {
  Conversation c = Conv();
  c.SetGapUsec(1000);
  const std::string body = "%PDF-1.4\n" + PseudoRandom((2u << 20) - 9, 13);
  const std::string response = Response("200 OK", WithLength("application/pdf", body), body);
  c.Handshake();
  c.ClientSends(Get("/manual.pdf"));
  // Segments in order, except that every 100th pair is swapped, and segment 500 is sent twice.
  const std::int64_t start = ServerOffset(c);
  const std::size_t count = (response.size() + kMss - 1) / kMss;
  auto send = [&](std::size_t i) {
    c.ServerSegmentAt(start + static_cast<std::int64_t>(i * kMss),
                      std::string_view(response).substr(i * kMss, kMss));
  };
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 100 == 50 && i + 1 < count) {
      send(i + 1);
      send(i);
      ++i;
    } else {
      send(i);
    }
    if (i == 500) send(i);
  }
  c.SetServerNext(start + static_cast<std::int64_t>(response.size()));
  CloseBoth(c);
  return ToPcap(c);
}

constexpr std::array kScenarios{
    Scenario{"http_plain",
             "192.168.1.2:34567 -> 10.0.0.1:80, GET, 200 text/html; charset=utf-8 with "
             "Content-Length 518; 1.6.1 -e http: -HTTPBODY-001.html (518 bytes)",
             HttpPlain},
    Scenario{
        "http_gzip",
        "GET, 200 application/json, Content-Encoding: gzip, Content-Length, 2 segments; 1.6.1: "
        "-HTTPBODY-001.json holding the inflated 9487 bytes",
        HttpGzip},
    Scenario{"http_deflate",
             "GET, 200 text/plain, Content-Encoding: deflate with the zlib (RFC 1950) wrapper; "
             "1.6.1: -HTTPBODY-001.txt holding the inflated 5890 bytes",
             HttpDeflate},
    Scenario{"http_chunked",
             "GET, 200 image/png, Transfer-Encoding: chunked (1024-byte chunks, the first with the "
             "extension ;name=value); 1.6.1: -HTTPBODY-001.png, the 3000 de-chunked bytes",
             HttpChunked},
    Scenario{"http_chunked_gzip",
             "GET, 200 text/html, Content-Encoding: gzip sent chunked (700-byte chunks); 1.6.1: "
             "-HTTPBODY-001.html, 6779 bytes de-chunked and inflated",
             HttpChunkedGzip},
    Scenario{"http_keepalive",
             "4 exchanges on one connection: 200 text/html, 200 image/jpeg, 204 (to a DELETE), 200 "
             "text/plain; 1.6.1: -HTTPBODY-001.html (383), 002.jpg (2500), no 003, 004.txt (23)",
             HttpKeepalive},
    Scenario{"http_pipelined",
             "3 GETs in one client segment, then 3 responses (text/css, application/javascript, "
             "image/gif) in one server segment; 1.6.1: -HTTPBODY-001.css (45), 002.js (41), "
             "003.gif (207)",
             HttpPipelined},
    Scenario{"http_304_head",
             "HEAD answered by 200 text/html with Content-Length 1234 and no body, then a 304, "
             "then a 200 text/html; 1.6.1 does not know the request was HEAD: -HTTPBODY-001.html "
             "is the 445 bytes of the rest of the stream (the 304 and 200 responses), nothing else",
             Http304Head},
    Scenario{"http_post",
             "a 2391-byte multipart/form-data POST in 2 client segments, 200 application/json; "
             "1.6.1 ignores the request: -HTTPBODY-001.json (33 bytes) only",
             HttpPost},
    Scenario{"http_hole",
             "200 text/plain of 3000 body bytes whose second 1000-byte segment is missing, then a "
             "200 text/html on the same connection; 1.6.1: -HTTPBODY-001.txt (3000 bytes, zeros at "
             "body offsets 911-1910) and -HTTPBODY-002.html (215)",
             HttpHole},
    Scenario{"http_bomb",
             "200 text/plain, Content-Encoding: gzip, ~298 KiB of gzip that inflates to 300 MiB "
             "of zeros; 1.6.1 inflates it all: -HTTPBODY-001.txt of 314572800 bytes",
             HttpBomb},
    Scenario{"sparse_http_body",
             "200 with Content-Length 999999999999 and 33 single body bytes 1 MiB apart (a 32 MiB "
             "stream of holes from a capture of a few KB)",
             SparseHttpBody},
    Scenario{"http_ipv6",
             "[2001:db8::2]:34567 -> [2001:db8::1]:80, GET, 200 text/html; 1.6.1: "
             "2001:db8::1.00080-2001:db8::2.34567-HTTPBODY-001.html (293 bytes)",
             HttpIpv6},
    Scenario{"http_large",
             "200 application/pdf of 2 MiB in 1449 segments, every 100th pair swapped and one "
             "segment sent twice; 1.6.1: -HTTPBODY-001.pdf (2097152 bytes, the whole body)",
             HttpLarge},
};

}  // namespace

std::span<const Scenario> HttpScenarios() {
  return kScenarios;
}

}  // namespace tcpflow::testing
