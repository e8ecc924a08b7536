/* tools/cmd_gen_tpm.c - vouch gen tpm: a corpus of TPM 2.0 quotes made with
 * software attestation keys (tools/gen/gen.h, TPM section), as NDJSON
 * envelopes for `vouch verify`, with the verdict each must get. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "tools/commands.h"
#include "tools/gen/gen.h"

enum { GT_OK = 0, GT_USAGE = 3, GT_SETUP = 4 };

static const char kHelp[] =
    "usage: vouch gen tpm --out DIR [--quotes N] [--seed S] [--quiet]\n"
    "\n"
    "Makes TPM 2.0 quotes with software attestation keys (no TPM needed): an RSA EK and\n"
    "four AKs under it (RSASSA, RSA-PSS, ECDSA P-256, ECDSA P-384), quotes of PCRs\n"
    "sha256:0-7 over a generated UEFI boot event log (SecureBoot on or off), and negative\n"
    "cases.  DIR gets evidence.ndjson (envelopes of type \"tpm\", the evidence as the JSON\n"
    "object 'vouch verify --help' describes) and expected.ndjson (id, status, error_code,\n"
    "kind).  Quote i is of kind i mod 8:\n"
    "  rsassa, rsapss, ecdsa-p256, ecdsa-p384   good quotes (secure boot on)  affirming\n"
    "  secureboot-off   a good quote of a boot with SecureBoot off             affirming\n"
    "  wrong-nonce      the expected nonce differs from extraData   contraindicated E_BINDING\n"
    "  tampered-pcr     one PCR value changed after the quote       contraindicated\n"
    "  tampered-quote   one byte of the signed TPMS_ATTEST flipped  contraindicated E_SIGNATURE\n"
    "\n"
    "options:\n"
    "  --out DIR, -o DIR   output directory (created if missing)\n"
    "  --quotes N          number of quotes (default 64, at most 1000000)\n"
    "  --seed S            first nonce byte and event data vary with S (default 1); keys\n"
    "                      are random\n"
    "  --quiet, -q         no summary\n";

typedef struct {
  const char *name;
  int ak; /* index into the AKs */
  bool secure_boot;
  int tamper; /* 0 none, 1 nonce, 2 pcr, 3 quote */
  const char *status, *error_code;
} kind;

static const kind kKinds[8] = {
    {"rsassa", 0, true, 0, "affirming", NULL},
    {"rsapss", 1, true, 0, "affirming", NULL},
    {"ecdsa-p256", 2, true, 0, "affirming", NULL},
    {"ecdsa-p384", 3, true, 0, "affirming", NULL},
    {"secureboot-off", 2, false, 0, "affirming", NULL},
    {"wrong-nonce", 2, true, 1, "contraindicated", "E_BINDING"},
    {"tampered-pcr", 2, true, 2, "contraindicated", "E_BINDING"},
    {"tampered-quote", 2, true, 3, "contraindicated", "E_SIGNATURE"},
};

static void put_b64(vouch_json *j, const char *key, const uint8_t *d, size_t n) {
  vouch_json_key(j, key);
  vouch_json_string_b64url(j, d, n);
}

