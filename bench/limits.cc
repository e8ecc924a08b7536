// bench/limits.cc - the machine's own limits, per core: the public-key
// operations every verdict or token needs and nothing can share, through
// the same vouch functions (and so the same OpenSSL EVP paths) the
// verifiers and the token signer use.  bench/suite.py divides vouch's
// measured rates by bounds built from these (see its docstring):
//
//   Limit/P256Verify        SGX/TDX quote and QE report (r||s over a digest)
//   Limit/P384Verify        SEV-SNP report (r||s, SHA-384 over 672 bytes)
//   Limit/RSA2048PKCS1Verify TPM RSASSA AK quote signature
//   Limit/RSA2048PSSVerify   TPM RSAPSS AK quote signature
//   Limit/RSA4096PSSVerify   SEV-SNP VCEK under ASK (PSS SHA-384, salt 48)
//   Limit/ES256Sign, Limit/RS256Sign   token signatures
//
// Run alone: build-bench/vouch_bench --benchmark_filter='^Limit/'
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "crypto/crypto.h"
}

namespace {

// A message of |n| bytes (the size of what vouch signs or checks).
std::vector<uint8_t> message(size_t n) {
  std::vector<uint8_t> m(n);
  for (size_t i = 0; i < n; i++) m[i] = static_cast<uint8_t>(i * 131 + 7);
  return m;
}

// The vouch public key of an OpenSSL key (through its SPKI DER, as the
// verifiers import keys from certificates).
vouch_pubkey *pubkey_of(EVP_PKEY *k) {
  unsigned char *der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  vouch_pubkey *out = nullptr;
  if (n <= 0 || vouch_pubkey_from_spki_der(der, static_cast<size_t>(n), &out) != VOUCH_OK) abort();
  OPENSSL_free(der);
  return out;
}

// Signs |msg| with OpenSSL directly (the setup side, not measured).
std::vector<uint8_t> sign_evp(EVP_PKEY *k, const EVP_MD *md, int padding, int salt,
                              const std::vector<uint8_t> &msg) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  EVP_PKEY_CTX *p = nullptr;
  if (c == nullptr || EVP_DigestSignInit(c, &p, md, nullptr, k) != 1) abort();
  if (padding != 0 && (EVP_PKEY_CTX_set_rsa_padding(p, padding) != 1 ||
                       (padding == RSA_PKCS1_PSS_PADDING &&
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(p, salt) != 1))) {
    abort();
  }
  size_t n = 0;
  if (EVP_DigestSign(c, nullptr, &n, msg.data(), msg.size()) != 1) abort();
  std::vector<uint8_t> sig(n);
  if (EVP_DigestSign(c, sig.data(), &n, msg.data(), msg.size()) != 1) abort();
  sig.resize(n);
  EVP_MD_CTX_free(c);
  return sig;
}

// ECDSA as the quote verifiers see it: raw r||s, the digest precomputed by
// the parser for P-256 (vouch_ecdsa_verify_rs_digest, the engine's batched
// path), hashed in the call for P-384 (vouch_ecdsa_verify_rs, SNP).
void ecdsa_verify(benchmark::State &state, const char *curve, vouch_hash h, size_t msg_len,
                  bool digest_ready) {
  vouch_signer *s = nullptr;
  vouch_jws_alg alg = h == VOUCH_HASH_SHA256 ? VOUCH_JWS_ES256 : VOUCH_JWS_ES384;
  if (vouch_signer_generate(alg, &s) != VOUCH_OK) abort();
  std::vector<uint8_t> msg = message(msg_len);
  vouch_buf rs = {};
  if (vouch_signer_sign(s, msg.data(), msg.size(), &rs) != VOUCH_OK) abort();
  const vouch_pubkey *k = vouch_signer_pubkey(s);
  uint8_t digest[VOUCH_SHA384_LEN];
  size_t dlen = 0;
  if (vouch_digest(h, msg.data(), msg.size(), digest, &dlen) != VOUCH_OK) abort();
  const auto *sig = reinterpret_cast<const uint8_t *>(rs.data);
  for (auto _ : state) {
    vouch_status r = digest_ready ? vouch_ecdsa_verify_rs_digest(k, digest, dlen, sig, rs.len)
                                  : vouch_ecdsa_verify_rs(k, h, msg.data(), msg.size(), sig,
                                                          rs.len);
    if (r != VOUCH_OK) abort();
  }
  vouch_buf_free(&rs);
  vouch_signer_free(s);
  state.SetLabel(curve);
  state.SetItemsProcessed(state.iterations());
}

