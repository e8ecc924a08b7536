/* tools/vouch.c - the vouch command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef VOUCH_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/vouch.h"
#include "policy/policy.h"
#include "token/token.h"
#include "verifiers/snp/snp.h"
#include "tools/commands.h"

/* Exit codes (documented in --help). */
enum {
  EXIT_ALL_OK = 0,           /* every item affirming or warning (and permitted) */
  EXIT_CONTRAINDICATED = 1,  /* at least one item contraindicated or denied, none error */
  EXIT_ITEM_ERROR = 2,       /* at least one item (or its policy) could not be evaluated */
  EXIT_USAGE = 3,            /* bad command line */
  EXIT_SETUP = 4,            /* cannot read inputs, trust anchors or collateral; I/O error */
};

static const char kMainHelp[] =
    "vouch " VOUCH_VERSION " - attestation evidence verifier: Intel SGX and TDX quotes, AMD\n"
    "SEV-SNP reports (and Azure's HCL report), TPM 2.0 quotes with event logs\n"
    "\n"
    "usage: vouch <command> [options]\n"
    "\n"
    "commands:\n"
    "  verify       verify evidence: one quote, or NDJSON envelopes in bulk\n"
    "  serve        the Azure Attestation-compatible HTTP API (attest, certs, policies)\n"
    "  collateral   manage a collateral directory (collateral import FILE...)\n"
    "  envelope     wrap a quote file (and optional collateral) into an NDJSON envelope\n"
    "  gen          synthetic evidence and collateral from a test PKI (gen sgx|tdx ...)\n"
    "  token        attestation tokens: signing keys, JWKS, rotation, sign, verify\n"
    "  policy       attestation policies: check, compile, sign (Azure Attestation's language)\n"
    "  loadgen      open-loop load against a server (attest) or a relying party (tokens)\n"
    "  version      print the version\n"
    "\n"
    "Run 'vouch <command> --help' for the options of a command.\n";

static const char kVerifyHelp[] =
    "usage: vouch verify [options] [FILE.ndjson ... | -]\n"
    "       vouch verify --type sgx|tdx|snp|snp-azure|tpm --evidence FILE [options]\n"
    "\n"
    "Bulk mode reads evidence envelopes, one JSON object per line:\n"
    "  {\"id\": \"q-1\", \"type\": \"sgx\", \"evidence\": \"<base64url quote>\",\n"
    "   \"at\": \"2025-07-19T10:01:17Z\", \"runtime_data\": {\"data\": \"<b64url>\", \"data_type\": \"binary\"},\n"
    "   \"collateral\": { collateral.json shape, optional }}\n"
    "(\"init_data\", the same shape as runtime_data, is init-time data: SHA-256 of it must be\n"
    "CONFIGID[0:32] for SGX, HOST_DATA for SEV-SNP.)\n"
    "and writes one result line per input line (errors included) to stdout or --output.\n"
    "With no FILE, or FILE '-', it reads standard input.  Items are verified in batches on\n"
    "a pool of threads; collateral is parsed and checked once per distinct blob and\n"
    "signature checks shared by quotes (a platform's QE report) are done once.  The summary\n"
    "on stderr gives counts by status, throughput, signature checks done vs saved, cache hit\n"
    "rates and peak memory.  Single mode (--evidence) verifies one raw quote file and prints\n"
    "one JSON result.\n"
    "\n"
    "options:\n"
    "  --type TYPE                evidence type for --evidence: sgx, tdx (Intel DCAP quotes),\n"
    "                             snp (an AMD SEV-SNP report), snp-azure (Azure's HCL report),\n"
    "                             tpm (a JSON object: quote, signature, ak_pub|ak_pem|ak_jwk|\n"
    "                             ak_cert, ek_pub, pcrs|pcr_values, selection, event_log, nonce)\n"
    "  --evidence FILE            a raw quote (binary, or base64 text); for tpm the evidence\n"
    "                             JSON object, or the TPMS_ATTEST (tpm2_quote -m) with:\n"
    "  --signature F --ak F [--ek F] [--pcrs F] [--selection SEL] [--nonce HEX] [--eventlog F]\n"
    "                             TPM files as tpm2-tools writes them: the signature (-s), the\n"
    "                             AK (PEM or TPM2B_PUBLIC), its parent EK (TPM2B_PUBLIC: then\n"
    "                             the qualified signer is checked), PCR values (-o), the\n"
    "                             selection (sha256:0,1,7), the expected nonce, a TCG log\n"
    "  --vtpm-quote F --signature F [--pcrs F] [--nonce HEX]\n"
    "                             snp-azure: the vTPM quote (TPMS_ATTEST) of the CVM, its\n"
    "                             signature (bare RSASSA as the vTPM returns it, or\n"
    "                             TPMT_SIGNATURE), the quoted PCRs' values and the expected\n"
    "                             extraData; verified with the HCLAkPub key the HCL report\n"
    "                             binds.  In envelopes: \"evidence\": {\"hcl_report\": B64,\n"
    "                             \"vtpm_quote\": B64, \"vtpm_signature\": B64, \"vtpm_pcrs\": B64,\n"
    "                             \"vtpm_nonce\": \"hex\"}\n"
    "  --collateral FILE|DIR      collateral.json bundle, or a collateral directory\n"
    "                             (see 'vouch collateral --help'); repeatable (bundles are\n"
    "                             merged); inline collateral in an envelope takes precedence.\n"
    "                             SEV-SNP (--type snp): the VCEK/VLEK, and optionally ASK/ARK\n"
    "                             and CRLs, PEM or DER (the AMD ARKs are built in and\n"
    "                             pinned); or a collateral directory, whose amd/ part gives\n"
    "                             each report the VCEK of its chip and reported TCB (and VLEKs\n"
    "                             by TCB), bulk or single; envelopes may carry them inline:\n"
    "                             \"collateral\": {\"vcek\": \"<base64 DER or PEM>\", ...}\n"
    "  --trust-anchor PEM         trust this root too (repeatable); the Intel SGX Root CA\n"
    "                             is built in and pinned by its SHA-256 fingerprint\n"
    "  --at TIME                  verify as of TIME (RFC 3339 or Unix seconds); default now.\n"
    "                             An envelope's \"at\" overrides it for that item\n"
    "  --policy FILE              appraise each verified item with an attestation policy\n"
    "                             (Azure Attestation's claim rules, 1.0-1.2; see 'vouch policy\n"
    "                             --help'): results get \"policy\": permit|deny|error, a\n"
    "                             \"policy_detail\" saying why not permit, and the claims the\n"
    "                             issuance rules issued inside \"claims\".  FILE may be a\n"
    "                             policy JWS (see 'vouch policy sign')\n"
    "  --policy-signer PEM        trust this policy signer certificate for a signed --policy\n"
    "  --token                    attach a signed token to each result (\"token\"): Azure\n"
    "                             Attestation's JWT for evidence that verified affirming or\n"
    "                             warning and that the policy permitted (the default SGX\n"
    "                             policy when no --policy is given), null otherwise\n"
    "  --format jwt|ear           the token: jwt (default) or an IETF EAR, which every\n"
    "                             evaluated item gets, its ear.status saying how it went\n"
    "  --token-alg ALG            RS256 (default, as Azure), PS256, ES256 (11x faster to\n"
    "                             sign here), ES384, EdDSA\n"
    "  --state-dir DIR            signing keys (made on first use, 0600; default\n"
    "                             $VOUCH_STATE_DIR, $XDG_DATA_HOME/vouch or\n"
    "                             ~/.local/share/vouch); 'vouch token jwks' publishes them\n"
    "  --public-url URL           the tokens' iss and jku (URL/certs)\n"
    "  --signing-key PEM          sign with this key instead (--signing-cert PEM: its\n"
    "                             certificate; else a self-signed one is made)\n"
    "  --token-lifetime SECONDS   exp - iat (default 28800, 8 hours, as Azure)\n"
    "  --allow-expired-collateral keep the verdict when collateral expired (Intel QVL\n"
    "                             behaviour); the result says so in dcap_collateral_expired\n"
    "  --output FILE, -o FILE     write results to FILE instead of stdout\n"
    "  --jobs N                   worker threads (default: online cores)\n"
    "  --batch N                  items per batch (default 64)\n"
    "  --ordered                  results in input order (default: as they complete)\n"
    "  --shard K/N                process only shard K of N (0 <= K < N): items whose id hashes\n"
    "                             to K, lines without a readable id by line number; run N jobs\n"
    "                             with K = 0..N-1 to spread a bulk job over machines\n"
    "  --resume                   with --ordered --output FILE: continue an interrupted run after\n"
    "                             the last complete line of FILE (a partial line is truncated)\n"
    "  --cache-mb N               memory budget of the collateral and signature cache, in MiB\n"
    "                             (default 128; estimated).  Each platform (PCK chain, its\n"
    "                             trust verdict, its QE report) takes ~18 KB: a corpus from\n"
    "                             more than ~7,000 platforms with their quotes spread over the\n"
    "                             input needs more, or evicted platforms are verified again\n"
    "  --no-cache                 no collateral cache and no signature dedupe (for comparison)\n"
    "  --no-sig-cache             keep the collateral cache but check every signature on its\n"
    "                             own, the shared ones (a platform's QE report) included (for\n"
    "                             comparison with verifiers that cache nothing)\n"
    "  --max-line BYTES           longest accepted input line (default 1048576)\n"
    "  --progress / --no-progress progress line on stderr (default: when stderr is a terminal)\n"
    "  --stats                    add the allocator's statistics to the summary\n"
    "  --no-io-uring              plain reads and writes even where io_uring works\n"
    "  --quiet, -q                no summary on stderr\n"
    "  --help, -h                 this help\n"
    "\n"
    "status per item: affirming (UpToDate) | warning (needs configuration or SW hardening,\n"
    "or a debug enclave) | contraindicated (out of date, revoked, TCB not supported, any\n"
    "failed check) | error (could not be evaluated: bad input, missing or expired collateral)\n"
    "\n"
    "exit codes:\n"
    "  0  every item affirming or warning (and, with --policy, permitted)\n"
    "  1  at least one item contraindicated or denied by the policy (and none error)\n"
    "  2  at least one item could not be evaluated (status error, or policy error)\n"
    "  3  bad command line\n"
    "  4  cannot read inputs, trust anchors, collateral or the policy, or cannot write\n"
    "     results\n";

