// scan_http.cpp: HTTP body extraction per flow (RFC 9112 framing, RFC 9110 §8.4 codings).
#include "scan_http.h"

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "digest.h"
#include "http_parser.h"
#include "mime_types.h"
#include "stored_stream.h"

namespace tcpflow {
namespace {

// Requests waiting for their responses, per connection; the oldest go first.
constexpr std::size_t kMaxQueuedRequests = 1024;
// The most bytes of a header value (or request target) kept for the report; longer ones are cut.
constexpr std::size_t kMaxKeptValue = 2048;
// The most hole ranges listed per body (all are counted).
constexpr std::size_t kMaxBodyHoles = 64;

// `value`, cut at kMaxKeptValue bytes.
std::string Kept(std::string_view value) {
  return std::string(value.substr(0, kMaxKeptValue));
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// "001", "042", "1000".
std::string MessageNumber(std::uint32_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  return digits;
}

}  // namespace

HttpScanConfig MakeHttpScanConfig(const Config& config) {
  HttpScanConfig http;
  http.decompress = !config.no_http_decompress;
  http.inflate.max_output = config.scanners.http.max_body;
  http.inflate.max_ratio = config.scanners.http.max_ratio;
  http.max_header = config.scanners.http.max_header;
  return http;
}

std::unique_ptr<Scanner> MakeHttpScanner(const ScannerContext& context, std::string* error) {
  if (!context.enabled) return nullptr;
  const AlertConfig& alerts = context.config.scanners.http.alerts;
  if (!CheckAlertFd(alerts.alert_fd, "http_alert_fd", error)) return nullptr;
  return std::make_unique<HttpScanner>(
      MakeHttpScanConfig(context.config), context.fs, context.anomalies,
      alerts.alert_fd >= 0 ? std::make_unique<AlertChannel>(alerts.alert_fd, "http_alert_fd")
                           : nullptr,
      alerts.command.empty()
          ? nullptr
          : std::make_unique<CommandRunner>(alerts.command, "http_cmd", alerts.max_children));
}

// What a request said of itself, for the response that answers it. Shared: the request's flow
// fills in Host after the request line, perhaps after the response took it from the queue.
struct HttpRequestInfo {
  std::string method;
  std::string target;
  std::string host;
};

struct HttpScanner::Session {
  std::deque<std::shared_ptr<HttpRequestInfo>> requests;  // not yet answered, oldest first
  std::uint32_t open_flows = 0;  // flows of the connection the scanner holds state for
};

// One flow direction: how it is parsed and the body in progress.
struct HttpScanner::FlowState final : SlotState, HttpParser::Listener {
  enum class Kind : std::uint8_t { kUndecided, kRequest, kResponse, kIgnored };

  // What a message's head said (the part the report keeps).
  struct Head {
    std::shared_ptr<const HttpRequestInfo> request;  // the request (its own, for a request)
    int status = 0;                                  // a response's status code
    std::string content_type;
    std::string content_length;
    std::string transfer_encoding;
    std::string content_encoding;
  };

  // A body file that was written to: where it came from and how complete it is.
  struct Run {
    std::uint32_t number = 0;       // the message's number in the flow
    std::uint64_t offset = 0;       // where the body starts in the flow file
    std::uint64_t flow_length = 0;  // its bytes in the flow file (chunk framing included)
    std::string path;
    std::uint64_t size = 0;  // bytes in the body file
    Head head;
    std::string md5;
    std::string sha256;
    std::vector<ByteRange> holes;  // body-file ranges made from bytes the capture lacked
    std::uint64_t hole_count = 0;
    bool hole_seen = false;     // a hole reached the body (a decoded body may show none)
    bool truncated = false;     // the message did not end (stream end, -b, parse error)
    bool capped = false;        // cut at -S http_max_body or http_max_ratio
    bool decode_error = false;  // a gzip/deflate body that is corrupt
    bool write_failed = false;  // the body file could not be written completely
  };

  FlowState(HttpScanner& s, Session& sess, Flow& f) : scanner(&s), session(&sess), flow(&f) {}

  // Counts `a` for the run and for this flow.
  void Count(Anomaly a) { CountAnomaly(*scanner->anomalies_, *flow, a); }