void BM_P256Verify(benchmark::State &state) {
  ecdsa_verify(state, "P-256", VOUCH_HASH_SHA256, 432, true);
}
void BM_P384Verify(benchmark::State &state) {
  ecdsa_verify(state, "P-384", VOUCH_HASH_SHA384, 672, false);
}

// RSA through vouch_verify_sig (PKCS#1 v1.5 or PSS block over the message).
void rsa_verify(benchmark::State &state, int bits, int padding, vouch_hash h, size_t msg_len) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (k == nullptr) abort();
  const EVP_MD *md = h == VOUCH_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
  int salt = static_cast<int>(vouch_hash_len(h));
  std::vector<uint8_t> msg = message(msg_len);
  std::vector<uint8_t> sig = sign_evp(k, md, padding, salt, msg);
  vouch_pubkey *pk = pubkey_of(k);
  vouch_sig_alg alg = padding == RSA_PKCS1_PSS_PADDING ? VOUCH_SIG_RSA_PSS : VOUCH_SIG_RSA_PKCS1;
  for (auto _ : state) {
    if (vouch_verify_sig(pk, alg, h, salt, msg.data(), msg.size(), sig.data(), sig.size()) !=
        VOUCH_OK) {
      abort();
    }
  }
  vouch_pubkey_free(pk);
  EVP_PKEY_free(k);
  state.SetItemsProcessed(state.iterations());
}

void BM_RSA2048PKCS1Verify(benchmark::State &state) {
  rsa_verify(state, 2048, RSA_PKCS1_PADDING, VOUCH_HASH_SHA256, 145);  // a TPMS_ATTEST
}
void BM_RSA2048PSSVerify(benchmark::State &state) {
  rsa_verify(state, 2048, RSA_PKCS1_PSS_PADDING, VOUCH_HASH_SHA256, 145);
}
void BM_RSA4096PSSVerify(benchmark::State &state) {
  rsa_verify(state, 4096, RSA_PKCS1_PSS_PADDING, VOUCH_HASH_SHA384, 1300);  // a VCEK's TBS
}

// Token signatures: vouch_signer_sign over a signing input of a typical
// token's size (header.claims, ~1.4 KB base64url).
void token_sign(benchmark::State &state, vouch_jws_alg alg) {
  vouch_signer *s = nullptr;
  if (vouch_signer_generate(alg, &s) != VOUCH_OK) abort();
  std::vector<uint8_t> msg = message(1400);
  vouch_buf sig = {};
  for (auto _ : state) {
    vouch_buf_reset(&sig);
    if (vouch_signer_sign(s, msg.data(), msg.size(), &sig) != VOUCH_OK) abort();
    benchmark::DoNotOptimize(sig.data);
  }
  vouch_buf_free(&sig);
  vouch_signer_free(s);
  state.SetItemsProcessed(state.iterations());
}

void BM_ES256Sign(benchmark::State &state) {
  token_sign(state, VOUCH_JWS_ES256);
}
void BM_RS256Sign(benchmark::State &state) {
  token_sign(state, VOUCH_JWS_RS256);
}

}  // namespace

BENCHMARK(BM_P256Verify)->Name("Limit/P256Verify");
BENCHMARK(BM_P384Verify)->Name("Limit/P384Verify");
BENCHMARK(BM_RSA2048PKCS1Verify)->Name("Limit/RSA2048PKCS1Verify");
BENCHMARK(BM_RSA2048PSSVerify)->Name("Limit/RSA2048PSSVerify");
BENCHMARK(BM_RSA4096PSSVerify)->Name("Limit/RSA4096PSSVerify");
BENCHMARK(BM_ES256Sign)->Name("Limit/ES256Sign");
BENCHMARK(BM_RS256Sign)->Name("Limit/RS256Sign");
