// bench/micro.cc - Google Benchmark harness for the engine's pieces:
// quote parsing, envelope scanning (vs jansson), cache lookups, P-256
// verification one by one vs grouped by key (and OpenSSL's own rate, the
// limit), and result serialization.  Inputs come from the synthetic
// generator, so no files are needed.
#include <benchmark/benchmark.h>
#include <jansson.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "crypto/crypto.h"
#include "engine/engine.h"
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

}  // namespace

BENCHMARK_MAIN();
