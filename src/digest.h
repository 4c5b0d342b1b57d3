// digest.h: a running message digest (MD5, SHA-256, ...) over OpenSSL's EVP interface.
//
// Design note: one EVP_MD_CTX per digest, freed with the object; nothing is hand-written. A
// digest that OpenSSL cannot start (an algorithm the library was built without) stays inactive:
// Update does nothing and Finish returns "".
#ifndef TCPFLOW_DIGEST_H
#define TCPFLOW_DIGEST_H

#include <memory>
#include <string>
#include <string_view>

#include "byte_reader.h"

namespace tcpflow {

class StreamDigest {
 public:
  // `algorithm`: an OpenSSL digest name ("MD5", "SHA256", ...).
  explicit StreamDigest(std::string_view algorithm);
  void Update(Bytes data);
  // The digest in lowercase hex; "" when inactive. Ends the digest: later calls return "".
  std::string Finish();

 private:
  struct Free {
    void operator()(void* context) const;
  };
  std::unique_ptr<void, Free> context_;  // an EVP_MD_CTX
};

}  // namespace tcpflow

#endif  // TCPFLOW_DIGEST_H
