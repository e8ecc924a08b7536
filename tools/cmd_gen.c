/* tools/cmd_gen.c - `vouch gen sgx` and `vouch gen tdx`: a synthetic SGX or
 * TDX fleet (quotes, collateral directory, trust anchor, expected verdicts)
 * from the test PKI of tools/gen, sized and mixed from the command line. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tools/commands.h"
#include "tools/gen/gen.h"

enum { EXIT_OK = 0, EXIT_USAGE = 3, EXIT_IO = 4 };

static const char kGenUsage[] =
    "usage: vouch gen sgx --out DIR [--platforms P] [--quotes N] [--seed S] [--now TIME]\n"
    "                     [--enclaves E] [--mix KIND=WEIGHT,...] [--jobs J] [--quiet]\n"
    "       vouch gen tdx --out DIR [the same options]\n"
    "       vouch gen snp --out DIR [--chips C] [--reports N] [--product P] [--inline-vcek] ...\n"
    "       vouch gen tpm --out DIR [--quotes N] [--seed S]\n"
    "\n"
    "Makes synthetic Intel SGX (quote v3) or TDX (quote v4/v5) evidence and the signed\n"
    "collateral it needs, from a test PKI shaped exactly like Intel's, AMD SEV-SNP reports\n"
    "with their VCEKs from a test AMD hierarchy, or TPM 2.0 quotes from software keys, for\n"
    "tests, benchmarks and demos.  Options, kinds and output files: 'vouch gen sgx --help',\n"
    "'vouch gen tdx --help', 'vouch gen snp --help', 'vouch gen tpm --help'.\n";

static const char kSgxIntro[] =
    "usage: vouch gen sgx --out DIR [--platforms P] [--quotes N] [--seed S] [--now TIME]\n"
    "                     [--enclaves E] [--mix KIND=WEIGHT,...] [--jobs J] [--quiet]\n"
    "\n"
    "Makes synthetic Intel SGX evidence for tests, benchmarks and demos: a test PKI shaped\n"
    "exactly like Intel's (root, PCK Processor and Platform CAs, TCB Signing, CRLs), P\n"
    "platforms (one PCK certificate, attestation key and QE report each, as on real\n"
    "machines), N SGX v3 quotes, and the signed collateral they need.  Only the trust anchor\n"
    "differs from production, so 'vouch verify' runs its real code on them.  (TDX: 'vouch\n"
    "gen tdx --help'.)\n"
    "\n"
    "options:\n";

static const char kTdxIntro[] =
    "usage: vouch gen tdx --out DIR [--platforms P] [--quotes N] [--seed S] [--now TIME]\n"
    "                     [--enclaves E] [--mix KIND=WEIGHT,...] [--jobs J] [--quiet]\n"
    "\n"
    "Makes synthetic Intel TDX evidence for tests, benchmarks and demos: a test PKI shaped\n"
    "exactly like Intel's (root, PCK Processor and Platform CAs, TCB Signing, CRLs), P TDX\n"
    "platforms (one PCK certificate, attestation key and TD Quoting Enclave report each, as\n"
    "on real machines), N TD quotes, and the signed collateral they need: TCB Info v3 with\n"
    "id \"TDX\" (TDX components, tdxModule, tdxModuleIdentities) and the TD_QE identity.\n"
    "Each platform makes one quote format, drawn with the seed: v4 (TD report 1.0), v5 with\n"
    "TD report 1.0, or v5 with TD report 1.5; certification data is type 6 wrapping the PCK\n"
    "chain (type 5), as on real hardware.  Only the trust anchor differs from production,\n"
    "so 'vouch verify' runs its real code on them.\n"
    "\n"
    "options:\n";

static const char kOptions[] =
    "  --out DIR, -o DIR    output directory (created if missing; a corpus made there before\n"
    "                       by vouch gen is replaced, other files are left alone)\n"
    "  --platforms P        number of platforms (default 10, at most 100000; each takes\n"
    "                       ~0.4 ms to make and ~17 KB of memory while quotes are made)\n"
    "  --quotes N           number of quotes (default 1000); quote i comes from platform\n"
    "                       i mod P, so platforms share the load evenly\n"
    "  --seed S             seed of every derived value (default 1): the same seed, --now and\n"
    "                       options give the same corpus, except keys and ECDSA signatures,\n"
    "                       which are random (expected.ndjson is byte-identical)\n"
    "  --now TIME           instant the certificates and collateral are centred on (RFC 3339\n"
    "                       such as 2025-07-01T00:00:00Z, or Unix seconds; default: the wall\n"
    "                       clock).  Collateral is valid from TIME-15 days to TIME+15 days:\n"
    "                       verify inside that window, or pass 'vouch verify --at TIME'\n";

static const char kSgxEnclaves[] =
    "  --enclaves E         distinct enclave identities (MRENCLAVE, MRSIGNER, ISVPRODID,\n"
    "                       ISVSVN) across the quotes (default 4)\n";

static const char kTdxEnclaves[] =
    "  --enclaves E         distinct TD identities across the quotes (default 4): MRCONFIGID,\n"
    "                       MROWNER, RTMR1 and RTMR2 each their own, MRTD and RTMR0 shared\n"
    "                       by two\n";

static const char kOptionsTail[] =
    "  --mix KIND=W,...     platform kinds and their relative weights (default UpToDate=1).\n"
    "                       Each platform gets one kind: platforms are shared in proportion\n"
    "                       to the weights, every kind listed gets at least one, and the\n"
    "                       seed shuffles them.  'all' stands for every kind; a KIND without\n"
    "                       =W weighs 1\n"
    "  --jobs J, -j J       signing threads (default: the number of CPUs, at most 64); the\n"
    "                       output is the same for any J\n"
    "  --quiet, -q          no progress line and no summary\n"
    "  --help, -h           this help\n"
    "\n"
    "kinds (each its own FMSPC and TCB Info, so its platforms match exactly that level):\n";

static const char kTdxKindsNote[] =
    "  Every TDX platform has TEE_TCB_SVN 05 01 07 (TDX module 1, SVN 5) and TD_QE svn 4\n"
    "  (UpToDate).  tcb_status in expected.ndjson is the combined status (TDX level, module\n"
    "  level, TD_QE level); advisory_ids the union of the three levels' IDs.\n";

static const char kHelpTail[] =
    "  Names are case-sensitive where it matters: 'Revoked' is the TCB level status,\n"
    "  'revoked' (or 'revoked-pck') a revoked PCK certificate.\n"
    "\n"
    "output files in DIR:\n"
    "  evidence.ndjson   one envelope per quote: "
    "{\"id\":\"q-1\",\"type\":\"%s\",\"evidence\":\"...\"}\n"
    "                    (no inline collateral and no \"at\": stored evidence)\n"
    "  expected.ndjson   the result vouch must give each quote, same ids and order:\n"
    "                    "
    "{\"id\",\"status\",\"tcb_status\",\"advisory_ids\",\"error_code\",\"kind\",\"platform\"}\n"
    "  collateral/       TCB Infos, %s Identity, CRLs and issuer chains in the collateral\n"
    "                    directory layout ('vouch collateral --help')\n"
    "  trust-anchor.pem  the test root CA (trusted only when given to vouch verify)\n"
    "  MANIFEST.json     options, counts per kind, expected counts per status, validity window%s\n"
    "\n"
    "then verify them all:\n"
    "  vouch verify --trust-anchor DIR/trust-anchor.pem --collateral DIR/collateral \\\n"
    "      DIR/evidence.ndjson > DIR/results.ndjson\n"
    "\n"
    "exit codes:\n"
    "  0  corpus written\n"
    "  3  bad command line\n"
    "  4  cannot write the output (or the generator failed)\n";

static void usage_error(const char *fmt, ...) VOUCH_PRINTF(1, 2);
static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("vouch gen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nRun 'vouch gen --help' for usage.\n", stderr);
  va_end(ap);
}

static void print_help(FILE *f, vouch_gen_tee tee) {
  bool tdx = tee == VOUCH_GEN_TEE_TDX;
  fputs(tdx ? kTdxIntro : kSgxIntro, f);
  fputs(kOptions, f);
  fputs(tdx ? kTdxEnclaves : kSgxEnclaves, f);
  fputs(kOptionsTail, f);
  /* Name column, then the description wrapped at 88 columns. */
  enum { kIndent = 37, kWidth = 88 };
  for (unsigned k = 0; k < vouch_gen_tee_kind_count(tee); k++) {
    fprintf(f, "  %-34s ", vouch_gen_tee_kind_name(tee, k));
    const char *d = vouch_gen_tee_kind_describe(tee, k);
    int col = kIndent;
    while (*d) {
      size_t word = strcspn(d, " ");
      if (col > kIndent && col + 1 + (int)word > kWidth) {
        fprintf(f, "\n%*s", kIndent, "");
        col = kIndent;
      } else if (col > kIndent) {
        fputc(' ', f);
        col++;
      }
      fwrite(d, 1, word, f);
      col += (int)word;
      d += word;
      while (*d == ' ') d++;
    }
    fputc('\n', f);
  }
  if (tdx) fputs(kTdxKindsNote, f);
  fprintf(f, kHelpTail, vouch_gen_tee_name(tee), tdx ? "TD_QE" : "QE",
          tdx ? ",\n                    quotes per quote format" : "");
}

