// digest.cpp: running digests through OpenSSL's EVP interface.
#include "digest.h"

#include <openssl/evp.h>

#include <string>

namespace tcpflow {

void StreamDigest::Free::operator()(void* context) const {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context));
}

StreamDigest::StreamDigest(std::string_view algorithm) {
  const EVP_MD* md = EVP_get_digestbyname(std::string(algorithm).c_str());
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (md == nullptr || context == nullptr || EVP_DigestInit_ex(context, md, nullptr) != 1) {
    EVP_MD_CTX_free(context);
    return;
  }
  context_.reset(context);
}

void StreamDigest::Update(Bytes data) {
  if (!context_ || data.empty()) return;
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_.get()), data.data(), data.size()) != 1) {
    context_.reset();
  }
}

std::string StreamDigest::Finish() {
  if (!context_) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const bool ok = EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_.get()), digest, &size) == 1;
  context_.reset();
  if (!ok) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

}  // namespace tcpflow
