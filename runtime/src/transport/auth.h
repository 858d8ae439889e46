// Proof of a pre-shared cluster key in the TCP handshake (CLUSTER.json "key_file").
// Both sides exchange hellos carrying a fresh random nonce; then each sends
// HMAC-SHA256(key, role || connector's hello || acceptor's hello), the connector
// first. The MAC covers both nonces, both ranks and the model hash, so a proof
// can be neither replayed nor moved to another connection. HMAC is OpenSSL's
// (libcrypto); a runtime built without OpenSSL refuses a cluster key.
#ifndef SEPNN_RT_TRANSPORT_AUTH_H
#define SEPNN_RT_TRANSPORT_AUTH_H

#include <cstddef>
#include <string>

namespace sepnn {
namespace rt {
namespace auth {

constexpr size_t kProofSize = 32; // HMAC-SHA256
constexpr size_t kMinKeyBytes = 16;

// Whether this runtime was built with OpenSSL (cluster keys supported).
bool available();
// `n` bytes from the kernel's CSPRNG (getrandom). Throws Error.
std::string randomBytes(size_t n);
// HMAC-SHA256(key, role || transcript). Throws Error without OpenSSL.
std::string proof(const std::string &key, const char *role, const std::string &transcript);
// Constant-time comparison of two proofs.
bool sameProof(const std::string &a, const std::string &b);

} // namespace auth
} // namespace rt
} // namespace sepnn

#endif
