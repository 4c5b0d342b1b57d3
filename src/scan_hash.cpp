// scan_hash.cpp: streaming flow digests with OpenSSL EVP (md5 scanner).
#include "scan_hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "stored_stream.h"

namespace tcpflow {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Hex(const unsigned char* digest, unsigned int size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace

HashScanConfig MakeHashScanConfig(const HashSettings& settings, bool md5_enabled) {
  HashScanConfig config;
  const auto add = [&config](const std::string& name) {
    for (const HashAlgorithm& have : config.algorithms) {
      if (have.openssl_name == name) return;
    }
    config.algorithms.push_back({name, Upper(name)});
  };
  if (md5_enabled) add("md5");
  for (const std::string& name : settings.digests) add(name);
  return config;
}

std::unique_ptr<Scanner> MakeHashScanner(const ScannerContext& context, std::string*) {
  HashScanConfig config = MakeHashScanConfig(context.config.scanners.hash, context.enabled);
  if (config.algorithms.empty()) return nullptr;
  return std::make_unique<HashScanner>(config, context.fs);
}

struct HashScanner::FlowDigests final : SlotState {
  std::vector<EVP_MD_CTX*> contexts;  // null where the algorithm could not start
  std::uint64_t hashed = 0;           // bytes [0, hashed) went into the digests
  bool stale = false;  // the file changed behind the digests: digest the file at close

  ~FlowDigests() override {
    for (EVP_MD_CTX* context : contexts) EVP_MD_CTX_free(context);
  }
};

HashScanner::HashScanner(const HashScanConfig& config, OutputFs& fs) : config_(config), fs_(fs) {}

HashScanner::~HashScanner() = default;

HashScanner::FlowDigests& HashScanner::StateFor(Flow& flow) {
  if (FlowDigests* state = slot_.Find(flow)) return *state;
  auto state = std::make_unique<FlowDigests>();
  for (const HashAlgorithm& algorithm : config_.algorithms) {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    const EVP_MD* md = EVP_get_digestbyname(algorithm.openssl_name.c_str());
    if (context == nullptr || md == nullptr || EVP_DigestInit_ex(context, md, nullptr) != 1) {
      EVP_MD_CTX_free(context);
      context = nullptr;
    }
    state->contexts.push_back(context);
  }
  return slot_.Put(flow, std::move(state));
}

void HashScanner::Update(FlowDigests& state, Bytes data) {
  for (EVP_MD_CTX* context : state.contexts) {
    if (context != nullptr) EVP_DigestUpdate(context, data.data(), data.size());
  }
  state.hashed += data.size();
}

void HashScanner::OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval&) {
  FlowDigests& state = StateFor(flow);
  if (state.stale) return;
  if (offset != state.hashed) {
    state.stale = true;  // a late fill or a rewrite changed bytes already hashed
    return;
  }
  Update(state, data);
}

void HashScanner::OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval&) {
  FlowDigests& state = StateFor(flow);
  if (state.stale) return;
  // The file holds zeros there.
  const std::uint64_t end = offset + length;
  while (state.hashed < end) Update(state, ZeroBytes(end - state.hashed));
}

void HashScanner::OnShift(Flow& flow, std::uint64_t) {
  StateFor(flow).stale = true;
}

bool HashScanner::DigestFile(const std::string& path, FlowDigests& state) {
  // Start the digests again from the file's first byte.
  for (std::size_t i = 0; i < state.contexts.size(); ++i) {
    EVP_MD_CTX* context = state.contexts[i];
    const EVP_MD* md = EVP_get_digestbyname(config_.algorithms[i].openssl_name.c_str());
    if (context == nullptr || md == nullptr || EVP_DigestInit_ex(context, md, nullptr) != 1) {
      return false;
    }
  }
  state.hashed = 0;
  std::vector<std::uint8_t> buffer(1 << 16);
  for (;;) {
    const auto n = fs_.ReadPath(path, state.hashed, buffer);
    if (!n) return false;
    if (*n == 0) return true;
    Update(state, Bytes(buffer.data(), *n));
  }
}

void HashScanner::OnFlowClose(Flow& flow, const StoredFile& file) {
  const std::unique_ptr<FlowDigests> state = slot_.Release(flow);
  if (!state || file.incomplete || file.name.empty()) return;
  if (state->stale) {
    ++reread_flows_;
    if (!DigestFile(file.name, *state)) return;
  }
  if (state->hashed == 0) return;
  for (std::size_t i = 0; i < state->contexts.size(); ++i) {
    EVP_MD_CTX* context = state->contexts[i];
    if (context == nullptr) continue;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context, digest, &size) != 1) continue;
    flow.extras.push_back(ReportExtra{
        "hashdigest", {{"type", config_.algorithms[i].dfxml_type}}, Hex(digest, size), {}});
  }
}

}  // namespace tcpflow