static void kind_list(vouch_gen_tee tee, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (unsigned k = 0; k < vouch_gen_tee_kind_count(tee); k++) {
    int w = snprintf(out + n, cap - n, "%s%s", k ? ", " : "", vouch_gen_tee_kind_name(tee, k));
    if (w < 0 || (size_t)w >= cap - n) return;
    n += (size_t)w;
  }
}

/* parse_mix reads "KIND=W,KIND=W,..." into |weights| (kinds of |tee|). */
static bool parse_mix(vouch_gen_tee tee, const char *spec, uint32_t weights[VOUCH_GEN_MAX_KINDS]) {
  bool seen[VOUCH_GEN_MAX_KINDS] = {false};
  unsigned count = vouch_gen_tee_kind_count(tee);
  memset(weights, 0, VOUCH_GEN_MAX_KINDS * sizeof(weights[0]));
  const char *p = spec;
  uint64_t total = 0;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char item[128];
    if (len == 0 || len >= sizeof(item)) {
      usage_error("--mix: empty or over-long item in '%s'; write KIND=WEIGHT,KIND=WEIGHT", spec);
      return false;
    }
    memcpy(item, p, len);
    item[len] = '\0';
    char *eq = strchr(item, '=');
    uint64_t w = 1;
    if (eq != NULL) {
      *eq = '\0';
      if (!vouch_parse_count(eq + 1, 0, 1000000, &w)) {
        usage_error("--mix: bad weight in '%s=%s': a weight is a whole number from 0 to 1000000",
                    item, eq + 1);
        return false;
      }
    }
    bool all = strcmp(item, "all") == 0;
    unsigned kind = 0;
    bool found = all || vouch_gen_tee_kind_parse(tee, item, strlen(item), &kind) == VOUCH_OK;
    if (!found && strcasecmp(item, "revoked") == 0) {
      usage_error(
          "--mix: '%s' is ambiguous: write 'Revoked' (a TCB level with that status) or "
          "'revoked' (a PCK certificate listed in its CA's CRL)",
          item);
      return false;
    }
    if (!found) {
      char names[1024];
      kind_list(tee, names, sizeof(names));
      usage_error("--mix: unknown kind '%s' (kinds: %s, or all)", item, names);
      return false;
    }
    for (unsigned k = 0; k < count; k++) {
      if (!all && k != kind) continue;
      if (seen[k]) {
        usage_error("--mix: kind %s is given twice", vouch_gen_tee_kind_name(tee, k));
        return false;
      }
      seen[k] = true;
      weights[k] = (uint32_t)w;
      total += w;
    }
    if (end == NULL) break;
    p = end + 1;
  }
  if (total == 0) {
    usage_error("--mix: every weight is 0 in '%s'; give at least one kind a weight above 0", spec);
    return false;
  }
  return true;
}

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
  double started, last;
  bool shown;
} progress_state;