  void OnMessageBegin(std::uint64_t) override {
    EndBody(false);
    head = Head{};
  }
  void OnRequestLine(std::string_view method, std::string_view target, std::string_view) override {
    if (session->requests.size() == kMaxQueuedRequests) session->requests.pop_front();
    own_request =
        std::make_shared<HttpRequestInfo>(HttpRequestInfo{Kept(method), Kept(target), {}});
    session->requests.push_back(own_request);
    head.request = own_request;
  }
  void OnStatusLine(int status, std::string_view) override { head.status = status; }
  void OnHeader(std::string_view name, std::string_view value) override {
    if (name == "content-type") {
      head.content_type = Kept(value);
    } else if (name == "content-encoding") {
      head.content_encoding = Kept(value);
    } else if (name == "content-length") {
      head.content_length = Kept(value);
    } else if (name == "transfer-encoding") {
      head.transfer_encoding = Kept(value);
    } else if (name == "host" && own_request && own_request->host.empty()) {
      own_request->host = Kept(value);
    }
  }
  std::string RequestMethodForResponse() override {
    if (session->requests.empty()) return {};
    head.request = std::move(session->requests.front());
    session->requests.pop_front();
    return head.request->method;
  }
  void OnHeadersComplete(bool has_body) override {
    ++message_count;
    own_request.reset();  // its Host is known by now
    if (!has_body) return;
    body = Body{};
    body.active = true;
    body.number = message_count;
    const std::string_view encoding = TrimSpaces(head.content_encoding);
    if (scanner->config_.decompress &&
        (EqualsNoCase(encoding, "gzip") || EqualsNoCase(encoding, "deflate"))) {
      body.inflater = std::make_unique<Inflater>(scanner->config_.inflate);
    }
  }
  void OnBody(std::uint64_t offset, Bytes data) override {
    if (!body.active) return;
    if (!body.started) {
      body.started = true;
      body.start_offset = offset;
    }
    body.end_offset = offset + data.size();
    body.last_ts = ts;
    if (in_gap) body.hole_seen = true;
    if (!body.inflater) {
      Write(data);
      return;
    }
    if (body.inflater->status() != Inflater::Status::kRunning) return;
    const Inflater::Status status = body.inflater->Feed(data, [this](Bytes out) { Write(out); });
    if (status == Inflater::Status::kSizeCapped || status == Inflater::Status::kRatioCapped) {
      body.capped = true;
      Count(Anomaly::kHttpBodyCapped);
    } else if (status == Inflater::Status::kCorrupt) {
      body.decode_error = true;
      Count(Anomaly::kHttpDecompressError);
    }
  }
  void OnMessageComplete() override { EndBody(true); }
  void OnError(HttpParser::Error error, std::string_view) override {
    EndBody(false);
    if (error == HttpParser::Error::kHeaderTooLong) {
      Count(Anomaly::kHttpHeaderTooLong);
    } else if (error != HttpParser::Error::kTruncated || !cut_by_limit) {
      // A stream that -b cut short ends inside a message by design: not an anomaly.
      Count(Anomaly::kHttpParseError);
    }
  }

  // Writes decoded body bytes at the body file's running offset, creating it first. Bytes of an
  // identity body made from a hole's zeros are not written (the file stays sparse there) but are
  // counted, digested and listed as a hole. Past -S http_max_body the body is cut and marked
  // capped.
  void Write(Bytes data) {
    if (data.empty() || body.write_failed) return;
    const std::uint64_t max = scanner->config_.inflate.max_output;
    if (body.written >= max) {
      if (!body.capped) {
        body.capped = true;
        Count(Anomaly::kHttpBodyCapped);
      }
      return;
    }
    if (data.size() > max - body.written) {
      data = data.first(static_cast<std::size_t>(max - body.written));
      body.capped = true;
      Count(Anomaly::kHttpBodyCapped);
    }
    OutputFs& fs = *scanner->fs_;
    if (!body.file) {
      body.path = file_name + "-HTTPBODY-" + MessageNumber(body.number);
      const std::string_view ext = ExtensionForContentType(head.content_type);
      if (!ext.empty()) {
        body.path += '.';
        body.path += ext;
      }
      FileId id = 0;
      if (fs.CreateOrTruncate(body.path, &id) != OutputFs::CreateStatus::kCreated) {
        scanner->SetError(fs.error());
        body.write_failed = true;
        return;
      }
      body.file = id;
      body.md5.emplace("MD5");
      body.sha256.emplace("SHA256");
      if (scanner->alerts_) scanner->alerts_->Send("open", body.path);
    }
    // Only an identity body maps a hole to body-file bytes: what an inflater gives while fed a
    // hole's zeros may still be decoded from captured bytes before it, and is written.
    if (in_gap && !body.inflater) {
      AddHole(body.written, data.size());
      body.sparse_end = true;
    } else {
      if (!fs.WriteAt(*body.file, body.written, data)) {
        scanner->SetError(fs.error());
        body.write_failed = true;
        return;
      }
      body.sparse_end = false;
    }
    body.md5->Update(data);
    body.sha256->Update(data);
    body.written += data.size();
  }