/* one_quote appends the envelope of quote |i| to |out|. */
static vouch_status one_quote(vouch_gen_tpm_key *const *aks, const vouch_gen_tpm_key *ek,
                              uint64_t i, uint64_t seed, vouch_buf *out, vouch_err *err) {
  const kind *k = &kKinds[i % 8];
  static const uint16_t kBanks[] = {0x000B}; /* sha256 */
  vouch_gen_tpm_pcrs pcrs;
  vouch_gen_tpm_log *log;
  VOUCH_GUARD(vouch_gen_tpm_log_new(true, kBanks, 1, &pcrs, &log, err));
  vouch_status s = vouch_gen_tpm_log_boot(log, k->secure_boot);
  /* A per-quote event makes every quote's PCR 7 distinct. */
  char data[64];
  int dn = snprintf(data, sizeof data, "vouch gen tpm %llu/%llu", (unsigned long long)seed,
                    (unsigned long long)i);
  if (s == VOUCH_OK) s = vouch_gen_tpm_log_event(log, 7, 0x0000000D /* EV_IPL */,
                                                 (const uint8_t *)data, (size_t)dn);
  vouch_gen_tpm_quote_opts q;
  vouch_gen_tpm_quote_opts_default(&q);
  q.pcrs = &pcrs;
  q.ek = ek;
  q.nonce[0] = (uint8_t)seed;
  q.nonce[1] = (uint8_t)(i >> 8);
  q.nonce[2] = (uint8_t)i;
  vouch_buf msg, sig, values, pub, ekpub;
  vouch_buf_init(&msg, 0);
  vouch_buf_init(&sig, 0);
  vouch_buf_init(&values, 0);
  vouch_buf_init(&pub, 0);
  vouch_buf_init(&ekpub, 0);
  if (s == VOUCH_OK) s = vouch_gen_tpm_quote(aks[k->ak], &q, &msg, &sig, &values, err);
  if (s == VOUCH_OK) s = vouch_gen_tpm_key_public(aks[k->ak], &pub);
  if (s == VOUCH_OK) s = vouch_gen_tpm_key_public(ek, &ekpub);
  if (s == VOUCH_OK) {
    if (k->tamper == 1) q.nonce[q.nonce_len - 1] ^= 1;
    if (k->tamper == 2 && values.len > 0) ((uint8_t *)values.data)[0] ^= 1;
    /* the last byte of pcrDigest: only the signature can tell */
    if (k->tamper == 3 && msg.len > 0) ((uint8_t *)msg.data)[msg.len - 1] ^= 1;
    size_t log_len = 0;
    const uint8_t *log_bytes = vouch_gen_tpm_log_bytes(log, &log_len);
    vouch_json j;
    vouch_json_init(&j, out);
    vouch_json_begin_object(&j);
    char id[32];
    snprintf(id, sizeof id, "tpm-%06llu", (unsigned long long)i);
    vouch_json_key(&j, "id");
    vouch_json_string(&j, id);
    vouch_json_key(&j, "type");
    vouch_json_string(&j, "tpm");
    vouch_json_key(&j, "evidence");
    vouch_json_begin_object(&j);
    put_b64(&j, "quote", (const uint8_t *)msg.data, msg.len);
    put_b64(&j, "signature", (const uint8_t *)sig.data, sig.len);
    put_b64(&j, "ak_pub", (const uint8_t *)pub.data, pub.len);
    put_b64(&j, "ek_pub", (const uint8_t *)ekpub.data, ekpub.len);
    put_b64(&j, "pcr_values", (const uint8_t *)values.data, values.len);
    put_b64(&j, "event_log", log_bytes, log_len);
    vouch_json_key(&j, "selection");
    vouch_json_string(&j, "sha256:0,1,2,3,4,5,6,7");
    char nonce[2 * 64 + 1];
    vouch_hex_encode(q.nonce, q.nonce_len, nonce);
    vouch_json_key(&j, "nonce");
    vouch_json_string(&j, nonce);
    vouch_json_end_object(&j);
    vouch_json_end_object(&j);
    vouch_buf_putc(out, '\n');
  }
  vouch_buf_free(&msg);
  vouch_buf_free(&sig);
  vouch_buf_free(&values);
  vouch_buf_free(&pub);
  vouch_buf_free(&ekpub);
  vouch_gen_tpm_log_free(log);
  return s;
}