static const char kCollateralHelp[] =
    "usage: vouch collateral import --out DIR FILE...\n"
    "\n"
    "Files collateral into the collateral directory DIR, which 'vouch verify --collateral DIR'\n"
    "reads.  Each FILE may be: a collateral.json bundle (the vectors' shape), an Intel PCS/PCCS\n"
    "TCB Info or QE Identity response body ({\"tcbInfo\":...,\"signature\":...}), a CRL (DER,\n"
    "PEM or hex), or a PEM issuer chain; AMD's: a VCEK or VLEK (DER or PEM, as AMD's KDS serves\n"
    "them), the ASK/ASVK/ARK chain (PEM), an ARK's CRL, or an extended report's certificate\n"
    "table.  Layout:\n"
    "  intel/sgx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json\n"
    "  intel/tdx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json\n"
    "  intel/qe/<n>.json   intel/td_qe/<n>.json\n"
    "  intel/crl/{root,processor,platform}/<thisUpdate>.der\n"
    "  intel/chains/<hash>.pem\n"
    "  amd/<Milan|Genoa|Turin>/vcek/<hwID hex>/<reported TCB, 16 hex digits>.der   VCEKs\n"
    "  amd/<product>/vlek/<SHA-256 of the key's SPKI DER, hex>.der               VLEKs\n"
    "  amd/<product>/{ark,ask,asvk}.pem   amd/<product>/crl-<thisUpdate>.der\n"
    "  (any other <name>.pem / <name>.der there is read as CAs / CRLs too)\n"
    "At verification instant T, the newest version of each item valid at T is used.  A VCEK\n"
    "is served only for exactly its chip and TCB, and a misnamed file is refused at open.\n";

static const char kEnvelopeHelp[] =
    "usage: vouch envelope --type sgx --evidence QUOTE [--collateral FILE] [--id ID] [--at TIME]\n"
    "\n"
    "Prints one NDJSON evidence envelope for 'vouch verify': the quote base64url-encoded,\n"
    "the collateral.json bundle inlined when given.\n";

static void usage_error(const char *cmd, const char *msg) {
  fprintf(stderr, "vouch %s: %s\nRun 'vouch %s --help' for usage.\n", cmd, msg, cmd);
}

/* read_evidence_file reads a quote: raw bytes, or base64/base64url text. */
static vouch_status read_evidence_file(const char *path, uint8_t **out, size_t *out_len,
                                       vouch_err *err) {
  uint8_t *data;
  size_t len = 0;
  VOUCH_GUARD(vouch_read_file(path, VOUCH_LIMIT_EVIDENCE * 2, &data, &len, err));
  size_t n = len;
  while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' ')) n--;
  size_t cap = vouch_base64_decoded_max(n);
  uint8_t *dec = malloc(cap + 1);
  size_t dec_len;
  if (dec != NULL && n > 0 &&
      vouch_base64_decode((const char *)data, n, dec, cap, &dec_len) == VOUCH_OK) {
    free(data);
    *out = dec;
    *out_len = dec_len;
    return VOUCH_OK;
  }
  free(dec);
  *out = data;
  *out_len = len;
  return VOUCH_OK;
}

