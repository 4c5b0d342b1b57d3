// scan_hash.h: the md5 scanner: a digest of every flow file (MD5, and -S hash=sha1,sha256...),
// computed with OpenSSL EVP as the bytes are reassembled, reported as <hashdigest type='MD5'>.
//
// Design note: the digest covers exactly the bytes the flow file holds (zero-filled holes, the
// -b cut), so it equals `md5sum` of the file. Bytes arriving in order are hashed as they come,
// holes (OnGap) as zeros.
// When a flow's file is changed behind the running digest (a late hole fill, a rewrite with
// -S overlap=last, bytes inserted in front), the scanner cannot stream any more; it then
// digests the closed file once at the end, reading it back through the OutputFs. Flows without
// a file, or with an empty one, get no digest (as tcpflow 1.6.1).
#ifndef TCPFLOW_SCAN_HASH_H
#define TCPFLOW_SCAN_HASH_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "output_dir.h"
#include "scanner.h"

namespace tcpflow {

// One digest algorithm: its OpenSSL name and the DFXML type attribute.
struct HashAlgorithm {
  std::string openssl_name;  // "md5", "sha1", "sha256", ...
  std::string dfxml_type;    // "MD5", "SHA1", "SHA256", ...
};

struct HashScanConfig {
  std::vector<HashAlgorithm> algorithms;  // in report order; empty = scanner off
};

// The algorithms for a run: MD5 when `md5_enabled` (-e md5, -FM, -a), then each digest of -S
// hash (already checked and lower case), without repeats; the report's type is the name in
// upper case.
HashScanConfig MakeHashScanConfig(const HashSettings& settings, bool md5_enabled);

class HashScanner final : public Scanner {
 public:
  // `fs` is the one the flow files are written through (read back only for changed files).
  HashScanner(const HashScanConfig& config, OutputFs& fs);
  ~HashScanner() override;

  void AssignSlots(SlotAllocator& slots) override { slot_.Assign(slots); }
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override;
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) override;
  void OnShift(Flow& flow, std::uint64_t n) override;
  // Digests the file `file` names (read back when the running digest went stale).
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

  // Flows whose digest had to be computed from the closed file.
  std::uint64_t reread_flows() const { return reread_flows_; }

 private:
  // The flow's digests (in its slot from the first byte or hole to OnFlowClose).
  struct FlowDigests;
  FlowDigests& StateFor(Flow& flow);
  void Update(FlowDigests& state, Bytes data);
  bool DigestFile(const std::string& path, FlowDigests& state);

  HashScanConfig config_;
  OutputFs& fs_;
  SinkSlot<FlowDigests> slot_;
  std::uint64_t reread_flows_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCAN_HASH_H
