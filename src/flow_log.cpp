// flow_log.cpp: the JSON Lines flow log, one line per connection.
#include "flow_log.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "community_id.h"
#include "flow_evidence.h"
#include "flow_writer.h"

namespace tcpflow {
namespace {

constexpr std::uint8_t kTcpProtocol = 6;

// `name` without the output folder's prefix, when it has it.
std::string_view Relative(std::string_view name, std::string_view prefix) {
  if (!prefix.empty() && name.starts_with(prefix)) name.remove_prefix(prefix.size());
  return name;
}

// A scanner's report extra as JSON: {"element":..,"attributes":{..},"text":..,"children":[..]}
// (attributes, text and children only when there are some); a <filename> (a derived file, such
// as an HTTP body) is written relative to the output folder, as the flow files are.
void WriteExtra(JsonWriter& json, const ReportExtra& extra, std::string_view prefix) {
  json.BeginObject();
  json.Field("element", extra.element);
  if (!extra.attributes.empty()) {
    json.Key("attributes");
    json.BeginObject();
    for (const auto& [name, value] : extra.attributes) json.Field(name, value);
    json.EndObject();
  }
  if (!extra.text.empty()) {
    json.Field("text", extra.element == "filename" ? Relative(extra.text, prefix) : extra.text);
  }
  if (!extra.children.empty()) {
    json.Key("children");
    json.BeginArray();
    for (const ReportExtra& child : extra.children) WriteExtra(json, child, prefix);
    json.EndArray();
  }
  json.EndObject();
}

// The first child of `extra` named `element`, or null.
const ReportExtra* Child(const ReportExtra& extra, std::string_view element) {
  for (const ReportExtra& child : extra.children) {
    if (child.element == element) return &child;
  }
  return nullptr;
}

// A decimal attribute or text as a number (0 when it is not one).
std::uint64_t Number(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// One HTTP body file (a <byte_run> of the http scanner's <byte_runs>) as a JSON object: where
// its body lies in the flow file, the file, and its <tcpflow:http> provenance.
void WriteHttpObject(JsonWriter& json, const ReportExtra& run, std::string_view prefix) {
  json.BeginObject();
  for (const auto& [name, value] : run.attributes) {
    if (name == "file_offset") json.Field("offset", Number(value));
    if (name == "len") json.Field("length", Number(value));
  }
  const ReportExtra* object = Child(run, "fileobject");
  const ReportExtra* file = object != nullptr ? Child(*object, "filename") : nullptr;
  const ReportExtra* size = object != nullptr ? Child(*object, "filesize") : nullptr;
  const ReportExtra* http = object != nullptr ? Child(*object, "tcpflow:http") : nullptr;
  if (file != nullptr) json.Field("file", Relative(file->text, prefix));
  if (size != nullptr) json.Field("size", Number(size->text));
  if (http != nullptr) {
    bool complete = true;
    for (const auto& [name, value] : http->attributes) {
      if (name == "message" || name == "status" || name == "holes") {
        json.Field(name, Number(value));
      } else if (name == "complete") {
        complete = value == "yes";
        json.Field(name, complete);
      } else if (name == "incomplete") {
        json.Key(name);
        json.BeginArray();
        for (std::size_t at = 0; at < value.size();) {
          const std::size_t space = std::min(value.find(' ', at), value.size());
          json.String(std::string_view(value).substr(at, space - at));
          at = space + 1;
        }
        json.EndArray();
      } else {
        json.Field(name, value);
      }
    }
    // A complete body has no "incomplete" and no "holes" attribute: the log says so anyway.
    if (complete) {
      json.Key("incomplete");
      json.BeginArray();
      json.EndArray();
    }
    if (http->children.empty()) json.Field("holes", std::uint64_t{0});
    json.Key("hole_list");
    json.BeginArray();
    for (const ReportExtra& hole : http->children) {
      json.BeginArray();
      for (const auto& [name, value] : hole.attributes) json.Uint(Number(value));
      json.EndArray();
    }
    json.EndArray();
  }
  json.EndObject();
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

FlowLog::FlowLog(std::ostream& out, std::string name, FlowLogSettings settings)
    : out_(out),
      name_(std::move(name)),
      settings_(std::move(settings)),
      prefix_(FlowFileWriter::PathPrefix(settings_.outdir)) {}

void FlowLog::Render(const Flow& flow, const StoredFile& file, Half& half) {
  const FlowEvidence e =
      CollectEvidence(flow, file, settings_.max_bytes_per_flow, settings_.holes_listed);
  JsonWriter& json = half_writer_;
  json.Clear();
  json.BeginObject();
  if (file.name.empty()) {
    json.Key("file");
    json.Null();
  } else {
    json.Field("file", Relative(file.name, prefix_));
  }
  std::uint64_t stored = file.name.empty() ? 0 : file.logical_size;
  if (settings_.max_bytes_per_flow >= 0) {
    stored = std::min(stored, static_cast<std::uint64_t>(settings_.max_bytes_per_flow));
  }
  json.Field("stored_bytes", stored);
  json.Field("stream_bytes", file.logical_size);
  json.Field("wire_bytes", flow.wire_bytes);
  json.Field("packets", flow.packets);
  json.Field("first_time", FormatRfc3339Nanos(flow.first_seen));
  json.Field("last_time", FormatRfc3339Nanos(flow.last_seen));
  json.Field("handshake", e.handshake);
  json.Field("close", CloseReasonName(e.close_reason));
  json.Field("missing_bytes", e.missing_bytes);
  json.Field("missing_at_end", e.missing_at_end);
  json.Field("holes", e.hole_count);
  json.Key("hole_list");
  json.BeginArray();
  for (const ByteRange& hole : e.holes) {
    json.BeginArray();
    json.Uint(hole.offset);
    json.Uint(hole.length);
    json.EndArray();
  }
  json.EndArray();
  json.Field("retransmitted_bytes", e.retransmitted_bytes);
  json.Field("overlap_bytes", e.overlap_bytes);
  json.Field("conflict_bytes", e.conflict_bytes);
  json.Field("out_of_order_segments", e.out_of_order_segments);
  json.Field("incomplete", file.incomplete);
  json.Key("anomalies");
  json.BeginObject();
  for (const auto& [anomaly, count] : e.anomalies) json.Field(AnomalyName(anomaly), count);
  json.EndObject();
  json.Key("digests");
  json.BeginObject();
  for (const ReportExtra& extra : flow.extras) {
    if (extra.element == "hashdigest" && !extra.attributes.empty()) {
      json.Field(Lowercase(extra.attributes.front().second), extra.text);
    }
  }
  json.EndObject();
  json.Key("http");
  json.BeginArray();
  for (const ReportExtra& extra : flow.extras) {
    if (extra.element != "byte_runs") continue;
    for (const ReportExtra& run : extra.children) WriteHttpObject(json, run, prefix_);
  }
  json.EndArray();
  json.Key("results");
  json.BeginArray();
  for (const ReportExtra& extra : flow.extras) {
    if (extra.element != "hashdigest" && extra.element != "byte_runs") {
      WriteExtra(json, extra, prefix_);
    }
  }
  json.EndArray();
  json.EndObject();
  half.json = json.data();
  half.key = flow.key;
  half.first_seen = flow.first_seen;
  half.last_seen = flow.last_seen;
  half.role = flow.client_to_server ? 0 : (flow.syn_count > 0 ? 2 : 1);
  half.flow_id = flow.flow_id;
}

void FlowLog::OnFlowClose(Flow& flow, const StoredFile& file) {
  std::unique_ptr<Half> other = waiting_.Release(flow);
  auto half = std::make_unique<Half>();
  Render(flow, file, *half);
  if (other) {
    WriteLine(*other, half.get());
    return;
  }
  if (flow.reverse != nullptr) {
    // The other direction is still open: this half waits for it. A half already waiting there
    // (an earlier flow of this tuple, before port reuse) is written alone first.
    if (std::unique_ptr<Half> older = waiting_.Release(*flow.reverse)) WriteLine(*older, nullptr);
    waiting_.Put(*flow.reverse, std::move(half));
    return;
  }
  WriteLine(*half, nullptr);
}

void FlowLog::WriteLine(const Half& a, const Half* b) {
  // The client: the half that sent the SYN, else the one that did not send the SYN-ACK, else
  // the one seen first.
  const Half* client = &a;
  const Half* server = b;
  if (b != nullptr && (b->role < a.role || (b->role == a.role && b->flow_id < a.flow_id))) {
    std::swap(client, server);
  }
  if (b == nullptr && a.role == 2) std::swap(client, server);  // only the server's half
  const Half& any = client != nullptr ? *client : *server;
  // The connection's addresses, seen from the client.
  const FlowKey key = client != nullptr ? client->key : server->key.Reversed();
  Timeval first = any.first_seen;
  Timeval last = any.last_seen;
  if (b != nullptr) {
    first = std::min(a.first_seen, b->first_seen);
    last = std::max(a.last_seen, b->last_seen);
  }
  JsonWriter& json = line_writer_;
  json.Clear();
  json.BeginObject();
  json.Field("first_time", FormatRfc3339Nanos(first));
  json.Field("last_time", FormatRfc3339Nanos(last));
  json.Field("community_id",
             CommunityIdV1(key.src, key.dst, key.src_port, key.dst_port, kTcpProtocol));
  json.Field("protocol", "tcp");
  json.Field("src_ip", key.src.ToString());
  json.Field("src_port", key.src_port);
  json.Field("dst_ip", key.dst.ToString());
  json.Field("dst_port", key.dst_port);
  json.Key("vlan");
  if (key.vlan == kNoVlan) {
    json.Null();
  } else {
    json.Uint(key.vlan);
  }
  json.Key("client");
  if (client != nullptr) {
    json.Raw(client->json);
  } else {
    json.Null();
  }
  json.Key("server");
  if (server != nullptr) {
    json.Raw(server->json);
  } else {
    json.Null();
  }
  json.EndObject();
  json.EndLine();
  out_.write(json.data().data(), static_cast<std::streamsize>(json.data().size()));
  CheckStream();
}

void FlowLog::CheckStream() {
  if (failed_ || out_) return;
  failed_ = true;
  error_ = "write error on " + name_;
}

bool FlowLog::Finish() {
  out_.flush();
  CheckStream();
  return !failed_;
}

}  // namespace tcpflow