int vouch_cmd_gen_tpm(int argc, char **argv) {
  static const struct option kOpts[] = {{"out", required_argument, NULL, 'o'},
                                        {"quotes", required_argument, NULL, 'n'},
                                        {"seed", required_argument, NULL, 's'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *out_dir = NULL;
  uint64_t quotes = 64, seed = 1;
  bool quiet = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:qh", kOpts, NULL)) != -1) {
    switch (c) {
      case 'o': out_dir = optarg; break;
      case 'n':
        if (!vouch_parse_count(optarg, 1, 1000000, &quotes)) {
          fprintf(stderr, "vouch gen tpm: --quotes takes 1 to 1000000\n");
          return GT_USAGE;
        }
        break;
      case 's':
        if (!vouch_parse_count(optarg, 0, UINT32_MAX, &seed)) {
          fprintf(stderr, "vouch gen tpm: --seed takes a number\n");
          return GT_USAGE;
        }
        break;
      case 'q': quiet = true; break;
      case 'h': fputs(kHelp, stdout); return GT_OK;
      default: fputs(kHelp, stderr); return GT_USAGE;
    }
  }
  if (out_dir == NULL || optind != argc) {
    fprintf(stderr, "vouch gen tpm: give --out DIR (see --help)\n");
    return GT_USAGE;
  }
  if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "vouch gen tpm: cannot create %s: %s\n", out_dir, strerror(errno));
    return GT_SETUP;
  }
  vouch_err err = {0};
  vouch_gen_tpm_key *aks[4] = {0}, *ek = NULL;
  static const vouch_gen_tpm_scheme kSchemes[4] = {VOUCH_GEN_TPM_RSASSA, VOUCH_GEN_TPM_RSAPSS,
                                                   VOUCH_GEN_TPM_ECDSA_P256,
                                                   VOUCH_GEN_TPM_ECDSA_P384};
  int rc = GT_SETUP;
  FILE *ev = NULL, *ex = NULL;
  vouch_buf line;
  vouch_buf_init(&line, 0);
  if (vouch_gen_tpm_ek_new(&ek, &err) != VOUCH_OK) goto fail;
  for (int i = 0; i < 4; i++) {
    /* P-384 signs with SHA-384, as TPMs pair them. */
    if (vouch_gen_tpm_ak_new(kSchemes[i], i == 3 ? 0x000C : 0, &aks[i], &err) != VOUCH_OK)
      goto fail;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/evidence.ndjson", out_dir);
  ev = fopen(path, "w");
  snprintf(path, sizeof path, "%s/expected.ndjson", out_dir);
  ex = fopen(path, "w");
  if (!ev || !ex) {
    vouch_fail(&err, VOUCH_E_IO, "cannot write in %s: %s", out_dir, strerror(errno));
    goto fail;
  }
  uint64_t good = 0;
  for (uint64_t i = 0; i < quotes; i++) {
    vouch_buf_reset(&line);
    if (one_quote(aks, ek, i, seed, &line, &err) != VOUCH_OK) goto fail;
    fwrite(line.data, 1, line.len, ev);
    const kind *k = &kKinds[i % 8];
    fprintf(ex, "{\"id\":\"tpm-%06llu\",\"status\":\"%s\",\"error_code\":%s%s%s,\"kind\":\"%s\"}\n",
            (unsigned long long)i, k->status, k->error_code ? "\"" : "",
            k->error_code ? k->error_code : "null", k->error_code ? "\"" : "", k->name);
    if (!k->error_code) good++;
  }
  if (fclose(ev) != 0 || fclose(ex) != 0) {
    ev = ex = NULL;
    vouch_fail(&err, VOUCH_E_IO, "cannot finish writing in %s", out_dir);
    goto fail;
  }
  ev = ex = NULL;
  if (!quiet)
    fprintf(stderr, "vouch gen tpm: %llu quotes (%llu good) in %s/evidence.ndjson\n",
            (unsigned long long)quotes, (unsigned long long)good, out_dir);
  rc = GT_OK;
  goto done;
fail:
  fprintf(stderr, "vouch gen tpm: %s\n", err.msg[0] ? err.msg : "failed");
done:
  if (ev) fclose(ev);
  if (ex) fclose(ex);
  vouch_buf_free(&line);
  for (int i = 0; i < 4; i++) vouch_gen_tpm_key_free(aks[i]);
  vouch_gen_tpm_key_free(ek);
  return rc;
}