  // Records [offset, offset + length) of the body file as made from a hole (merged with the
  // range before it when they touch).
  void AddHole(std::uint64_t offset, std::uint64_t length) {
    if (!body.holes.empty() && body.holes.back().offset + body.holes.back().length == offset) {
      body.holes.back().length += length;
      return;
    }
    ++body.hole_count;
    if (body.holes.size() < kMaxBodyHoles) body.holes.push_back(ByteRange{offset, length});
  }

  // The body in progress ends: `complete` when its message ended normally (a compressed stream
  // that stopped early is then corrupt), false when it was cut short.
  void EndBody(bool complete) {
    if (!body.active) return;
    if (complete && body.inflater && body.inflater->status() == Inflater::Status::kRunning &&
        body.inflater->consumed() > 0) {
      body.decode_error = true;
      Count(Anomaly::kHttpDecompressError);
    }
    if (body.file) {
      OutputFs& fs = *scanner->fs_;
      if (body.sparse_end && !body.write_failed) {
        // The body ends in a hole: its last byte gives the file its size.
        const std::uint8_t zero = 0;
        if (!fs.WriteAt(*body.file, body.written - 1, Bytes(&zero, 1))) {
          scanner->SetError(fs.error());
          body.write_failed = true;
        }
      }
      if (!fs.Close(*body.file, &body.last_ts)) {
        scanner->SetError(fs.error());
        body.write_failed = true;
      }
      if (body.written > 0) {
        ++scanner->bodies_written_;
        Run run;
        run.number = body.number;
        run.offset = body.start_offset;
        run.flow_length = body.end_offset - body.start_offset;
        run.path = body.path;
        run.size = body.written;
        run.head = head;
        run.md5 = body.md5->Finish();
        run.sha256 = body.sha256->Finish();
        run.holes = std::move(body.holes);
        run.hole_count = body.hole_count;
        run.hole_seen = body.hole_seen;
        run.truncated = !complete;
        run.capped = body.capped;
        run.decode_error = body.decode_error;
        run.write_failed = body.write_failed;
        runs.push_back(std::move(run));
        if (scanner->alerts_) scanner->alerts_->Send("close", body.path);
        if (scanner->commands_) scanner->commands_->Run(body.path);
      }
    }
    body = Body{};
  }

  // Stops parsing this flow for good (upgrade, front insertion, undecidable start).
  void Abandon() {
    EndBody(false);
    parser.reset();
    kind = Kind::kIgnored;
  }

  ReportExtra ByteRuns() const {
    ReportExtra extra{"byte_runs", {}, "", {}};
    for (const Run& run : runs) {
      extra.children.push_back(
          {"byte_run",
           {{"file_offset", std::to_string(run.offset)}, {"len", std::to_string(run.flow_length)}},
           "",
           {{"fileobject",
             {},
             "",
             {{"filename", {}, run.path, {}},
              {"filesize", {}, std::to_string(run.size), {}},
              Provenance(run)}}}});
    }
    return extra;
  }

  // <tcpflow:http ...>: the message a body belongs to and how complete the body file is.
  ReportExtra Provenance(const Run& run) const {
    ReportExtra http{"tcpflow:http", {}, "", {}};
    auto& a = http.attributes;
    a.emplace_back("message", std::to_string(run.number));
    a.emplace_back("kind", kind == Kind::kResponse ? "response" : "request");
    if (run.head.request) {
      a.emplace_back("method", run.head.request->method);
      if (!run.head.request->host.empty()) a.emplace_back("host", run.head.request->host);
      a.emplace_back("uri", run.head.request->target);
    }
    if (run.head.status != 0) a.emplace_back("status", std::to_string(run.head.status));
    const auto header = [&a](const char* name, const std::string& value) {
      if (!value.empty()) a.emplace_back(name, value);
    };
    header("content_type", run.head.content_type);
    header("content_length", run.head.content_length);
    header("transfer_encoding", run.head.transfer_encoding);
    header("content_encoding", run.head.content_encoding);
    header("md5", run.md5);
    header("sha256", run.sha256);
    std::string why;
    const auto reason = [&why](bool set, const char* name) {
      if (!set) return;
      if (!why.empty()) why += ' ';
      why += name;
    };
    reason(run.hole_seen || run.hole_count > 0, "holes");
    reason(run.truncated, "truncated");
    reason(run.capped, "capped");
    reason(run.decode_error, "decode_error");
    reason(run.write_failed, "write_error");
    a.emplace_back("complete", why.empty() ? "yes" : "no");
    if (!why.empty()) a.emplace_back("incomplete", why);
    if (run.hole_count > 0) a.emplace_back("holes", std::to_string(run.hole_count));
    for (const ByteRange& hole : run.holes) {
      http.children.push_back(
          {"tcpflow:hole",
           {{"offset", std::to_string(hole.offset)}, {"length", std::to_string(hole.length)}},
           "",
           {}});
    }
    return http;
  }

