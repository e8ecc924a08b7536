// bench/micro.cc - Google Benchmark harness for the engine's pieces:
// quote parsing, envelope scanning (vs jansson), cache lookups, P-256
// verification one by one vs grouped by key (and OpenSSL's own rate, the
// limit), result serialization, and token issuance per algorithm next to
// OpenSSL's raw signing rate with the same key.  Inputs come from the
// synthetic generator, so no files are needed.
#include <benchmark/benchmark.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

extern "C" {
#include "crypto/crypto.h"
#include "engine/engine.h"
#include "token/token.h"
#include "tools/gen/gen.h"
#include "verifiers/sgx/sgx.h"
}

namespace {

constexpr int64_t kNow = 1751328000;

// A small generated fleet: quotes, a collateral bundle, the anchor.
struct Fleet {
  vouch_gen_pki *pki = nullptr;
  std::vector<vouch_gen_platform *> platforms;
  std::vector<std::string> quotes;      // raw quotes, round-robin over platforms
  std::vector<std::string> envelopes;   // one NDJSON line per quote (no collateral)
  std::string bundle;                   // collateral of platform 0
  std::string anchor;

  explicit Fleet(int num_platforms, int num_quotes) {
    vouch_err err = {};
    vouch_gen_pki_opts po = {};
    po.now = kNow;
    po.seed = 5;
    if (vouch_gen_pki_new(&po, &pki, &err) != VOUCH_OK) abort();
    for (int p = 0; p < num_platforms; p++) {
      vouch_gen_platform_opts plo;
      vouch_gen_platform_opts_default(&plo);
      vouch_gen_platform *pl;
      if (vouch_gen_platform_new(pki, &plo, &pl, &err) != VOUCH_OK) abort();
      platforms.push_back(pl);
    }
    for (int i = 0; i < num_quotes; i++) {
      vouch_gen_quote_opts q;
      vouch_gen_quote_opts_default(&q);
      std::memcpy(q.report_data, &i, sizeof(i));
      vouch_buf b = {};
      if (vouch_gen_quote(platforms[i % num_platforms], &q, &b) != VOUCH_OK) abort();
      quotes.emplace_back(b.data, b.len);
      vouch_buf env = {};
      vouch_buf_puts(&env, "{\"id\":\"q-");
      vouch_buf_printf(&env, "%d", i);
      vouch_buf_puts(&env, "\",\"type\":\"sgx\",\"evidence\":\"");
      vouch_base64url_encode(&env, reinterpret_cast<const uint8_t *>(b.data), b.len);
      vouch_buf_puts(&env, "\"}");
      envelopes.emplace_back(env.data, env.len);
      vouch_buf_free(&env);
      vouch_buf_free(&b);
    }
    vouch_gen_tcb_info_opts to;
    vouch_gen_tcb_info_opts_default(&to, platforms[0], "UpToDate");
    vouch_gen_tcb_info *ti;
    if (vouch_gen_tcb_info_new(pki, &to, &ti, &err) != VOUCH_OK) abort();
    vouch_gen_qe_identity_opts qo;
    vouch_gen_qe_identity_opts_default(&qo);
    vouch_gen_qe_identity *qe;
    if (vouch_gen_qe_identity_new(pki, &qo, &qe, &err) != VOUCH_OK) abort();
    vouch_buf b = {}, a = {};
    if (vouch_gen_bundle_json(pki, platforms[0], ti, qe, nullptr, &b, &err) != VOUCH_OK) abort();
    if (vouch_gen_pki_root_pem(pki, &a) != VOUCH_OK) abort();
    bundle.assign(b.data, b.len);
    anchor.assign(a.data, a.len);
    vouch_buf_free(&b);
    vouch_buf_free(&a);
    vouch_gen_qe_identity_free(qe);
    vouch_gen_tcb_info_free(ti);
  }
  ~Fleet() {
    for (auto *p : platforms) vouch_gen_platform_free(p);
    vouch_gen_pki_free(pki);
  }
};

Fleet &fleet() {
  static Fleet f(16, 256);
  return f;
}

void BM_QuoteParse(benchmark::State &state) {
  const std::string &q = fleet().quotes[0];
  for (auto _ : state) {
    vouch_quote out;
    benchmark::DoNotOptimize(
        vouch_quote_parse(reinterpret_cast<const uint8_t *>(q.data()), q.size(), &out, nullptr));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QuoteParse);

void BM_EnvelopeScan(benchmark::State &state) {
  const std::string &line = fleet().envelopes[0];
  vouch_envelope env;
  vouch_envelope_init(&env);
  for (auto _ : state) {
    benchmark::DoNotOptimize(vouch_envelope_parse(line.data(), line.size(), &env, nullptr));
  }
  vouch_envelope_cleanup(&env);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}
BENCHMARK(BM_EnvelopeScan);

// What DESIGN.md says the scanner is for: jansson on the same line.
void BM_EnvelopeJansson(benchmark::State &state) {
  const std::string &line = fleet().envelopes[0];
  for (auto _ : state) {
    json_t *root = json_loadb(line.data(), line.size(), 0, nullptr);
    benchmark::DoNotOptimize(root);
    json_decref(root);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}
BENCHMARK(BM_EnvelopeJansson);

void build_blob(void *obj, void *arg) { std::memcpy(obj, arg, 8); }

void BM_CacheLookupHit(benchmark::State &state) {
  struct vouch_cache *c = vouch_cache_new(nullptr);
  std::string key(static_cast<size_t>(state.range(0)), 'k');  // a PEM chain is ~4 KB
  void *obj;
  uint64_t id;
  char arg[8] = {};
  vouch_cache_release(c, vouch_cache_acquire(c, reinterpret_cast<const uint8_t *>(key.data()),
                                             key.size(), 8, build_blob, arg, nullptr, &obj, &id));
  for (auto _ : state) {
    void *h = vouch_cache_acquire(c, reinterpret_cast<const uint8_t *>(key.data()), key.size(), 8,
                                  build_blob, arg, nullptr, &obj, &id);
    vouch_cache_release(c, h);
  }
  vouch_cache_free(c);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheLookupHit)->Arg(160)->Arg(4096);

// P-256: the same (distinct) signatures checked one by one (import the key
// for each) and grouped by key (import once per platform).  Quotes of one
// platform share the attestation key.
struct Sigs {
  std::vector<std::string> xy, digest, sig;
  Sigs() {
    for (const std::string &q : fleet().quotes) {
      vouch_quote p;
      if (vouch_quote_parse(reinterpret_cast<const uint8_t *>(q.data()), q.size(), &p,
                            nullptr) != VOUCH_OK) {
        abort();
      }
      uint8_t d[32];
      vouch_sha256(p.signed_data, p.signed_len, d);
      xy.emplace_back(reinterpret_cast<const char *>(p.att_key), 64);
      digest.emplace_back(reinterpret_cast<const char *>(d), 32);
      sig.emplace_back(reinterpret_cast<const char *>(p.signature), 64);
    }
  }
};

Sigs &sigs() {
  static Sigs s;
  return s;
}

void BM_P256VerifyOneByOne(benchmark::State &state) {
  Sigs &s = sigs();
  size_t i = 0;
  for (auto _ : state) {
    struct vouch_pubkey *k;
    if (vouch_pubkey_from_p256_xy(reinterpret_cast<const uint8_t *>(s.xy[i].data()), &k) !=
        VOUCH_OK) {
      abort();
    }
    benchmark::DoNotOptimize(vouch_ecdsa_verify_rs_digest(
        k, reinterpret_cast<const uint8_t *>(s.digest[i].data()), 32,
        reinterpret_cast<const uint8_t *>(s.sig[i].data()), 64));
    vouch_pubkey_free(k);
    i = (i + 1) % s.sig.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_P256VerifyOneByOne);

void BM_P256VerifyGroupedByKey(benchmark::State &state) {
  Sigs &s = sigs();
  size_t platforms = fleet().platforms.size();
  for (auto _ : state) {
    // One pass: for each platform, import once, verify its quotes.
    for (size_t p = 0; p < platforms; p++) {
      struct vouch_pubkey *k;
      if (vouch_pubkey_from_p256_xy(reinterpret_cast<const uint8_t *>(s.xy[p].data()), &k) !=
          VOUCH_OK) {
        abort();
      }
      for (size_t i = p; i < s.sig.size(); i += platforms) {
        benchmark::DoNotOptimize(vouch_ecdsa_verify_rs_digest(
            k, reinterpret_cast<const uint8_t *>(s.digest[i].data()), 32,
            reinterpret_cast<const uint8_t *>(s.sig[i].data()), 64));
      }
      vouch_pubkey_free(k);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.sig.size()));
}
BENCHMARK(BM_P256VerifyGroupedByKey);

// The limit: OpenSSL's P-256 verify with the key ready, through the same
// EVP path vouch uses.
void BM_P256VerifyKeyReady(benchmark::State &state) {
  Sigs &s = sigs();
  struct vouch_pubkey *k;
  if (vouch_pubkey_from_p256_xy(reinterpret_cast<const uint8_t *>(s.xy[0].data()), &k) !=
      VOUCH_OK) {
    abort();
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(vouch_ecdsa_verify_rs_digest(
        k, reinterpret_cast<const uint8_t *>(s.digest[0].data()), 32,
        reinterpret_cast<const uint8_t *>(s.sig[0].data()), 64));
  }
  vouch_pubkey_free(k);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_P256VerifyKeyReady);

void BM_ResultSerialize(benchmark::State &state) {
  Fleet &f = fleet();
  vouch_err err = {};
  struct vouch_anchors *anchors = vouch_anchors_new();
  if (vouch_anchors_add_pem(anchors, f.anchor.data(), f.anchor.size(), &err) != VOUCH_OK) abort();
  vouch_dcap_collateral coll;
  if (vouch_dcap_collateral_from_json(f.bundle.data(), f.bundle.size(), &coll, &err) != VOUCH_OK) {
    abort();
  }
  vouch_sgx_opts o = {};
  o.dcap.at = kNow;
  o.dcap.anchors = anchors;
  auto *r = static_cast<vouch_result *>(malloc(sizeof(vouch_result)));
  vouch_sgx_verify(reinterpret_cast<const uint8_t *>(f.quotes[0].data()), f.quotes[0].size(), &coll,
                   nullptr, &o, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) abort();
  vouch_buf b = {};
  for (auto _ : state) {
    vouch_buf_reset(&b);
    vouch_json j;
    vouch_json_init(&j, &b);
    vouch_result_write_json(r, "q-1", 3, &j);
    benchmark::DoNotOptimize(b.data);
  }
  state.SetItemsProcessed(state.iterations());
  vouch_buf_free(&b);
  free(r);
  vouch_dcap_collateral_cleanup(&coll);
  vouch_anchors_free(anchors);
}
BENCHMARK(BM_ResultSerialize);

// ---- tokens ------------------------------------------------------------------
// Issuance cost per algorithm: vouch_token_sign (precomputed header,
// base64url of the claims, the signature, its JOSE encoding) against
// OpenSSL signing the same bytes with the same key through
// EVP_DigestSignInit + EVP_DigestSign (what a straightforward issuer does
// per token).  The difference is what building the token costs.

// A realistic SGX claims set (~1 KB), shaped like the real service's.
const std::string &token_claims() {
  static const std::string c =
      "{\"exp\":1795869200,\"iat\":1795840400,\"is-debuggable\":false,"
      "\"iss\":\"https://attest.example.test\","
      "\"jti\":\"4f2c1e0a9b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e\","
      "\"nbf\":1795840400,\"product-id\":1,"
      "\"sgx-mrenclave\":\"3a5e4f9b6c4c1e2d8f0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e\","
      "\"sgx-mrsigner\":\"83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e\","
      "\"svn\":3,\"tee\":\"sgx\",\"x-ms-attestation-type\":\"sgx\","
      "\"x-ms-policy-hash\":\"wm9mHlvTU82e8UqoOy1Yj1FBRSNkfe99-69IYDq9eWs\","
      "\"x-ms-runtime\":{\"keys\":[{\"e\":\"AQAB\",\"kid\":\"TpmEphemeralEncryptionKey\","
      "\"kty\":\"RSA\",\"n\":\"qRiQzNWj0k5bPgm4Cr1yu5QVOXXq1A2yQvK2W-uhzLmXFVd8KvbtU7nnVPYpxxkj_ZGw"
      "jZkLJKSaomJfa6XZK1g5qAAo0bwXPdW_MTmT-vp0F5cqMX9F5m0C8gwrYQ6TMBdsfs4Hzg\"}]},"
      "\"x-ms-sgx-collateral\":{\"qeidcertshash\":\"a0ae3a3b5d1c7b39cd1dcd3c4e3a13b6e2d9c10c9b7d3c"
      "5d6a5f0de7a2b3c4d5\",\"qeidcrlhash\":\"b1bf4b4c6e2d8c4ade2ede4d5f4b24c7f3eab21dac8e4d6e"
      "7b6a1ef8b3c4d5e6\",\"tcbinfocertshash\":\"c2c05c5d7f3e9d5bef3fef5e6a5c35d8a4fbc32ebd9f5e7f8c"
      "7b2fa9c4d5e6f7\"},"
      "\"x-ms-sgx-is-debuggable\":false,"
      "\"x-ms-sgx-mrenclave\":\"3a5e4f9b6c4c1e2d8f0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e\","
      "\"x-ms-sgx-mrsigner\":\"83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e\","
      "\"x-ms-sgx-product-id\":1,"
      "\"x-ms-sgx-report-data\":\"4d6f6e74696e67206120706f6c69637920697320612062696e64696e67206f66"
      "000000000000000000000000000000000000000000000000000000000000000000\","
      "\"x-ms-sgx-svn\":3,\"x-ms-ver\":\"1.0\"}";
  return c;
}

// One key store in a scratch directory with a key for every alg, and each
// key also as a plain EVP_PKEY for the raw runs.
struct TokenKeys {
  std::string dir;
  vouch_keystore *ks = nullptr;
  EVP_PKEY *pkey[VOUCH_JWS_ALG_COUNT] = {};
  std::string signing_input[VOUCH_JWS_ALG_COUNT];  // header_b64 "." payload_b64

  TokenKeys() {
    char tmpl[] = "/tmp/vouch-bench-keys-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) abort();
    dir = tmpl;
    static const vouch_jws_alg kAll[] = {VOUCH_JWS_RS256, VOUCH_JWS_PS256, VOUCH_JWS_ES256,
                                         VOUCH_JWS_ES384, VOUCH_JWS_EDDSA};
    vouch_keystore_opts o = {};
    o.public_url = "https://attest.example.test";
    o.ensure_algs = kAll;
    o.num_ensure_algs = 5;
    vouch_err err = {};
    if (vouch_keystore_open(dir.c_str(), &o, &ks, &err) != VOUCH_OK) abort();
    for (vouch_jws_alg a : kAll) {
      const vouch_signer *s = nullptr;
      if (vouch_keystore_signer(ks, a, &s, nullptr, nullptr, &err) != VOUCH_OK) abort();
      vouch_buf pem = {};
      if (vouch_signer_to_pem(s, &pem) != VOUCH_OK) abort();
      BIO *bio = BIO_new_mem_buf(pem.data, static_cast<int>(pem.len));
      pkey[a] = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      vouch_buf_free(&pem);
      if (pkey[a] == nullptr) abort();
      vouch_buf tok = {};
      const std::string &c = token_claims();
      if (vouch_token_sign(ks, a, reinterpret_cast<const uint8_t *>(c.data()), c.size(), &tok,
                           &err) != VOUCH_OK) {
        abort();
      }
      std::string t(tok.data, tok.len);
      signing_input[a] = t.substr(0, t.rfind('.'));
      vouch_buf_free(&tok);
    }
  }
  ~TokenKeys() {
    for (EVP_PKEY *k : pkey) EVP_PKEY_free(k);
    vouch_keystore_close(ks);
    std::filesystem::remove_all(dir);
  }
};

TokenKeys &token_keys() {
  static TokenKeys k;
  return k;
}

// Args: the alg.  Labels name it.
void token_args(benchmark::internal::Benchmark *b) {
  for (int a : {VOUCH_JWS_RS256, VOUCH_JWS_PS256, VOUCH_JWS_ES256, VOUCH_JWS_ES384,
                VOUCH_JWS_EDDSA}) {
    b->Arg(a);
  }
}

// OpenSSL alone: init with the key, sign the same signing input (DER
// ECDSA, no JOSE conversion, no base64url).
void BM_TokenRawOpenSSLSign(benchmark::State &state) {
  auto alg = static_cast<vouch_jws_alg>(state.range(0));
  TokenKeys &k = token_keys();
  const std::string &msg = k.signing_input[alg];
  const char *md = alg == VOUCH_JWS_EDDSA ? nullptr : alg == VOUCH_JWS_ES384 ? "SHA384" : "SHA256";
  unsigned char sig[1024];
  for (auto _ : state) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *p = nullptr;
    if (EVP_DigestSignInit_ex(m, &p, md, nullptr, nullptr, k.pkey[alg], nullptr) != 1) abort();
    if (alg == VOUCH_JWS_PS256) {
      EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(p, 32);
    }
    size_t n = sizeof(sig);
    if (EVP_DigestSign(m, sig, &n, reinterpret_cast<const unsigned char *>(msg.data()),
                       msg.size()) != 1) {
      abort();
    }
    benchmark::DoNotOptimize(sig);
    EVP_MD_CTX_free(m);
  }
  state.SetLabel(vouch_jws_alg_name(alg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenRawOpenSSLSign)->Apply(token_args);

// The whole token: header (precomputed), base64url of ~1 KB of claims,
// signature, r||s, base64url of it.
void BM_TokenSign(benchmark::State &state) {
  auto alg = static_cast<vouch_jws_alg>(state.range(0));
  TokenKeys &k = token_keys();
  const std::string &c = token_claims();
  vouch_buf b = {};
  for (auto _ : state) {
    vouch_buf_reset(&b);
    if (vouch_token_sign(k.ks, alg, reinterpret_cast<const uint8_t *>(c.data()), c.size(), &b,
                         nullptr) != VOUCH_OK) {
      abort();
    }
    benchmark::DoNotOptimize(b.data);
  }
  vouch_buf_free(&b);
  state.SetLabel(vouch_jws_alg_name(alg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenSign)->Apply(token_args);
// Two threads on one key store and one ES256 signer (the server's case).
BENCHMARK(BM_TokenSign)->Arg(VOUCH_JWS_ES256)->Threads(2)->UseRealTime();

// What the token adds around the signature: the header copy and the
// base64url of the claims (and of a 64-byte signature).
void BM_TokenEncodeOnly(benchmark::State &state) {
  TokenKeys &k = token_keys();
  const std::string &c = token_claims();
  const std::string &si = k.signing_input[VOUCH_JWS_ES256];
  std::string header = si.substr(0, si.find('.'));
  uint8_t sig[64] = {1};
  vouch_buf b = {};
  for (auto _ : state) {
    vouch_buf_reset(&b);
    vouch_buf_append(&b, header.data(), header.size());
    vouch_buf_putc(&b, '.');
    vouch_base64url_encode(&b, reinterpret_cast<const uint8_t *>(c.data()), c.size());
    vouch_buf_putc(&b, '.');
    vouch_base64url_encode(&b, sig, sizeof(sig));
    benchmark::DoNotOptimize(b.data);
  }
  vouch_buf_free(&b);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(c.size()));
}
BENCHMARK(BM_TokenEncodeOnly);

// The relying party's side, for scale: parse + check one ES256 token
// against a parsed JWKS.
void BM_TokenVerifyES256(benchmark::State &state) {
  TokenKeys &k = token_keys();
  const std::string &c = token_claims();
  vouch_buf tok = {}, jwks = {};
  if (vouch_token_sign(k.ks, VOUCH_JWS_ES256, reinterpret_cast<const uint8_t *>(c.data()),
                       c.size(), &tok, nullptr) != VOUCH_OK ||
      vouch_keystore_jwks(k.ks, &jwks) != VOUCH_OK) {
    abort();
  }
  vouch_jwks *parsed = nullptr;
  if (vouch_jwks_parse(jwks.data, jwks.len, &parsed, nullptr) != VOUCH_OK) abort();
  vouch_token_verify_opts o;
  vouch_token_verify_opts_default(&o);
  o.jwks = parsed;
  o.now = 1795840400;
  for (auto _ : state) {
    if (vouch_token_verify(tok.data, tok.len, &o, nullptr, nullptr) != VOUCH_OK) abort();
  }
  vouch_jwks_free(parsed);
  vouch_buf_free(&tok);
  vouch_buf_free(&jwks);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenVerifyES256);

}  // namespace

BENCHMARK_MAIN();
