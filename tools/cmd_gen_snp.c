/* tools/cmd_gen_snp.c - vouch gen snp: a fleet of AMD SEV-SNP chips with
 * their VCEKs, a VLEK, attestation reports of every kind as NDJSON
 * envelopes for `vouch verify`, the verdict each must get, the test ARK to
 * trust, and the collateral directory that serves the VCEKs (DESIGN.md,
 * "Collateral directory": amd/<product>/vcek/<hwid>/<reported_tcb>.der as a
 * KDS cache keeps them).  Built on the generator library (tools/gen/gen.h,
 * SEV-SNP section). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "tools/commands.h"
#include "tools/gen/gen.h"

enum { GS_OK = 0, GS_USAGE = 3, GS_SETUP = 4 };

static const char kHelp[] =
    "usage: vouch gen snp --out DIR [--chips C] [--reports N] [--seed S] [--now TIME]\n"
    "                     [--product milan|genoa|turin] [--inline-vcek] [--jobs J] [--quiet]\n"
    "\n"
    "Makes synthetic AMD SEV-SNP evidence from a test AMD hierarchy shaped like AMD's: an\n"
    "ARK (RSA-4096, self-signed), an ASK and an ASVK under it, one VCEK (P-384, AMD's\n"
    "extension OIDs: productName, blSPL/teeSPL/snpSPL/ucodeSPL[/fmcSPL], hwID) per chip and\n"
    "one VLEK, every certificate signed RSASSA-PSS SHA-384 as AMD signs them; then N\n"
    "attestation reports (1184 bytes, ECDSA P-384) spread over the C chips.  Only the ARK\n"
    "differs from production, so 'vouch verify' runs its real code on them.\n"
    "\n"
    "options:\n"
    "  --out DIR, -o DIR   output directory (created if missing)\n"
    "  --chips C           number of chips (default 4, at most 100000); report i comes from\n"
    "                      chip i mod C, and each chip has its own chip id and VCEK\n"
    "  --reports N         number of reports (default 64, at most 10000000)\n"
    "  --seed S            seed of chip ids, serials and report fields (default 1); keys and\n"
    "                      ECDSA signatures are random (expected.ndjson is the same)\n"
    "  --now TIME          instant the certificates and the CRL are centred on (RFC 3339 or\n"
    "                      Unix seconds; default: the wall clock).  The CRL is valid from\n"
    "                      TIME-15 days to TIME+15 days: verify inside that window, or pass\n"
    "                      'vouch verify --at TIME'\n"
    "  --product P         milan (default), genoa or turin (Turin: 8-byte hwID, fmcSPL)\n"
    "  --inline-vcek       put the VCEK (or VLEK) and its ASK (ASVK) in each envelope's\n"
    "                      \"collateral\", so every line verifies on its own (without\n"
    "                      --collateral); by default the collateral directory serves them\n"
    "  --jobs J, -j J      signing threads (default: the number of CPUs, at most 64); the\n"
    "                      output is the same for any J\n"
    "  --quiet, -q         no summary\n"
    "  --help, -h          this help\n"
    "\n"
    "kinds (report i comes from chip i mod C and is of kind (i mod C + i div C) mod 8, so\n"
    "every chip, in turn, makes every kind):\n"
    "  good            v3 report, VCEK                                  affirming\n"
    "  good-old-fw     v2 report (firmware before 1.55; v3 on Turin)    affirming\n"
    "  good-v5         v5 report with mitigation vectors                 affirming\n"
    "  debug           POLICY.DEBUG set                                  warning\n"
    "  vlek            signed by the VLEK (no chip id; found by TCB)     affirming\n"
    "  older-tcb       the chip at an older TCB, its VCEK for that TCB   affirming\n"
    "  tampered-measurement  MEASUREMENT bit flipped after signing  contraindicated E_SIGNATURE\n"
    "  tcb-mismatch    REPORTED_TCB above the TCB of every VCEK of the chip (signed so):\n"
    "                  from the directory no VCEK exists for it      error E_COLLATERAL_MISSING\n"
    "                  with --inline-vcek the VCEK given disagrees   contraindicated\n"
    "                                                                E_COLLATERAL_MISMATCH\n"
    "\n"
    "output files in DIR:\n"
    "  evidence.ndjson   one envelope per report: {\"id\":\"snp-000000\",\"type\":\"snp\",\n"
    "                    \"evidence\":\"<base64url>\"} (and \"collateral\" with --inline-vcek)\n"
    "  expected.ndjson   the result vouch must give each report, same ids and order:\n"
    "                    {\"id\",\"status\",\"error_code\",\"kind\",\"chip\"}\n"
    "  trust-anchor.pem  the test ARK (trusted only when given to vouch verify)\n"
    "  collateral/       amd/<Product>/vcek/<hwid hex>/<reported TCB, 16 hex digits>.der,\n"
    "                    amd/<Product>/vlek/<SHA-256 of the key (SPKI DER)>.der,\n"
    "                    amd/<Product>/cert_chain.pem (ASK, ARK), vlek_cert_chain.pem\n"
    "                    (ASVK, ARK) and crl.der, as AMD's KDS serves them\n"
    "\n"
    "then verify them all:\n"
    "  vouch verify --trust-anchor DIR/trust-anchor.pem --collateral DIR/collateral \\\n"
    "      DIR/evidence.ndjson > DIR/results.ndjson\n"
    "  (with --inline-vcek: vouch verify --trust-anchor DIR/trust-anchor.pem DIR/evidence.ndjson)\n"
    "\n"
    "exit codes: 0 done, 3 usage error, 4 cannot write the output or make keys.\n";

enum { K_GOOD, K_OLD_FW, K_V5, K_DEBUG, K_VLEK, K_OLDER_TCB, K_TAMPERED, K_TCB_MISMATCH, K_COUNT };

static const char *const kKindNames[K_COUNT] = {
    "good",      "good-old-fw",          "good-v5",     "debug", "vlek",
    "older-tcb", "tampered-measurement", "tcb-mismatch"};

/* The TCB every chip runs, and the older one of kind older-tcb. */
static const vouch_gen_snp_tcb kTcb = {
    .fmc = 1, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
static const vouch_gen_snp_tcb kOlderTcb = {
    .fmc = 1, .bootloader = 2, .tee = 0, .snp = 7, .microcode = 115};

typedef struct {
  vouch_gen_snp_pki *pki;
  vouch_gen_snp_product product;
  vouch_gen_snp_key **vceks; /* per chip */
  vouch_gen_snp_key **older; /* per chip, only where an older-tcb report needs it */
  vouch_gen_snp_key *vlek;
  uint64_t chips, seed;
  bool inline_vcek;
  /* base64 DER of the ASK and ASVK, for --inline-vcek */
  vouch_buf ask_b64, asvk_b64;
} fleet;

/* kind_of: report |i|'s kind.  Not simply i mod 8: with C a multiple of 2
 * each chip would then make only some kinds (chip c only kind c mod 8). */
static int kind_of(uint64_t i, uint64_t chips) {
  return (int)((i % chips + i / chips) % K_COUNT);
}

static void kind_verdict(int kind, bool inline_vcek, const char **status, const char **code) {
  *code = NULL;
  switch (kind) {
    case K_DEBUG:
      *status = "warning";
      return;
    case K_TAMPERED:
      *status = "contraindicated";
      *code = "E_SIGNATURE";
      return;
    case K_TCB_MISMATCH:
      /* From the directory, the lookup is keyed by the reported TCB: the
       * chip's VCEK for its real TCB is (rightly) not used. */
      *status = inline_vcek ? "contraindicated" : "error";
      *code = inline_vcek ? "E_COLLATERAL_MISMATCH" : "E_COLLATERAL_MISSING";
      return;
    default:
      *status = "affirming";
      return;
  }
}

static void put_b64(vouch_buf *b, const uint8_t *d, size_t n) {
  vouch_base64_encode(b, d, n);
}

/* one_report appends the envelope of report |i| to |out|. */
static vouch_status one_report(const fleet *f, uint64_t i, vouch_buf *out) {
  int kind = kind_of(i, f->chips);
  uint64_t chip = i % f->chips;
  const vouch_gen_snp_key *key = kind == K_VLEK        ? f->vlek
                                 : kind == K_OLDER_TCB ? f->older[chip]
                                                       : f->vceks[chip];
  vouch_gen_snp_report_opts o;
  vouch_gen_snp_report_opts_default(&o, key);
  /* Every report its own REPORT_DATA (a nonce in real use) and each chip
   * its own REPORT_ID, so no two reports are alike. */
  for (int b = 0; b < 8; b++) {
    o.report_data[b] = (uint8_t)(i >> (8 * b));
    o.report_data[8 + b] = (uint8_t)(f->seed >> (8 * b));
    o.report_id[b] = (uint8_t)(chip >> (8 * b));
  }
  switch (kind) {
    case K_OLD_FW:
      o.version = f->product == VOUCH_GEN_SNP_TURIN ? 3 : 2;
      o.current_minor = o.committed_minor = 51;
      break;
    case K_V5:
      o.version = 5;
      o.launch_mit_vector = o.current_mit_vector = 0x3;
      break;
    case K_DEBUG:
      o.policy |= UINT64_C(1) << 19;
      break;
    case K_TAMPERED:
      o.corrupt = VOUCH_GEN_SNP_CORRUPT_MEASUREMENT;
      break;
    case K_TCB_MISMATCH:
      /* Claimed newer than the VCEK's: no chip has a VCEK for it. */
      o.reported_tcb.snp = (uint8_t)(kTcb.snp + 1);
      o.current_tcb = o.committed_tcb = o.reported_tcb;
      break;
    default:
      break;
  }
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_status s = vouch_gen_snp_report(key, &o, &rep);
  if (s == VOUCH_OK) {
    vouch_buf_printf(out, "{\"id\":\"snp-%06llu\",\"type\":\"snp\",\"evidence\":\"",
                     (unsigned long long)i);
    vouch_base64url_encode(out, (const uint8_t *)rep.data, rep.len);
    vouch_buf_putc(out, '"');
    if (f->inline_vcek) {
      const uint8_t *der;
      size_t len;
      s = vouch_gen_snp_key_cert_der(key, &der, &len);
      bool vlek = kind == K_VLEK;
      vouch_buf_puts(out, vlek ? ",\"collateral\":{\"vlek\":\"" : ",\"collateral\":{\"vcek\":\"");
      put_b64(out, der, len);
      vouch_buf_puts(out, vlek ? "\",\"asvk\":\"" : "\",\"ask\":\"");
      const vouch_buf *ca = vlek ? &f->asvk_b64 : &f->ask_b64;
      vouch_buf_append(out, ca->data, ca->len);
      vouch_buf_puts(out, "\"}");
    }
    vouch_buf_puts(out, "}\n");
    if (s == VOUCH_OK) s = vouch_buf_status(out);
  }
  vouch_buf_free(&rep);
  return s;
}

/* ---- parallel signing: a chunk of reports split over J threads ---------- */

typedef struct {
  const fleet *f;
  uint64_t first, end; /* report indices */
  vouch_buf out;
  vouch_status status;
} slice;

static void *slice_run(void *arg) {
  slice *sl = arg;
  for (uint64_t i = sl->first; i < sl->end && sl->status == VOUCH_OK; i++) {
    sl->status = one_report(sl->f, i, &sl->out);
  }
  return NULL;
}

/* ---- files ---------------------------------------------------------------- */

static vouch_status mkdirs(const char *path, vouch_err *err) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
    return vouch_fail(err, VOUCH_E_ARG, "path too long: %s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
    return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
  return VOUCH_OK;
}

static vouch_status write_file(const char *path, const void *data, size_t len, vouch_err *err) {
  FILE *fp = fopen(path, "wb");
  if (fp == NULL) return vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", path, strerror(errno));
  bool ok = fwrite(data, 1, len, fp) == len;
  if (fclose(fp) != 0 || !ok) return vouch_fail(err, VOUCH_E_IO, "cannot write %s", path);
  return VOUCH_OK;
}

/* file_vcek writes a VCEK where a KDS cache keeps it: by product, hwID
 * (hex, lower case as KDS URLs spell it) and the TCB it is for (the
 * TCB_VERSION as 16 hex digits, most significant byte first, as AMD tools
 * print it and the verifier's snp_reported_tcb_raw claim shows it). */
static vouch_status file_vcek(const char *amd, vouch_gen_snp_product p, const vouch_gen_snp_key *k,
                              const vouch_gen_snp_tcb *tcb, vouch_err *err) {
  char hwid[129], dir[4096 + 160], path[4096 + 200];
  size_t hw_len = p == VOUCH_GEN_SNP_TURIN ? 8 : 64;
  vouch_hex_encode(vouch_gen_snp_key_chip_id(k), hw_len, hwid);
  snprintf(dir, sizeof dir, "%s/vcek/%s", amd, hwid);
  VOUCH_GUARD(mkdirs(dir, err));
  snprintf(path, sizeof path, "%s/%016llx.der", dir,
           (unsigned long long)vouch_gen_snp_tcb_raw(p, tcb));
  const uint8_t *der;
  size_t len;
  VOUCH_GUARD(vouch_gen_snp_key_cert_der(k, &der, &len));
  return write_file(path, der, len, err);
}

/* file_vlek writes a VLEK under the SHA-256 of its SubjectPublicKeyInfo
 * (VLEKs belong to a cloud provider, not to a chip: never keyed by chip). */
static vouch_status file_vlek(const char *amd, const vouch_gen_snp_key *k, vouch_err *err) {
  const uint8_t *der;
  size_t len;
  VOUCH_GUARD(vouch_gen_snp_key_cert_der(k, &der, &len));
  struct vouch_cert *cert = NULL;
  struct vouch_pubkey *key = NULL;
  uint8_t *spki = NULL;
  size_t spki_len = 0;
  vouch_status s = vouch_cert_from_der(der, len, &cert);
  if (s == VOUCH_OK) s = vouch_cert_pubkey(cert, &key);
  if (s == VOUCH_OK) s = vouch_pubkey_spki_der(key, &spki, &spki_len);
  if (s == VOUCH_OK) {
    uint8_t h[VOUCH_SHA256_LEN];
    char hex[2 * VOUCH_SHA256_LEN + 1], dir[4096 + 160], path[4096 + 300];
    vouch_sha256(spki, spki_len, h);
    vouch_hex_encode(h, sizeof h, hex);
    snprintf(dir, sizeof dir, "%s/vlek", amd);
    s = mkdirs(dir, err);
    snprintf(path, sizeof path, "%s/%s.der", dir, hex);
    if (s == VOUCH_OK) s = write_file(path, der, len, err);
  } else if (err != NULL && err->code == VOUCH_OK) {
    vouch_fail(err, s, "cannot read back the generated VLEK");
  }
  free(spki);
  vouch_pubkey_free(key);
  vouch_cert_free(cert);
  return s;
}

static vouch_status write_chain(const char *path, const vouch_gen_snp_pki *pki,
                                vouch_gen_snp_ca inter, vouch_err *err) {
  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  vouch_status s = vouch_gen_snp_pki_cert_pem(pki, inter, &pem);
  if (s == VOUCH_OK) s = vouch_gen_snp_pki_cert_pem(pki, VOUCH_GEN_SNP_ARK, &pem);
  if (s == VOUCH_OK) s = write_file(path, pem.data, pem.len, err);
  vouch_buf_free(&pem);
  return s;
}

static const char *const kProductDir[3] = {"Milan", "Genoa", "Turin"};

/* write_collateral fills DIR/collateral/amd/<Product>/ and DIR/trust-anchor.pem. */
static vouch_status write_collateral(const char *out_dir, const fleet *f, vouch_err *err) {
  char amd[4096], path[4096 + 64];
  snprintf(amd, sizeof amd, "%s/collateral/amd/%s", out_dir, kProductDir[f->product]);
  VOUCH_GUARD(mkdirs(amd, err));
  for (uint64_t c = 0; c < f->chips; c++) {
    VOUCH_GUARD(file_vcek(amd, f->product, f->vceks[c], &kTcb, err));
    if (f->older[c] != NULL) VOUCH_GUARD(file_vcek(amd, f->product, f->older[c], &kOlderTcb, err));
  }
  VOUCH_GUARD(file_vlek(amd, f->vlek, err));
  snprintf(path, sizeof path, "%s/cert_chain.pem", amd);
  VOUCH_GUARD(write_chain(path, f->pki, VOUCH_GEN_SNP_ASK, err));
  snprintf(path, sizeof path, "%s/vlek_cert_chain.pem", amd);
  VOUCH_GUARD(write_chain(path, f->pki, VOUCH_GEN_SNP_ASVK, err));
  /* An empty CRL (nothing revoked), valid a month around --now as the
   * other generators' collateral is. */
  vouch_gen_snp_crl_opts co = {.span = 30 * 86400};
  vouch_buf crl;
  vouch_buf_init(&crl, 0);
  vouch_status s = vouch_gen_snp_crl(f->pki, &co, &crl, err);
  snprintf(path, sizeof path, "%s/crl.der", amd);
  if (s == VOUCH_OK) s = write_file(path, crl.data, crl.len, err);
  vouch_buf_free(&crl);
  VOUCH_GUARD(s);
  vouch_buf ark;
  vouch_buf_init(&ark, 0);
  s = vouch_gen_snp_pki_cert_pem(f->pki, VOUCH_GEN_SNP_ARK, &ark);
  snprintf(path, sizeof path, "%s/trust-anchor.pem", out_dir);
  if (s == VOUCH_OK) s = write_file(path, ark.data, ark.len, err);
  vouch_buf_free(&ark);
  return s;
}

static bool parse_product(const char *s, vouch_gen_snp_product *out) {
  static const char *const kNames[3] = {"milan", "genoa", "turin"};
  for (int i = 0; i < 3; i++) {
    if (strcasecmp(s, kNames[i]) == 0) {
      *out = (vouch_gen_snp_product)i;
      return true;
    }
  }
  return false;
}

int vouch_cmd_gen_snp(int argc, char **argv) {
  enum { O_INLINE = 256, O_PRODUCT, O_NOW, O_CHIPS, O_REPORTS, O_SEED };
  static const struct option kOpts[] = {{"out", required_argument, NULL, 'o'},
                                        {"chips", required_argument, NULL, O_CHIPS},
                                        {"reports", required_argument, NULL, O_REPORTS},
                                        {"seed", required_argument, NULL, O_SEED},
                                        {"now", required_argument, NULL, O_NOW},
                                        {"product", required_argument, NULL, O_PRODUCT},
                                        {"inline-vcek", no_argument, NULL, O_INLINE},
                                        {"jobs", required_argument, NULL, 'j'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *out_dir = NULL;
  uint64_t chips = 4, reports = 64, seed = 1, jobs = 0;
  int64_t now = (int64_t)time(NULL);
  vouch_gen_snp_product product = VOUCH_GEN_SNP_MILAN;
  bool quiet = false, inline_vcek = false;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:j:qh", kOpts, NULL)) != -1) {
    switch (c) {
      case 'o':
        out_dir = optarg;
        break;
      case O_CHIPS:
        if (!vouch_parse_count(optarg, 1, 100000, &chips)) {
          fprintf(stderr, "vouch gen snp: --chips takes 1 to 100000\n");
          return GS_USAGE;
        }
        break;
      case O_REPORTS:
        if (!vouch_parse_count(optarg, 1, 10000000, &reports)) {
          fprintf(stderr, "vouch gen snp: --reports takes 1 to 10000000\n");
          return GS_USAGE;
        }
        break;
      case O_SEED:
        if (!vouch_parse_count(optarg, 0, UINT32_MAX, &seed)) {
          fprintf(stderr, "vouch gen snp: --seed takes a number from 0 to 4294967295\n");
          return GS_USAGE;
        }
        break;
      case O_NOW:
        if (vouch_time_parse(optarg, strlen(optarg), &now) != VOUCH_OK) {
          fprintf(stderr,
                  "vouch gen snp: --now takes RFC 3339 (2025-07-01T00:00:00Z) or Unix seconds\n");
          return GS_USAGE;
        }
        break;
      case O_PRODUCT:
        if (!parse_product(optarg, &product)) {
          fprintf(stderr, "vouch gen snp: --product takes milan, genoa or turin\n");
          return GS_USAGE;
        }
        break;
      case O_INLINE:
        inline_vcek = true;
        break;
      case 'j':
        if (!vouch_parse_count(optarg, 1, 64, &jobs)) {
          fprintf(stderr, "vouch gen snp: --jobs takes 1 to 64\n");
          return GS_USAGE;
        }
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        fputs(kHelp, stdout);
        return GS_OK;
      case ':':
        fprintf(stderr, "vouch gen snp: %s needs a value\n", argv[optind - 1]);
        return GS_USAGE;
      default:
        fprintf(stderr, "vouch gen snp: unknown option '%s' (see --help)\n", argv[optind - 1]);
        return GS_USAGE;
    }
  }
  if (out_dir == NULL || optind != argc) {
    fprintf(stderr, "vouch gen snp: give --out DIR (see --help)\n");
    return GS_USAGE;
  }
  if (jobs == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = n < 1 ? 1 : n > 64 ? 64 : (uint64_t)n;
  }
  vouch_err err = {0};
  int rc = GS_SETUP;
  FILE *ev = NULL, *ex = NULL;
  fleet f = {.product = product, .chips = chips, .seed = seed, .inline_vcek = inline_vcek};
  vouch_buf_init(&f.ask_b64, 0);
  vouch_buf_init(&f.asvk_b64, 0);
  slice *slices = NULL;
  pthread_t *threads = NULL;
  f.vceks = calloc(chips, sizeof(*f.vceks));
  f.older = calloc(chips, sizeof(*f.older));
  slices = calloc(jobs, sizeof(*slices));
  threads = calloc(jobs, sizeof(*threads));
  if (!f.vceks || !f.older || !slices || !threads) {
    vouch_fail(&err, VOUCH_E_NOMEM, "out of memory");
    goto fail;
  }
  for (uint64_t t = 0; t < jobs; t++) vouch_buf_init(&slices[t].out, 0);
  if (mkdirs(out_dir, &err) != VOUCH_OK) goto fail;

  /* The hierarchy: three RSA-4096 keys (seconds; made once per process). */
  vouch_gen_snp_pki_opts po = {.now = now, .seed = seed, .product = product};
  if (vouch_gen_snp_pki_new(&po, &f.pki, &err) != VOUCH_OK) goto fail;
  const uint8_t *der;
  size_t der_len;
  if (vouch_gen_snp_pki_cert_der(f.pki, VOUCH_GEN_SNP_ASK, &der, &der_len) != VOUCH_OK) goto fail;
  put_b64(&f.ask_b64, der, der_len);
  if (vouch_gen_snp_pki_cert_der(f.pki, VOUCH_GEN_SNP_ASVK, &der, &der_len) != VOUCH_OK) goto fail;
  put_b64(&f.asvk_b64, der, der_len);
  /* One VCEK per chip (a P-384 key and one RSA-PSS signature by the ASK);
   * a chip that also reports at the older TCB gets its VCEK for it, with
   * the same chip id, as KDS would issue. */
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.tcb = kTcb;
  for (uint64_t i = 0; i < chips; i++) {
    if (vouch_gen_snp_key_new(f.pki, &ko, &f.vceks[i], &err) != VOUCH_OK) goto fail;
  }
  for (uint64_t i = 0; i < reports; i++) {
    uint64_t chip = i % chips;
    if (kind_of(i, chips) != K_OLDER_TCB || f.older[chip] != NULL) continue;
    vouch_gen_snp_key_opts oo = ko;
    oo.tcb = kOlderTcb;
    memcpy(oo.chip_id, vouch_gen_snp_key_chip_id(f.vceks[chip]), 64);
    if (vouch_gen_snp_key_new(f.pki, &oo, &f.older[chip], &err) != VOUCH_OK) goto fail;
  }
  vouch_gen_snp_key_opts vo = ko;
  vo.vlek = true;
  if (vouch_gen_snp_key_new(f.pki, &vo, &f.vlek, &err) != VOUCH_OK) goto fail;
  if (write_collateral(out_dir, &f, &err) != VOUCH_OK) goto fail;

  char path[4096 + 32];
  snprintf(path, sizeof path, "%s/evidence.ndjson", out_dir);
  ev = fopen(path, "w");
  snprintf(path, sizeof path, "%s/expected.ndjson", out_dir);
  ex = fopen(path, "w");
  if (!ev || !ex) {
    vouch_fail(&err, VOUCH_E_IO, "cannot write in %s: %s", out_dir, strerror(errno));
    goto fail;
  }
  uint64_t by_status[4] = {0}; /* affirming, warning, contraindicated, error */
  for (uint64_t i = 0; i < reports; i++) {
    int kind = kind_of(i, chips);
    const char *status, *code;
    kind_verdict(kind, inline_vcek, &status, &code);
    by_status[strcmp(status, "affirming") == 0 ? 0
              : strcmp(status, "warning") == 0 ? 1
              : strcmp(status, "error") == 0   ? 3
                                               : 2]++;
    char chip[24];
    if (kind == K_VLEK) {
      snprintf(chip, sizeof chip, "null");
    } else {
      snprintf(chip, sizeof chip, "%llu", (unsigned long long)(i % chips));
    }
    fprintf(ex,
            "{\"id\":\"snp-%06llu\",\"status\":\"%s\",\"error_code\":%s%s%s,\"kind\":\"%s\","
            "\"chip\":%s}\n",
            (unsigned long long)i, status, code ? "\"" : "", code ? code : "null", code ? "\"" : "",
            kKindNames[kind], chip);
  }
  /* Reports in chunks: each chunk split over the threads, written in order,
   * so memory stays bounded and the output does not depend on J. */
  const uint64_t kChunk = 4096;
  for (uint64_t first = 0; first < reports; first += kChunk) {
    uint64_t end = first + kChunk < reports ? first + kChunk : reports;
    uint64_t n = end - first, per = (n + jobs - 1) / jobs;
    size_t started = 0;
    for (uint64_t t = 0; t < jobs; t++) {
      slice *sl = &slices[t];
      vouch_buf_reset(&sl->out);
      sl->f = &f;
      sl->first = first + t * per < end ? first + t * per : end;
      sl->end = sl->first + per < end ? sl->first + per : end;
      sl->status = VOUCH_OK;
      if (jobs == 1) {
        slice_run(sl);
      } else if (pthread_create(&threads[t], NULL, slice_run, sl) == 0) {
        started = t + 1;
      } else {
        vouch_fail(&err, VOUCH_E_INTERNAL, "cannot start a signing thread");
        for (size_t k = 0; k < started; k++) pthread_join(threads[k], NULL);
        goto fail;
      }
    }
    for (size_t k = 0; k < started; k++) pthread_join(threads[k], NULL);
    for (uint64_t t = 0; t < jobs; t++) {
      if (slices[t].status != VOUCH_OK) {
        vouch_fail(&err, slices[t].status, "cannot make report: %s",
                   vouch_status_message(slices[t].status));
        goto fail;
      }
      if (slices[t].out.len > 0) fwrite(slices[t].out.data, 1, slices[t].out.len, ev);
    }
  }
  if (fclose(ev) != 0 || fclose(ex) != 0) {
    ev = ex = NULL;
    vouch_fail(&err, VOUCH_E_IO, "cannot finish writing in %s", out_dir);
    goto fail;
  }
  ev = ex = NULL;
  if (!quiet) {
    fprintf(stderr,
            "vouch gen snp: %llu %s reports from %llu chips in %s/evidence.ndjson (affirming "
            "%llu, warning %llu, contraindicated %llu, error %llu); VCEKs %s\n",
            (unsigned long long)reports, kProductDir[product], (unsigned long long)chips, out_dir,
            (unsigned long long)by_status[0], (unsigned long long)by_status[1],
            (unsigned long long)by_status[2], (unsigned long long)by_status[3],
            inline_vcek ? "inline" : "in collateral/ (pass --collateral DIR/collateral)");
  }
  rc = GS_OK;
  goto done;
fail:
  fprintf(stderr, "vouch gen snp: %s\n", err.msg[0] ? err.msg : "failed");
done:
  if (ev) fclose(ev);
  if (ex) fclose(ex);
  for (uint64_t t = 0; slices != NULL && t < jobs; t++) vouch_buf_free(&slices[t].out);
  free(slices);
  free(threads);
  for (uint64_t i = 0; i < chips; i++) {
    if (f.vceks) vouch_gen_snp_key_free(f.vceks[i]);
    if (f.older) vouch_gen_snp_key_free(f.older[i]);
  }
  free(f.vceks);
  free(f.older);
  vouch_gen_snp_key_free(f.vlek);
  vouch_gen_snp_pki_free(f.pki);
  vouch_buf_free(&f.ask_b64);
  vouch_buf_free(&f.asvk_b64);
  return rc;
}