  struct Body {
    bool active = false;  // a message with a body is in progress
    bool started = false;
    bool write_failed = false;
    bool sparse_end = false;  // the last bytes came from a hole and were not written
    bool hole_seen = false;   // a hole reached the body
    bool capped = false;
    bool decode_error = false;
    std::uint32_t number = 0;
    std::uint64_t start_offset = 0;  // stream offset of the first body byte
    std::uint64_t end_offset = 0;    // stream offset after the last body byte seen
    std::uint64_t written = 0;       // bytes of the body file (written or sparse)
    Timeval last_ts;                 // of the last body data
    std::string path;                // once the file exists
    std::optional<FileId> file;
    std::optional<StreamDigest> md5;  // of the body file's bytes, once it exists
    std::optional<StreamDigest> sha256;
    std::vector<ByteRange> holes;
    std::uint64_t hole_count = 0;
    std::unique_ptr<Inflater> inflater;  // gzip/deflate bodies when decompressing
  };

  HttpScanner* scanner;
  Session* session;
  Flow* flow;             // valid from OnFlowOpen to OnFlowClose, while the state lives
  std::string file_name;  // the flow file's (OnFileCreated)
  Kind kind = Kind::kUndecided;
  std::array<char, kMessageStartMaxBytes> head_bytes{};  // the first bytes, while undecided
  std::size_t head_len = 0;
  std::optional<HttpParser> parser;
  std::uint64_t next_offset = 0;  // stream offset of the next byte expected
  bool cut_by_limit = false;      // -b dropped some of the flow's bytes
  bool in_gap = false;            // the bytes being parsed are a hole's zeros
  Timeval ts;                     // time of the data being parsed
  std::uint32_t message_count = 0;
  Head head;                                     // of the message in progress
  std::shared_ptr<HttpRequestInfo> own_request;  // a request's, until its head is complete
  Body body;
  std::vector<Run> runs;
};

HttpScanner::HttpScanner(const HttpScanConfig& config, OutputFs& fs, AnomalyCounters& anomalies,
                         AlertChannel* alerts, CommandRunner* commands)
    : config_(config), fs_(&fs), anomalies_(&anomalies), alerts_(alerts), commands_(commands) {}

HttpScanner::HttpScanner(const HttpScanConfig& config, OutputFs& fs, AnomalyCounters& anomalies,
                         std::unique_ptr<AlertChannel> alerts,
                         std::unique_ptr<CommandRunner> commands)
    : HttpScanner(config, fs, anomalies, alerts.get(), commands.get()) {
  owned_alerts_ = std::move(alerts);
  owned_commands_ = std::move(commands);
}

HttpScanner::~HttpScanner() = default;

bool HttpScanner::OnRunEnd(std::string*) {
  if (commands_ != nullptr) commands_->WaitAll();
  return true;
}

std::vector<std::string> HttpScanner::Warnings() const {
  std::vector<std::string> warnings;
  if (alerts_ != nullptr && alerts_->failed()) warnings.push_back(alerts_->error());
  if (commands_ != nullptr && commands_->stats().failed > 0) {
    const CommandStats& stats = commands_->stats();
    warnings.push_back("http_cmd failed for " + std::to_string(stats.failed) + " of " +
                       std::to_string(stats.succeeded + stats.failed) +
                       " body files (first: " + commands_->first_failure() + ")");
  }
  return warnings;
}

void HttpScanner::SetError(const std::string& error) {
  if (error_.empty()) error_ = error.empty() ? "http scanner: cannot write a body file" : error;
}

HttpScanner::FlowState& HttpScanner::StateFor(Flow& flow) {
  if (FlowState* state = slot_.Find(flow)) return *state;
  std::unique_ptr<Session>& session = sessions_[flow.session_id];
  if (!session) session = std::make_unique<Session>();
  ++session->open_flows;
  return slot_.Put(flow, std::make_unique<FlowState>(*this, *session, flow));
}

void HttpScanner::OnFlowOpen(Flow& flow) {
  StateFor(flow);
}

void HttpScanner::OnFileCreated(Flow& flow, const std::string& name) {
  StateFor(flow).file_name = name;
}

void HttpScanner::OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) {
  FlowState& state = StateFor(flow);
  if (state.kind == FlowState::Kind::kIgnored) return;
  if (offset + data.size() <= state.next_offset) return;
  if (offset < state.next_offset) {
    // Only the part beyond what was parsed is new.
    data = data.subspan(static_cast<std::size_t>(state.next_offset - offset));
  }
  state.ts = ts;
  if (state.kind == FlowState::Kind::kUndecided) {
    Decide(state, data);
  } else {
    Parse(state, data);
  }
}

void HttpScanner::OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) {
  FlowState& state = StateFor(flow);
  if (state.kind == FlowState::Kind::kIgnored) return;
  if (state.kind == FlowState::Kind::kUndecided) {
    state.Abandon();  // the first bytes are missing: the kind cannot be known
    return;
  }
  // The flow file holds zeros there, and they are parsed as the file reads (as tcpflow 1.6.1
  // does). A body of known length keeps its framing, the zeros becoming part of it; anything
  // else fails to parse and resynchronises at the next message start.
  CountAnomaly(*anomalies_, flow, Anomaly::kHttpStreamHole);
  state.ts = ts;
  const std::uint64_t end = offset + length;
  state.in_gap = true;
  while (state.next_offset < end && state.parser) {
    Parse(state, ZeroBytes(end - state.next_offset));
  }
  state.in_gap = false;
}