static int exit_for(const uint64_t by_verdict[4], const uint64_t by_policy[4]) {
  if (by_verdict[VOUCH_VERDICT_ERROR] > 0 || by_policy[VOUCH_APPRAISAL_ERROR] > 0)
    return EXIT_ITEM_ERROR;
  if (by_verdict[VOUCH_VERDICT_CONTRAINDICATED] > 0 || by_policy[VOUCH_APPRAISAL_DENY] > 0)
    return EXIT_CONTRAINDICATED;
  return EXIT_ALL_OK;
}

static void print_summary(const vouch_engine_stats *st, bool detailed, bool show_policy) {
  double rate = st->seconds > 0 ? (double)st->items / st->seconds : 0.0;
  fprintf(stderr,
          "vouch: %llu items in %.2f s (%.0f items/s): affirming %llu, warning %llu, "
          "contraindicated %llu, error %llu\n",
          (unsigned long long)st->items, st->seconds, rate,
          (unsigned long long)st->by_verdict[0], (unsigned long long)st->by_verdict[1],
          (unsigned long long)st->by_verdict[2], (unsigned long long)st->by_verdict[3]);
  if (st->by_policy[1] + st->by_policy[2] + st->by_policy[3] > 0 || show_policy) {
    fprintf(stderr,
            "vouch: policy: permit %llu, deny %llu, error %llu, not evaluated %llu (evidence "
            "that did not verify)\n",
            (unsigned long long)st->by_policy[VOUCH_APPRAISAL_PERMIT],
            (unsigned long long)st->by_policy[VOUCH_APPRAISAL_DENY],
            (unsigned long long)st->by_policy[VOUCH_APPRAISAL_ERROR],
            (unsigned long long)st->by_policy[VOUCH_APPRAISAL_NOT_RUN]);
  }
  uint64_t saved = st->sig_requested - st->sig_checked;
  fprintf(stderr,
          "vouch: signature checks: %llu needed, %llu computed, %llu saved (%llu cached, %llu "
          "shared in a batch)\n",
          (unsigned long long)st->sig_requested, (unsigned long long)st->sig_checked,
          (unsigned long long)saved, (unsigned long long)st->sig_cache_hits,
          (unsigned long long)st->sig_batch_dups);
  uint64_t lookups = st->cache_hits + st->cache_misses;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  fprintf(stderr,
          "vouch: cache: %llu lookups, %.1f%% hits, %llu entries (~%.1f MiB), %llu evictions; "
          "peak memory %.1f MiB%s\n",
          (unsigned long long)lookups, lookups ? 100.0 * (double)st->cache_hits / (double)lookups : 0.0,
          (unsigned long long)st->cache_entries, (double)st->cache_bytes / 1048576.0,
          (unsigned long long)st->cache_evictions, (double)ru.ru_maxrss / 1024.0,
          st->used_io_uring ? "; io_uring" : "; plain I/O");
  /* Evicting what is never needed again is harmless (sorted input); what
   * costs is an entry built again after it was evicted: a platform parsed
   * and verified twice.  Said when that is 1% of lookups or more. */
  if (st->cache_rebuilt > 0 && st->cache_rebuilt * 100 >= lookups) {
    fprintf(stderr,
            "vouch: about %llu cache entries were built again after the cache had evicted them "
            "to stay within its %.0f MiB budget (collateral and platforms verified twice): "
            "--cache-mb N raises it\n",
            (unsigned long long)st->cache_rebuilt, (double)st->cache_budget / 1048576.0);
  }
  if (st->skipped_shard > 0) {
    fprintf(stderr, "vouch: %llu of %llu input items belong to other shards\n",
            (unsigned long long)st->skipped_shard, (unsigned long long)st->lines_in);
  }
  if (detailed) {
#ifdef VOUCH_HAVE_JEMALLOC
    fprintf(stderr, "vouch: allocator statistics (jemalloc):\n");
    malloc_stats_print(NULL, NULL, "gblxe");
#else
    fprintf(stderr, "vouch: --stats: this build does not use jemalloc (sanitizer build)\n");
#endif
  }
}

/* prepare_resume truncates |path| after its last complete line and
 * returns how many complete lines it holds (the items already done). */
static bool prepare_resume(const char *path, uint64_t *out_lines) {
  FILE *f = fopen(path, "rb");
  *out_lines = 0;
  if (f == NULL) return errno == ENOENT; /* nothing done yet */
  uint64_t lines = 0;
  long long last_nl = -1, pos = 0;
  int ch;
  while ((ch = getc(f)) != EOF) {
    if (ch == '\n') {
      lines++;
      last_nl = pos;
    }
    pos++;
  }
  fclose(f);
  if (truncate(path, (off_t)(last_nl + 1)) != 0) return false;
  *out_lines = lines;
  return true;
}

