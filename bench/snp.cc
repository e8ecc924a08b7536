// bench/snp.cc - the SEV-SNP cost model: OpenSSL's raw ECDSA P-384/SHA-384
// verify (the one check per SNP report that cannot be shared) next to
// P-256/SHA-256 (the SGX/TDX quote signature), both through the same EVP
// path with the key ready, and a whole vouch_snp_verify of a generated
// report (chain, binding, signature) on the same machine.  Run:
//   build-bench/vouch_bench --benchmark_filter='P384|P256Raw|Snp'
// The SNP throughput bound is the P384 rate (DESIGN.md "Performance").
// Measured here (2 cores at 2.1 GHz, OpenSSL 3.0.22, CPU time per op, a
// loaded machine): P-256 verify 77 us (13.0k/s), P-384 verify 0.997 ms
// (1.00k/s): P-384 is ~13x slower, so one core verifies at most ~1,000
// SNP reports/s; vouch_snp_verify uncached (chain with RSA-2048 test CAs,
// binding, P-384) 1.11 ms = 0.90 of that bound; the report parser 0.7 us.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/snp/snp.h"
}

namespace {

// One key, message and DER signature per curve, made with OpenSSL.
struct Curve {
  EVP_PKEY *key = nullptr;
  unsigned char sig[160];
  size_t sig_len = sizeof(sig);
  unsigned char msg[672];  // the SNP signed region's size
  const EVP_MD *md;

  Curve(const char *curve, const EVP_MD *m) : md(m) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
    std::memset(msg, 0x5A, sizeof(msg));
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (key == nullptr || c == nullptr || EVP_DigestSignInit(c, nullptr, md, nullptr, key) != 1 ||
        EVP_DigestSign(c, sig, &sig_len, msg, sizeof(msg)) != 1) {
      abort();
    }
    EVP_MD_CTX_free(c);
  }
};

Curve &p256() {
  static Curve c("P-256", EVP_sha256());
  return c;
}
Curve &p384() {
  static Curve c("P-384", EVP_sha384());
  return c;
}

void raw_verify(benchmark::State &state, Curve &c) {
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  for (auto _ : state) {
    if (EVP_DigestVerifyInit(m, nullptr, c.md, nullptr, c.key) != 1 ||
        EVP_DigestVerify(m, c.sig, c.sig_len, c.msg, sizeof(c.msg)) != 1) {
      abort();
    }
  }
  EVP_MD_CTX_free(m);
  state.SetItemsProcessed(state.iterations());
}

// OpenSSL's own rates (digest of the 672-byte SNP message included).
void BM_P256RawVerify(benchmark::State &state) {
  raw_verify(state, p256());
}
void BM_P384RawVerify(benchmark::State &state) {
  raw_verify(state, p384());
}
BENCHMARK(BM_P256RawVerify);
BENCHMARK(BM_P384RawVerify);

// A generated SNP hierarchy (RSA-2048 to keep setup short; the chain cost
// is per distinct VCEK once an engine caches it) and one report.
struct SnpFixture {
  vouch_gen_snp_pki *pki = nullptr;
  vouch_gen_snp_key *vcek = nullptr;
  struct vouch_anchors *anchors = nullptr;
  vouch_snp_collateral coll = {};
  std::string report;
  int64_t now = 1748736000;  // 2025-06-01

  SnpFixture() {
    vouch_err err = {};
    vouch_gen_snp_pki_opts po = {};
    po.now = now;
    po.seed = 21;
    po.product = VOUCH_GEN_SNP_GENOA;
    po.rsa_bits = 2048;
    if (vouch_gen_snp_pki_new(&po, &pki, &err) != VOUCH_OK) abort();
    vouch_gen_snp_key_opts ko;
    vouch_gen_snp_key_opts_default(&ko);
    if (vouch_gen_snp_key_new(pki, &ko, &vcek, &err) != VOUCH_OK) abort();
    vouch_gen_snp_report_opts ro;
    vouch_gen_snp_report_opts_default(&ro, vcek);
    vouch_buf b = {}, ark = {};
    if (vouch_gen_snp_report(vcek, &ro, &b) != VOUCH_OK) abort();
    report.assign(b.data, b.len);
    vouch_buf_free(&b);
    const uint8_t *der;
    size_t len;
    if (vouch_gen_snp_key_cert_der(vcek, &der, &len) != VOUCH_OK ||
        vouch_snp_collateral_add(&coll, der, len, &err) != VOUCH_OK ||
        vouch_gen_snp_pki_cert_der(pki, VOUCH_GEN_SNP_ASK, &der, &len) != VOUCH_OK ||
        vouch_snp_collateral_add(&coll, der, len, &err) != VOUCH_OK ||
        vouch_gen_snp_pki_cert_pem(pki, VOUCH_GEN_SNP_ARK, &ark) != VOUCH_OK) {
      abort();
    }
    anchors = vouch_anchors_new();
    if (vouch_anchors_add_pem(anchors, ark.data, ark.len, &err) != VOUCH_OK) abort();
    vouch_buf_free(&ark);
  }
};

SnpFixture &snp() {
  static SnpFixture f;
  return f;
}

// vouch's whole per-report path without caching: parse, extensions, PSS
// chain (VCEK under ASK here, ASK under ARK through OpenSSL), binding, P-384.
void BM_SnpVerifyUncached(benchmark::State &state) {
  SnpFixture &f = snp();
  vouch_result *r = static_cast<vouch_result *>(malloc(sizeof(vouch_result)));
  vouch_snp_opts o = {};
  o.at = f.now;
  o.extra_anchors = f.anchors;
  for (auto _ : state) {
    vouch_snp_verify(reinterpret_cast<const uint8_t *>(f.report.data()), f.report.size(), &f.coll,
                     &o, r);
    if (r->verdict != VOUCH_VERDICT_AFFIRMING) abort();
  }
  free(r);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SnpVerifyUncached);

// Just the report parser.
void BM_SnpReportParse(benchmark::State &state) {
  SnpFixture &f = snp();
  vouch_snp_report rep;
  for (auto _ : state) {
    if (vouch_snp_report_parse(reinterpret_cast<const uint8_t *>(f.report.data()), f.report.size(),
                               &rep, nullptr) != VOUCH_OK) {
      abort();
    }
    benchmark::DoNotOptimize(rep);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SnpReportParse);

}  // namespace