void HttpScanner::OnCut(Flow& flow) {
  StateFor(flow).cut_by_limit = true;
}

void HttpScanner::Decide(FlowState& state, Bytes data) {
  const std::size_t before = state.head_len;
  const std::size_t take = std::min(data.size(), state.head_bytes.size() - before);
  std::copy_n(data.begin(), take, state.head_bytes.begin() + before);
  state.head_len += take;
  const std::string_view head(state.head_bytes.data(), state.head_len);
  HttpMode mode = HttpMode::kResponse;
  StartMatch match = MatchMessageStart(HttpMode::kResponse, head);
  if (match == StartMatch::kNo) {
    mode = HttpMode::kRequest;
    match = MatchMessageStart(HttpMode::kRequest, head);
  }
  if (match == StartMatch::kNo) {
    state.Abandon();
    return;
  }
  if (match == StartMatch::kMaybe) {
    state.next_offset += data.size();  // all of it is in head (kMaybe needs fewer bytes)
    return;
  }
  state.kind = mode == HttpMode::kResponse ? FlowState::Kind::kResponse : FlowState::Kind::kRequest;
  state.parser.emplace(mode, state, config_.max_header, 0);
  // The bytes buffered by earlier calls, then all of this piece.
  const std::string_view earlier = head.substr(0, before);
  Parse(state, Bytes(reinterpret_cast<const std::uint8_t*>(earlier.data()), earlier.size()));
  if (state.parser) Parse(state, data);
}

void HttpScanner::Parse(FlowState& state, Bytes data) {
  HttpParser& parser = *state.parser;
  while (!data.empty()) {
    data = data.subspan(parser.Feed(data));
    if (!parser.failed()) break;
    parser.Resync();
  }
  state.next_offset = parser.offset();
  if (parser.upgraded()) state.Abandon();  // the stream left HTTP
}

void HttpScanner::OnShift(Flow& flow, std::uint64_t n) {
  FlowState* const found = slot_.Find(flow);
  if (found == nullptr) return;
  FlowState& state = *found;
  // Bytes in front move everything stored: the recorded bodies keep their files, at new offsets.
  // Parsing the stream from its new start would need the stored bytes again; it stops here.
  state.Abandon();
  for (FlowState::Run& run : state.runs) run.offset += n;
}

void HttpScanner::OnFlowClose(Flow& flow, const StoredFile&) {
  const std::unique_ptr<FlowState> state = slot_.Release(flow);
  if (!state) return;
  if (state->parser) state->parser->Finish();
  state->EndBody(false);
  if (!state->runs.empty()) flow.extras.push_back(state->ByteRuns());
  const auto session = sessions_.find(flow.session_id);
  if (session != sessions_.end() && --session->second->open_flows == 0) sessions_.erase(session);
}

}  // namespace tcpflow