bool vouch_parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out) {
  if (s == NULL || *s < '0' || *s > '9') return false; /* no sign, no blanks */
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

/* The TPM evidence as separate files, as tpm2-tools writes them. */
typedef struct {
  const char *signature, *ak, *ek, *pcrs, *selection, *nonce, *eventlog;
  const char *vtpm_quote; /* snp-azure: the vTPM quote (with signature, pcrs, nonce) */
} tpm_file_args;

/* put_b64url writes the member |key|: |data| in base64url. */
static void put_b64url(vouch_json *j, const char *key, const uint8_t *data, size_t n) {
  vouch_json_key(j, key);
  vouch_json_string_b64url(j, data, n);
}

/* finish_object hands over the JSON text built in |b| when |s| and the
 * builder are fine, else frees it. */
static vouch_status finish_object(vouch_buf *b, vouch_status s, uint8_t **out, size_t *out_len) {
  if (s == VOUCH_OK && vouch_buf_status(b) != VOUCH_OK) s = VOUCH_E_NOMEM;
  if (s != VOUCH_OK) {
    vouch_buf_free(b);
    return s;
  }
  *out = (uint8_t *)b->data;
  *out_len = b->len;
  return VOUCH_OK;
}

/* azure_evidence_from_files builds the snp-azure evidence object
 * ({"hcl_report", "vtpm_quote", "vtpm_signature", "vtpm_pcrs",
 * "vtpm_nonce"}) from --evidence hcl-report.bin and the vTPM files. */
static vouch_status azure_evidence_from_files(const char *hcl_path, const tpm_file_args *f,
                                              uint8_t **out, size_t *out_len, vouch_err *err) {
  if (f->signature == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "--vtpm-quote needs --signature (the quote's signature)");
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  const struct {
    const char *key, *path;
  } files[] = {{"hcl_report", hcl_path},
               {"vtpm_quote", f->vtpm_quote},
               {"vtpm_signature", f->signature},
               {"vtpm_pcrs", f->pcrs}};
  vouch_status s = VOUCH_OK;
  for (size_t i = 0; i < sizeof files / sizeof files[0] && s == VOUCH_OK; i++) {
    if (files[i].path == NULL) continue;
    uint8_t *data = NULL;
    size_t n = 0;
    /* The HCL report may be base64 text, as --evidence always may. */
    s = i == 0 ? read_evidence_file(files[i].path, &data, &n, err)
               : vouch_read_file(files[i].path, VOUCH_LIMIT_LINE, &data, &n, err);
    if (s != VOUCH_OK) {
      vouch_err_prefix(err, "%s: ", files[i].path);
      break;
    }
    put_b64url(&j, files[i].key, data, n);
    free(data);
  }
  if (f->nonce) {
    vouch_json_key(&j, "vtpm_nonce");
    vouch_json_string(&j, f->nonce);
  }
  vouch_json_end_object(&j);
  return finish_object(&b, s, out, out_len);
}

/* tpm_evidence_from_files builds the TPM evidence object (see --help) from
 * --evidence quote.msg and the other files; the verifier checks them all. */
static vouch_status tpm_evidence_from_files(const char *quote_path, const tpm_file_args *f,
                                            uint8_t **out, size_t *out_len, vouch_err *err) {
  if (f->ak == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "--type tpm with --signature needs --ak (PEM or TPM2B)");
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  struct {
    const char *key, *path;
  } files[] = {{"quote", quote_path},   {"signature", f->signature}, {"ak", f->ak},
               {"ek_pub", f->ek},       {"pcr_values", f->pcrs},     {"event_log", f->eventlog}};
  vouch_status s = VOUCH_OK;
  for (size_t i = 0; i < sizeof files / sizeof files[0] && s == VOUCH_OK; i++) {
    if (files[i].path == NULL) continue;
    uint8_t *data = NULL;
    size_t n = 0;
    s = vouch_read_file(files[i].path, VOUCH_LIMIT_LINE, &data, &n, err);
    if (s != VOUCH_OK) break;
    if (strcmp(files[i].key, "ak") == 0 && n >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
      vouch_json_key(&j, "ak_pem"); /* a PEM public key, else a TPM2B_PUBLIC */
      vouch_json_string_len(&j, (const char *)data, n);
    } else {
      put_b64url(&j, strcmp(files[i].key, "ak") == 0 ? "ak_pub" : files[i].key, data, n);
    }
    free(data);
  }
  if (f->selection) {
    vouch_json_key(&j, "selection");
    vouch_json_string(&j, f->selection);
  }
  if (f->nonce) {
    vouch_json_key(&j, "nonce");
    vouch_json_string(&j, f->nonce);
  }
  vouch_json_end_object(&j);
  return finish_object(&b, s, out, out_len);
}

static int cmd_verify(int argc, char **argv) {
  enum { O_TYPE = 256, O_EVIDENCE, O_COLLATERAL, O_ANCHOR, O_AT, O_ALLOW_EXPIRED, O_MAX_LINE,
         O_PROGRESS, O_NO_PROGRESS, O_JOBS, O_BATCH, O_ORDERED, O_NO_CACHE, O_NO_SIG_CACHE, O_CACHE_MB, O_SHARD, O_RESUME,
         O_STATS, O_NO_URING, O_POLICY, O_POLICY_SIGNER, O_TOKEN, O_TOKEN_ALG, O_TOKEN_FORMAT,
         O_STATE_DIR, O_PUBLIC_URL, O_SIGNING_KEY, O_SIGNING_CERT, O_TOKEN_LIFETIME,
         O_TPM_SIG, O_TPM_AK, O_TPM_EK, O_TPM_PCRS, O_TPM_SEL, O_TPM_NONCE, O_TPM_LOG,
         O_VTPM_QUOTE };
  static const struct option kOpts[] = {
      {"type", required_argument, NULL, O_TYPE},
      {"evidence", required_argument, NULL, O_EVIDENCE},
      {"collateral", required_argument, NULL, O_COLLATERAL},
      {"trust-anchor", required_argument, NULL, O_ANCHOR},
      {"at", required_argument, NULL, O_AT},
      {"allow-expired-collateral", no_argument, NULL, O_ALLOW_EXPIRED},
      {"output", required_argument, NULL, 'o'},
      {"max-line", required_argument, NULL, O_MAX_LINE},
      {"progress", no_argument, NULL, O_PROGRESS},
      {"no-progress", no_argument, NULL, O_NO_PROGRESS},
      {"jobs", required_argument, NULL, O_JOBS},
      {"batch", required_argument, NULL, O_BATCH},
      {"ordered", no_argument, NULL, O_ORDERED},
      {"no-cache", no_argument, NULL, O_NO_CACHE},
      {"no-sig-cache", no_argument, NULL, O_NO_SIG_CACHE},
      {"cache-mb", required_argument, NULL, O_CACHE_MB},
      {"shard", required_argument, NULL, O_SHARD},
      {"resume", no_argument, NULL, O_RESUME},
      {"stats", no_argument, NULL, O_STATS},
      {"no-io-uring", no_argument, NULL, O_NO_URING},
      {"policy", required_argument, NULL, O_POLICY},
      {"policy-signer", required_argument, NULL, O_POLICY_SIGNER},
      {"token", no_argument, NULL, O_TOKEN},
      {"token-alg", required_argument, NULL, O_TOKEN_ALG},
      {"format", required_argument, NULL, O_TOKEN_FORMAT},
      {"state-dir", required_argument, NULL, O_STATE_DIR},
      {"public-url", required_argument, NULL, O_PUBLIC_URL},
      {"signing-key", required_argument, NULL, O_SIGNING_KEY},
      {"signing-cert", required_argument, NULL, O_SIGNING_CERT},
      {"token-lifetime", required_argument, NULL, O_TOKEN_LIFETIME},
      {"signature", required_argument, NULL, O_TPM_SIG},
      {"ak", required_argument, NULL, O_TPM_AK},
      {"ek", required_argument, NULL, O_TPM_EK},
      {"pcrs", required_argument, NULL, O_TPM_PCRS},
      {"selection", required_argument, NULL, O_TPM_SEL},
      {"nonce", required_argument, NULL, O_TPM_NONCE},
      {"eventlog", required_argument, NULL, O_TPM_LOG},
      {"vtpm-quote", required_argument, NULL, O_VTPM_QUOTE},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *type = NULL, *evidence = NULL, *output = NULL;
  const char *policy_file = NULL;
  const char *collaterals[16];
  int num_collaterals = 0;
  tpm_file_args tpm_files = {0};
  vouch_snp_collateral snp_coll = {0};
  bool want_token = false;
  vouch_jws_alg token_alg = VOUCH_JWS_RS256;
  vouch_token_format token_format = VOUCH_TOKEN_FORMAT_JWT;
  const char *state_dir = NULL, *public_url = NULL, *signing_key = NULL, *signing_cert = NULL;
  int64_t token_lifetime = 0;
  struct vouch_keystore *keystore = NULL;
  vouch_token_config token_cfg = {0};
  struct vouch_policy *policy = NULL;
  struct vouch_policy *policy_by_type[VOUCH_EV_COUNT] = {0};
  struct vouch_policy_eval *policy_eval = NULL;
  const char *anchors[16];
  int num_anchors = 0, progress = -1;
  bool quiet = false, resume = false, stats_flag = false;
  vouch_engine_config ecfg = {.at = (int64_t)time(NULL)};
  vouch_err err0 = {0};
  uint64_t v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:qh", kOpts, NULL)) != -1) {
    switch (c) {
      case O_TYPE: type = optarg; break;
      case O_EVIDENCE: evidence = optarg; break;
      case O_COLLATERAL:
        if (num_collaterals == 16) {
          usage_error("verify", "at most 16 --collateral options");
          return EXIT_USAGE;
        }
        collaterals[num_collaterals++] = optarg;
        break;
      case O_ANCHOR:
        if (num_anchors == 16) {
          usage_error("verify", "at most 16 --trust-anchor options");
          return EXIT_USAGE;
        }
        anchors[num_anchors++] = optarg;
        break;
      case O_AT:
        if (vouch_time_parse(optarg, strlen(optarg), &ecfg.at) != VOUCH_OK) {
          usage_error("verify", "--at takes RFC 3339 (2025-07-19T10:01:17Z) or Unix seconds");
          return EXIT_USAGE;
        }
        break;
      case O_ALLOW_EXPIRED: ecfg.allow_expired = true; break;
      case 'o': output = optarg; break;
      case O_MAX_LINE:
        if (!vouch_parse_count(optarg, 1024, 1ull << 30, &v)) {
          usage_error("verify", "--max-line takes a byte count between 1024 and 1073741824");
          return EXIT_USAGE;
        }
        ecfg.max_line = (size_t)v;
        break;
      case O_JOBS:
        if (!vouch_parse_count(optarg, 1, 256, &v)) {
          usage_error("verify", "--jobs takes a number of worker threads from 1 to 256");
          return EXIT_USAGE;
        }
        ecfg.jobs = (unsigned)v;
        break;
      case O_BATCH:
        if (!vouch_parse_count(optarg, 1, 4096, &v)) {
          usage_error("verify", "--batch takes a number of items from 1 to 4096");
          return EXIT_USAGE;
        }
        ecfg.batch = (size_t)v;
        break;
      case O_ORDERED: ecfg.ordered = true; break;
      case O_NO_CACHE: ecfg.no_cache = true; break;
      case O_NO_SIG_CACHE: ecfg.no_sig_cache = true; break;
      case O_CACHE_MB:
        if (!vouch_parse_count(optarg, 1, 1 << 20, &v)) {
          usage_error("verify", "--cache-mb takes a number of MiB from 1 to 1048576");
          return EXIT_USAGE;
        }
        ecfg.cache_bytes = (size_t)v << 20;
        break;
      case O_SHARD: {
        unsigned k = 0, n = 0;
        char tail;
        if (sscanf(optarg, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k >= n || n > 1000000) {
          usage_error("verify", "--shard takes K/N with 0 <= K < N (e.g. --shard 2/8)");
          return EXIT_USAGE;
        }
        ecfg.shard_index = k;
        ecfg.shard_count = n;
        break;
      }
      case O_RESUME: resume = true; break;
      case O_STATS: stats_flag = true; break;
      case O_NO_URING: ecfg.no_io_uring = true; break;
      case O_POLICY: policy_file = optarg; break;
      case O_TOKEN: want_token = true; break;
      case O_TOKEN_ALG:
        if (vouch_jws_alg_from_name(optarg, strlen(optarg), &token_alg) != VOUCH_OK ||
            token_alg == VOUCH_JWS_NONE) {
          usage_error("verify", "--token-alg takes RS256, PS256, ES256, ES384 or EdDSA");
          return EXIT_USAGE;
        }
        want_token = true;
        break;
      case O_TOKEN_FORMAT:
        if (strcmp(optarg, "jwt") == 0) token_format = VOUCH_TOKEN_FORMAT_JWT;
        else if (strcmp(optarg, "ear") == 0) token_format = VOUCH_TOKEN_FORMAT_EAR;
        else {
          usage_error("verify", "--format takes jwt (Azure Attestation's token) or ear");
          return EXIT_USAGE;
        }
        want_token = true;
        break;
      case O_STATE_DIR: state_dir = optarg; break;
      case O_PUBLIC_URL: public_url = optarg; break;
      case O_SIGNING_KEY: signing_key = optarg; break;
      case O_SIGNING_CERT: signing_cert = optarg; break;
      case O_TPM_SIG: tpm_files.signature = optarg; break;
      case O_TPM_AK: tpm_files.ak = optarg; break;
      case O_TPM_EK: tpm_files.ek = optarg; break;
      case O_TPM_PCRS: tpm_files.pcrs = optarg; break;
      case O_TPM_SEL: tpm_files.selection = optarg; break;
      case O_TPM_NONCE: tpm_files.nonce = optarg; break;
      case O_TPM_LOG: tpm_files.eventlog = optarg; break;
      case O_VTPM_QUOTE: tpm_files.vtpm_quote = optarg; break;
      case O_TOKEN_LIFETIME:
        if (!vouch_parse_count(optarg, 60, 31536000, &v)) {
          usage_error("verify", "--token-lifetime takes seconds from 60 to 31536000 (a year)");
          return EXIT_USAGE;
        }
        token_lifetime = (int64_t)v;
        break;
      case O_POLICY_SIGNER:
        if (vouch_policy_add_signer(optarg, &err0) != VOUCH_OK) {
          fprintf(stderr, "vouch verify: --policy-signer %s: %s\n", optarg, err0.msg);
          return EXIT_SETUP;
        }
        break;
      case O_PROGRESS: progress = 1; break;
      case O_NO_PROGRESS: progress = 0; break;
      case 'q': quiet = true; break;
      case 'h': fputs(kVerifyHelp, stdout); return EXIT_ALL_OK;
      default: usage_error("verify", "unknown option"); return EXIT_USAGE;
    }
  }
  if (evidence != NULL && optind < argc) {
    usage_error("verify", "give either --evidence or envelope files, not both");
    return EXIT_USAGE;
  }
  vouch_evidence_type single_type = VOUCH_EV_SGX;
  if (evidence != NULL) {
    if (type == NULL ||
        vouch_evidence_type_parse(type, strlen(type), &single_type, NULL) != VOUCH_OK) {
      usage_error("verify", "--evidence needs --type sgx, tdx, snp, snp-azure or tpm");
      return EXIT_USAGE;
    }
  }
  bool snp_single = evidence != NULL &&
                    (single_type == VOUCH_EV_SNP || single_type == VOUCH_EV_SNP_AZURE);
  if (resume && (!ecfg.ordered || output == NULL)) {
    usage_error("verify", "--resume needs --ordered and --output FILE (it continues that file)");
    return EXIT_USAGE;
  }

  vouch_verify_setup setup = {0};
  vouch_err err = {0};
  int rc = EXIT_SETUP;
  struct vouch_engine *engine = NULL;
  int out_fd = STDOUT_FILENO;
  /* SEV-SNP takes certificates (VCEK/VLEK, ASK, ARK) and CRLs as
   * collateral, recognized by content; DCAP takes bundles or a directory. */
  /* A directory among them is the collateral directory (its VCEKs by chip
   * and TCB), for SNP as for DCAP. */
  const char *snp_dir = NULL;
  for (int i = 0; snp_single && i < num_collaterals; i++) {
    struct stat st;
    if (stat(collaterals[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      if (snp_dir != NULL) {
        usage_error("verify", "at most one collateral directory");
        rc = EXIT_USAGE;
        goto done;
      }
      snp_dir = collaterals[i];
    }
  }
  if (vouch_setup_load(&setup, anchors, (size_t)num_anchors, snp_single ? &snp_dir : collaterals,
                       snp_single ? (snp_dir != NULL) : (size_t)num_collaterals,
                       &err) != VOUCH_OK) {
    fprintf(stderr, "vouch verify: %s\n", err.msg);
    goto done;
  }
  for (int i = 0; snp_single && i < num_collaterals; i++) {
    if (collaterals[i] == snp_dir) continue;
    uint8_t *bytes = NULL;
    size_t blen = 0;
    vouch_status s = vouch_read_file(collaterals[i], 1 << 20, &bytes, &blen, &err);
    if (s == VOUCH_OK) s = vouch_snp_collateral_add(&snp_coll, bytes, blen, &err);
    free(bytes);
    if (s != VOUCH_OK) {
      fprintf(stderr, "vouch verify: --collateral %s: %s\n", collaterals[i], err.msg);
      goto done;
    }
  }
  if (policy_file != NULL) {
    if (vouch_load_policy(policy_file, &policy, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch verify: --policy %s: %s\n", policy_file, err.msg);
      goto done;
    }
  } else if (want_token) {
    /* A token states a policy's outcome: without --policy, the default
     * policy of the type, as a fresh Azure Attestation provider has. */
    const char *def = vouch_policy_default_text("SgxEnclave");
    if (vouch_policy_compile(def, strlen(def), &policy, NULL, &err) != VOUCH_OK) goto done;
    /* The other types' defaults (none is published: permit-all). */
    static const struct {
      vouch_evidence_type type;
      const char *name;
    } kDefaults[] = {{VOUCH_EV_TDX, "TdxVm"},
                     {VOUCH_EV_SNP, "SevSnpVm"},
                     {VOUCH_EV_SNP_AZURE, "SevSnpVm"},
                     {VOUCH_EV_TPM, "Tpm"}};
    for (size_t i = 0; i < sizeof kDefaults / sizeof kDefaults[0]; i++) {
      def = vouch_policy_default_text(kDefaults[i].name);
      if (vouch_policy_compile(def, strlen(def), &policy_by_type[kDefaults[i].type], NULL,
                               &err) != VOUCH_OK)
        goto done;
    }
  }
  if (policy != NULL) {
    policy_eval = vouch_policy_eval_new();
    if (policy_eval == NULL) goto done;
  }
  if (want_token) {
    char dir[4096];
    if (state_dir == NULL) {
      if (vouch_default_state_dir(dir, sizeof dir, &err) != VOUCH_OK) {
        fprintf(stderr, "vouch verify: %s (give --state-dir DIR)\n", err.msg);
        goto done;
      }
      state_dir = dir;
    }
    vouch_keystore_opts ko = {.public_url = public_url, .lifetime_s = token_lifetime};
    if (signing_key == NULL) {
      ko.ensure_algs = &token_alg;
      ko.num_ensure_algs = 1;
    }
    if (vouch_keystore_open(state_dir, &ko, &keystore, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch verify: --state-dir %s: %s\n", state_dir, err.msg);
      goto done;
    }
    if (signing_key != NULL) {
      uint8_t *kp = NULL, *cp = NULL;
      size_t kl = 0, cl = 0;
      vouch_status s = vouch_read_file(signing_key, 1 << 20, &kp, &kl, &err);
      if (s == VOUCH_OK && signing_cert != NULL)
        s = vouch_read_file(signing_cert, 1 << 20, &cp, &cl, &err);
      if (s == VOUCH_OK)
        s = vouch_keystore_add_external(keystore, (const char *)kp, kl, (const char *)cp, cl,
                                        token_alg, &err);
      if (kp) {
        memset(kp, 0, kl);
        free(kp);
      }
      free(cp);
      if (s != VOUCH_OK) {
        fprintf(stderr, "vouch verify: --signing-key %s: %s\n", signing_key, err.msg);
        goto done;
      }
    }
    token_cfg = (vouch_token_config){.keys = keystore, .alg = (int)token_alg,
                                     .format = token_format};
  } else if (signing_key || signing_cert || state_dir || public_url || token_lifetime) {
    usage_error("verify", "--state-dir, --public-url, --signing-key, --signing-cert and "
                          "--token-lifetime go with --token");
    rc = EXIT_USAGE;
    goto done;
  }

  if (evidence != NULL) {
    /* Single mode: one quote, one result, on this thread. */
    vouch_run_config cfg = {.at = ecfg.at, .allow_expired = ecfg.allow_expired,
                            .anchors = setup.anchors,
                            .collateral = setup.has_bundle ? &setup.bundle : NULL,
                            .source = setup.dir ? &setup.source : NULL, .policy = policy,
                            .token = want_token ? &token_cfg : NULL,
                            .snp_collateral = &snp_coll,
                            .snp_source = setup.dir ? &setup.snp_source : NULL};
    FILE *out = stdout;
    if (output != NULL && (out = fopen(output, "w")) == NULL) {
      fprintf(stderr, "vouch verify: cannot write %s: %s\n", output, strerror(errno));
      goto done;
    }
    uint8_t *quote;
    size_t len;
    /* TPM evidence is a JSON object (see --help); the others raw bytes or
     * base64 text. */
    bool azure_json = single_type == VOUCH_EV_SNP_AZURE && tpm_files.vtpm_quote != NULL;
    vouch_status rs = azure_json ? azure_evidence_from_files(evidence, &tpm_files, &quote, &len,
                                                             &err)
                      : single_type != VOUCH_EV_TPM
                          ? read_evidence_file(evidence, &quote, &len, &err)
                      : tpm_files.signature != NULL
                          ? tpm_evidence_from_files(evidence, &tpm_files, &quote, &len, &err)
                          : vouch_read_file(evidence, VOUCH_LIMIT_LINE, &quote, &len, &err);
    if (rs != VOUCH_OK) {
      fprintf(stderr, "vouch verify: --evidence %s: %s\n", evidence, err.msg);
      if (out != stdout) fclose(out);
      goto done;
    }
    vouch_envelope env;
    vouch_envelope_init(&env);
    env.type = single_type;
    env.evidence = quote;
    env.evidence_len = len;
    env.evidence_is_json = single_type == VOUCH_EV_TPM || azure_json;
    vouch_result *r = malloc(sizeof(*r));
    if (r != NULL) {
      vouch_verify_one(&cfg, &env, r);
      const struct vouch_policy *item_policy =
          policy_by_type[env.type] ? policy_by_type[env.type] : policy;
      vouch_appraisal a;
      vouch_appraise(item_policy, policy_eval, r, &a);
      vouch_buf tok, scratch;
      vouch_buf_init(&tok, 0);
      vouch_buf_init(&scratch, 0);
      if (want_token) {
        a.token_wanted = true;
        vouch_err terr = {0};
        if (vouch_issue_token(&token_cfg, item_policy, &a, &env, r, &scratch, &tok, &terr) ==
            VOUCH_OK) {
          a.token = tok.data;
          a.token_len = tok.len;
        } else if (!quiet) {
          fprintf(stderr, "vouch verify: %s\n", terr.msg);
        }
      }
      vouch_buf b;
      vouch_buf_init(&b, 0);
      vouch_json j;
      vouch_json_init(&j, &b);
      vouch_write_result(&a, NULL, r, &j);
      fprintf(out, "%s\n", vouch_buf_cstr(&b));
      vouch_buf_free(&b);
      vouch_buf_free(&tok);
      vouch_buf_free(&scratch);
      uint64_t counts[4] = {0}, pcounts[4] = {0};
      counts[r->verdict] = 1;
      pcounts[a.outcome] = 1;
      rc = exit_for(counts, pcounts);
      if (r->verdict == VOUCH_VERDICT_ERROR && !quiet) {
        fprintf(stderr, "vouch verify: %s\n", r->error.msg);
      }
    }
    free(r);
    free(quote);
    if (out != stdout && fclose(out) != 0) rc = EXIT_SETUP;
    goto done;
  }

  /* Bulk mode: the engine. */
  uint64_t resume_skip = 0;
  if (resume && !prepare_resume(output, &resume_skip)) {
    fprintf(stderr, "vouch verify: --resume: cannot read or truncate %s: %s\n", output,
            strerror(errno));
    goto done;
  }
  if (output != NULL) {
    int flags = O_WRONLY | O_CREAT | (resume ? O_APPEND : O_TRUNC);
    out_fd = open(output, flags, 0644);
    if (out_fd < 0) {
      fprintf(stderr, "vouch verify: cannot write %s: %s\n", output, strerror(errno));
      out_fd = STDOUT_FILENO;
      goto done;
    }
  }
  static char kStdin[] = "-";
  char **names = optind < argc ? argv + optind : (char *[]){kStdin};
  size_t num_names = optind < argc ? (size_t)(argc - optind) : 1;
  vouch_engine_input *inputs = calloc(num_names, sizeof(*inputs));
  if (inputs == NULL) goto done;
  bool open_failed = false;
  for (size_t i = 0; i < num_names; i++) {
    inputs[i].name = names[i];
    inputs[i].fd = strcmp(names[i], "-") == 0 ? STDIN_FILENO : open(names[i], O_RDONLY);
    struct stat st;
    if (inputs[i].fd < 0) {
      fprintf(stderr, "vouch verify: cannot open %s: %s\n", names[i], strerror(errno));
      open_failed = true;
      continue;
    }
    inputs[i].size = fstat(inputs[i].fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
  }
  if (!open_failed) {
    ecfg.anchors = setup.anchors;
    ecfg.collateral = setup.has_bundle ? &setup.bundle : NULL;
    ecfg.collateral_source = setup.dir ? &setup.source : NULL;
    ecfg.snp_source = setup.dir ? &setup.snp_source : NULL;
    ecfg.progress = progress == 1 || (progress == -1 && isatty(STDERR_FILENO));
    ecfg.policy = policy;
    for (int t = 0; t < VOUCH_EV_COUNT; t++) ecfg.policy_by_type[t] = policy_by_type[t];
    ecfg.token = want_token ? &token_cfg : NULL;
    engine = vouch_engine_new(&ecfg, &err);
    if (engine == NULL) {
      fprintf(stderr, "vouch verify: %s\n", err.msg);
    } else {
      vouch_engine_stats st;
      vouch_err e = {0};
      vouch_status s = vouch_engine_run(engine, inputs, num_names, out_fd, resume_skip, &st, &e);
      if (!quiet) print_summary(&st, stats_flag, policy != NULL);
      if (resume_skip > 0 && !quiet) {
        fprintf(stderr, "vouch: resumed after %llu results already in %s\n",
                (unsigned long long)resume_skip, output);
      }
      if (s != VOUCH_OK) {
        fprintf(stderr, "vouch verify: %s\n", e.msg);
      } else {
        rc = exit_for(st.by_verdict, st.by_policy);
      }
    }
  }
  for (size_t i = 0; i < num_names; i++) {
    if (inputs[i].fd > STDIN_FILENO) close(inputs[i].fd);
  }
  free(inputs);
  if (out_fd != STDOUT_FILENO && close(out_fd) != 0 && rc != EXIT_SETUP) rc = EXIT_SETUP;
  out_fd = STDOUT_FILENO;
done:
  if (out_fd != STDOUT_FILENO) close(out_fd);
  vouch_engine_free(engine);
  vouch_setup_free(&setup);
  vouch_policy_eval_free(policy_eval);
  vouch_policy_free(policy);
  for (int t = 0; t < VOUCH_EV_COUNT; t++) vouch_policy_free(policy_by_type[t]);
  vouch_keystore_close(keystore);
  vouch_snp_collateral_cleanup(&snp_coll);
  return rc;
}

static int cmd_collateral(int argc, char **argv) {
  static const struct option kOpts[] = {{"out", required_argument, NULL, 'o'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(kCollateralHelp, argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_ALL_OK;
  }
  if (strcmp(argv[1], "import") != 0) {
    usage_error("collateral", "the only subcommand is 'import'");
    return EXIT_USAGE;
  }
  const char *dir = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc - 1, argv + 1, "o:h", kOpts, NULL)) != -1) {
    if (c == 'o') {
      dir = optarg;
    } else if (c == 'h') {
      fputs(kCollateralHelp, stdout);
      return EXIT_ALL_OK;
    } else {
      usage_error("collateral", "unknown option");
      return EXIT_USAGE;
    }
  }
  if (dir == NULL || optind + 1 > argc - 1) {
    usage_error("collateral", "import needs --out DIR and at least one FILE");
    return EXIT_USAGE;
  }
  size_t total = 0;
  int rc = EXIT_ALL_OK;
  for (int i = optind + 1; i < argc; i++) {
    uint8_t *data;
    size_t len, n = 0;
    vouch_err err = {0};
    vouch_status s = vouch_read_file(argv[i], VOUCH_LIMIT_COLLATERAL, &data, &len, &err);
    if (s == VOUCH_OK) {
      s = vouch_colldir_import(dir, data, len, &n, &err);
      free(data);
    }
    if (s != VOUCH_OK) {
      fprintf(stderr, "vouch collateral import: %s: %s\n", argv[i], err.msg);
      rc = EXIT_SETUP;
      continue;
    }
    total += n;
  }
  fprintf(stderr, "vouch collateral import: %zu files written under %s\n", total, dir);
  return rc;
}

static int cmd_envelope(int argc, char **argv) {
  static const struct option kOpts[] = {{"type", required_argument, NULL, 't'},
                                        {"evidence", required_argument, NULL, 'e'},
                                        {"collateral", required_argument, NULL, 'c'},
                                        {"id", required_argument, NULL, 'i'},
                                        {"at", required_argument, NULL, 'a'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *type = "sgx", *evidence = NULL, *collateral = NULL, *id = NULL, *at = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", kOpts, NULL)) != -1) {
    switch (c) {
      case 't': type = optarg; break;
      case 'e': evidence = optarg; break;
      case 'c': collateral = optarg; break;
      case 'i': id = optarg; break;
      case 'a': at = optarg; break;
      case 'h': fputs(kEnvelopeHelp, stdout); return EXIT_ALL_OK;
      default: usage_error("envelope", "unknown option"); return EXIT_USAGE;
    }
  }
  int64_t at_v = 0;
  if (evidence == NULL) {
    usage_error("envelope", "--evidence is required");
    return EXIT_USAGE;
  }
  if (at != NULL && vouch_time_parse(at, strlen(at), &at_v) != VOUCH_OK) {
    usage_error("envelope", "--at takes RFC 3339 or Unix seconds");
    return EXIT_USAGE;
  }
  vouch_err err = {0};
  uint8_t *quote = NULL, *coll = NULL;
  size_t quote_len, coll_len = 0;
  int rc = EXIT_SETUP;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  if (read_evidence_file(evidence, &quote, &quote_len, &err) != VOUCH_OK ||
      (collateral && vouch_read_file(collateral, VOUCH_LIMIT_COLLATERAL, &coll, &coll_len,
                                     &err) != VOUCH_OK)) {
    fprintf(stderr, "vouch envelope: %s\n", err.msg);
    goto done;
  }
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  if (id) {
    vouch_json_key(&j, "id");
    vouch_json_string(&j, id);
  }
  vouch_json_key(&j, "type");
  vouch_json_string(&j, type);
  put_b64url(&j, "evidence", quote, quote_len);
  if (at) {
    char t[VOUCH_TIME_STR_LEN];
    vouch_time_format(at_v, t);
    vouch_json_key(&j, "at");
    vouch_json_string(&j, t);
  }
  if (coll) {
    /* Inline the bundle compactly (it is JSON already; strip newlines). */
    vouch_json_key(&j, "collateral");
    vouch_buf compact;
    vouch_buf_init(&compact, 0);
    bool in_str = false, esc = false;
    for (size_t i = 0; i < coll_len; i++) {
      char ch = (char)coll[i];
      if (in_str) {
        if (esc) esc = false;
        else if (ch == '\\') esc = true;
        else if (ch == '"') in_str = false;
      } else if (ch == '"') {
        in_str = true;
      } else if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') {
        continue;
      }
      vouch_buf_putc(&compact, ch);
    }
    vouch_json_raw(&j, compact.data ? compact.data : "null", compact.len ? compact.len : 4);
    vouch_buf_free(&compact);
  }
  vouch_json_end_object(&j);
  if (vouch_buf_status(&b) != VOUCH_OK) {
    fprintf(stderr, "vouch envelope: cannot build the envelope: %s\n",
            vouch_status_message(vouch_buf_status(&b)));
    goto done;
  }
  printf("%s\n", b.data);
  rc = EXIT_ALL_OK;
done:
  vouch_buf_free(&b);
  free(quote);
  free(coll);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(kMainHelp, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(kMainHelp, stdout);
    return EXIT_ALL_OK;
  }
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("vouch %s\n", VOUCH_VERSION);
    return EXIT_ALL_OK;
  }
  if (strcmp(cmd, "verify") == 0) return cmd_verify(argc - 1, argv + 1);
  if (strcmp(cmd, "collateral") == 0) return cmd_collateral(argc - 1, argv + 1);
  if (strcmp(cmd, "envelope") == 0) return cmd_envelope(argc - 1, argv + 1);
  if (strcmp(cmd, "gen") == 0) return vouch_cmd_gen(argc - 1, argv + 1);
  if (strcmp(cmd, "token") == 0) return vouch_cmd_token(argc - 1, argv + 1);
  if (strcmp(cmd, "policy") == 0) return vouch_cmd_policy(argc - 1, argv + 1);
  if (strcmp(cmd, "serve") == 0) return vouch_cmd_serve(argc - 1, argv + 1);
  if (strcmp(cmd, "loadgen") == 0) return vouch_cmd_loadgen(argc - 1, argv + 1);
  fprintf(stderr, "vouch: unknown command '%s'\n\n%s", cmd, kMainHelp);
  return EXIT_USAGE;
}