static void on_progress(void *ctx, uint64_t done, uint64_t total) {
  progress_state *ps = ctx;
  double t = mono_now();
  bool final = done == total;
  if (!final && t - ps->last < 0.2) return;
  if (final && !ps->shown) return; /* a quick run needs no progress line */
  ps->last = t;
  ps->shown = true;
  double el = t - ps->started;
  fprintf(stderr, "\rvouch gen: %" PRIu64 " / %" PRIu64 " quotes (%3.0f%%)  %.0f quotes/s%s", done,
          total, total ? 100.0 * (double)done / (double)total : 100.0,
          el > 0 ? (double)done / el : 0.0, final ? "\n" : "");
  fflush(stderr);
}

static void print_summary(const vouch_gen_corpus_opts *o, const vouch_gen_corpus_stats *st) {
  unsigned count = vouch_gen_tee_kind_count(o->tee);
  uint64_t quotes = 0;
  for (unsigned k = 0; k < count; k++) quotes += st->quotes[k];
  char from[VOUCH_TIME_STR_LEN], until[VOUCH_TIME_STR_LEN];
  vouch_time_format(o->now - 15 * 86400, from);
  vouch_time_format(o->now + 15 * 86400, until);
  fprintf(stderr,
          "vouch gen: %" PRIu64 "%s quotes from %" PRIu64 " platforms (%" PRIu64
          " Processor CA, %" PRIu64
          " Platform CA) in %s\n"
          "  setup %.2f s (PKI, platforms, collateral); quotes %.2f s, %.0f quotes/s with %u "
          "job%s, %.1f MB\n",
          quotes, o->tee == VOUCH_GEN_TEE_TDX ? " TDX" : "", o->num_platforms,
          o->num_platforms - st->platform_ca_platforms, st->platform_ca_platforms, o->out_dir,
          st->setup_seconds, st->quote_seconds,
          st->quote_seconds > 0 ? (double)quotes / st->quote_seconds : 0.0, o->jobs,
          o->jobs == 1 ? "" : "s", (double)st->evidence_bytes / 1e6);
  if (o->tee == VOUCH_GEN_TEE_TDX) {
    fprintf(stderr,
            "  quote formats: v4 %" PRIu64 ", v5 TD 1.0 %" PRIu64 ", v5 TD 1.5 %" PRIu64 "\n",
            st->td_format_quotes[VOUCH_GEN_TD_FORMAT_V4],
            st->td_format_quotes[VOUCH_GEN_TD_FORMAT_V5_TD10],
            st->td_format_quotes[VOUCH_GEN_TD_FORMAT_V5_TD15]);
  }
  fprintf(stderr, "  %-34s %9s %10s  %s\n", "kind", "platforms", "quotes", "expected verdict");
  for (unsigned k = 0; k < count; k++) {
    if (st->platforms[k] == 0) continue;
    vouch_gen_expected e;
    vouch_gen_tee_corpus_expected(o->tee, k, &e);
    fprintf(stderr, "  %-34s %9" PRIu64 " %10" PRIu64 "  %s%s%s%s%s\n",
            vouch_gen_tee_kind_name(o->tee, k), st->platforms[k], st->quotes[k], e.status,
            e.tcb_status ? " " : "", e.tcb_status ? e.tcb_status : "", e.error_code ? " " : "",
            e.error_code ? e.error_code : "");
  }
  fprintf(stderr,
          "  expected: affirming %" PRIu64 ", warning %" PRIu64 ", contraindicated %" PRIu64
          ", error %" PRIu64
          "\n"
          "  collateral valid %s .. %s\n"
          "verify with:\n"
          "  vouch verify --trust-anchor %s/trust-anchor.pem --collateral %s/collateral "
          "%s/evidence.ndjson\n",
          st->by_status[0], st->by_status[1], st->by_status[2], st->by_status[3], from, until,
          o->out_dir, o->out_dir, o->out_dir);
}

