#include "transport/auth.h"

#include "tensor.h"

#include <cerrno>
#include <cstring>
#include <sys/random.h>

#ifdef SEPNN_RT_HAVE_OPENSSL
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif

namespace sepnn {
namespace rt {
namespace auth {

bool available() {
#ifdef SEPNN_RT_HAVE_OPENSSL
  return true;
#else
  return false;
#endif
}

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(&out[got], n - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      fail("getrandom: ", std::strerror(errno));
    }
    got += (size_t)r;
  }
  return out;
}

std::string proof(const std::string &key, const char *role, const std::string &transcript) {
#ifdef SEPNN_RT_HAVE_OPENSSL
  const std::string message = std::string(role) + '\0' + transcript;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), (int)key.size(),
            reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac,
            &len) ||
      len != kProofSize)
    fail("HMAC-SHA256 failed (OpenSSL)");
  return std::string(reinterpret_cast<char *>(mac), len);
#else
  (void)key, (void)role, (void)transcript;
  fail("this runtime was built without OpenSSL (libssl-dev): it cannot prove a cluster key");
#endif
}

bool sameProof(const std::string &a, const std::string &b) {
  if (a.size() != b.size())
    return false;
#ifdef SEPNN_RT_HAVE_OPENSSL
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
#else
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
#endif
}

} // namespace auth
} // namespace rt
} // namespace sepnn