static int gen_corpus(vouch_gen_tee tee, int argc, char **argv) {
  enum { O_PLATFORMS = 256, O_QUOTES, O_SEED, O_NOW, O_ENCLAVES, O_MIX };
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  static const struct option kOpts[] = {{"out", required_argument, NULL, 'o'},
                                        {"platforms", required_argument, NULL, O_PLATFORMS},
                                        {"quotes", required_argument, NULL, O_QUOTES},
                                        {"seed", required_argument, NULL, O_SEED},
                                        {"now", required_argument, NULL, O_NOW},
                                        {"enclaves", required_argument, NULL, O_ENCLAVES},
                                        {"mix", required_argument, NULL, O_MIX},
                                        {"jobs", required_argument, NULL, 'j'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  vouch_gen_corpus_opts o;
  vouch_gen_corpus_opts_default(&o);
  o.tee = tee;
  o.now = (int64_t)time(NULL);
  o.jobs = cpus < 1                                 ? 1
           : cpus > (long)VOUCH_GEN_CORPUS_MAX_JOBS ? VOUCH_GEN_CORPUS_MAX_JOBS
                                                    : (unsigned)cpus;
  bool quiet = false;
  uint64_t v = 0;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:j:qh", kOpts, NULL)) != -1) {
    switch (c) {
      case 'o':
        o.out_dir = optarg;
        break;
      case O_PLATFORMS:
        if (!vouch_parse_count(optarg, 1, VOUCH_GEN_CORPUS_MAX_PLATFORMS, &v)) {
          usage_error("--platforms '%s': give a whole number from 1 to 100000", optarg);
          return EXIT_USAGE;
        }
        o.num_platforms = v;
        break;
      case O_QUOTES:
        if (!vouch_parse_count(optarg, 0, UINT64_C(1000000000000), &v)) {
          usage_error("--quotes '%s': give a whole number from 0 to 1000000000000", optarg);
          return EXIT_USAGE;
        }
        o.num_quotes = v;
        break;
      case O_SEED:
        if (!vouch_parse_count(optarg, 0, UINT64_MAX, &v)) {
          usage_error("--seed '%s': give a whole number from 0 to 18446744073709551615", optarg);
          return EXIT_USAGE;
        }
        o.seed = v;
        break;
      case O_NOW:
        if (vouch_time_parse(optarg, strlen(optarg), &o.now) != VOUCH_OK) {
          usage_error("--now '%s': give RFC 3339 (2025-07-01T00:00:00Z) or Unix seconds", optarg);
          return EXIT_USAGE;
        }
        break;
      case O_ENCLAVES:
        if (!vouch_parse_count(optarg, 1, VOUCH_GEN_CORPUS_MAX_ENCLAVES, &v)) {
          usage_error("--enclaves '%s': give a whole number from 1 to 65536", optarg);
          return EXIT_USAGE;
        }
        o.num_enclaves = (uint32_t)v;
        break;
      case O_MIX:
        if (!parse_mix(tee, optarg, o.weights)) return EXIT_USAGE;
        break;
      case 'j':
        if (!vouch_parse_count(optarg, 1, VOUCH_GEN_CORPUS_MAX_JOBS, &v)) {
          usage_error("--jobs '%s': give a whole number from 1 to 64", optarg);
          return EXIT_USAGE;
        }
        o.jobs = (unsigned)v;
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        print_help(stdout, tee);
        return EXIT_OK;
      case ':':
        usage_error("%s needs a value", argv[optind - 1]);
        return EXIT_USAGE;
      default:
        usage_error("unknown option '%s'", argv[optind - 1]);
        return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    usage_error("unexpected argument '%s' (every setting is an option, such as --out DIR)",
                argv[optind]);
    return EXIT_USAGE;
  }
  if (o.out_dir == NULL) {
    usage_error("%s", "--out DIR is required: the directory to write the corpus to");
    return EXIT_USAGE;
  }
  progress_state ps = {.started = mono_now()};
  if (!quiet && isatty(STDERR_FILENO)) {
    o.progress = on_progress;
    o.progress_ctx = &ps;
  }
  vouch_gen_corpus_stats st;
  vouch_err err = {0};
  vouch_status s = vouch_gen_corpus_write(&o, &st, &err);
  if (s != VOUCH_OK) {
    if (ps.shown) fputc('\n', stderr);
    fprintf(stderr, "vouch gen: %s\n", err.msg[0] ? err.msg : vouch_status_message(s));
    if (s == VOUCH_E_ARG) {
      fputs("Run 'vouch gen --help' for usage.\n", stderr);
      return EXIT_USAGE;
    }
    return EXIT_IO;
  }
  if (!quiet) print_summary(&o, &st);
  return EXIT_OK;
}

int vouch_cmd_gen(int argc, char **argv) {
  if (argc < 2) {
    fputs(kGenUsage, stderr);
    return EXIT_USAGE;
  }
  const char *what = argv[1];
  if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0 || strcmp(what, "help") == 0) {
    fputs(kGenUsage, stdout);
    return EXIT_OK;
  }
  if (strcmp(what, "sgx") == 0) return gen_corpus(VOUCH_GEN_TEE_SGX, argc - 1, argv + 1);
  if (strcmp(what, "tdx") == 0) return gen_corpus(VOUCH_GEN_TEE_TDX, argc - 1, argv + 1);
  if (strcmp(what, "tpm") == 0) return vouch_cmd_gen_tpm(argc - 1, argv + 1);
  if (strcmp(what, "snp") == 0) return vouch_cmd_gen_snp(argc - 1, argv + 1);
  usage_error(
      "unknown evidence type '%s'; write 'vouch gen sgx --out DIR ...', 'vouch gen tdx --out "
      "DIR ...', 'vouch gen snp --out DIR ...' or 'vouch gen tpm --out DIR ...'",
      what);
  return EXIT_USAGE;
}
