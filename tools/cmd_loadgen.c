/* tools/cmd_loadgen.c - `vouch loadgen`: open-loop load against an Azure
 * Attestation-compatible server (evidence from a corpus or generated), or
 * against a relying party (signed tokens); the work is in tools/loadgen/. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "token/token.h"
#include "tools/commands.h"
#include "tools/loadgen/loadgen.h"

/* Exit codes. */
enum { EXIT_OK = 0, EXIT_ERRORS = 1, EXIT_USAGE = 3, EXIT_SETUP = 4 };

static const char kHelp[] =
    "usage: vouch loadgen --target URL (--corpus FILE.ndjson | --gen sgx:platforms=N[,quotes=M])\n"
    "                     --rate R --duration SECONDS [--connections C] [--timeout-ms T]\n"
    "                     [--warmup SECONDS] [--json] [--gen-out DIR]\n"
    "       vouch loadgen --gen sgx:platforms=N[,quotes=M] --gen-out DIR\n"
    "       vouch loadgen --tokens --target URL --rate R --duration SECONDS [--state-dir D]\n"
    "                     [--token-alg ALG] [--connections C] [--json] ...\n"
    "       vouch loadgen --tokens --out FILE|- (--count N | --rate R --duration SECONDS)\n"
    "                     [--state-dir D] [--token-alg ALG]\n"
    "\n"
    "Drives an Azure Attestation-compatible server (vouch serve, or any other) or a relying\n"
    "party at a constant arrival rate and reports throughput, errors by kind and latency\n"
    "percentiles.\n"
    "\n"
    "Open loop: request k is due at start + k/R whatever happened to the requests before it;\n"
    "its latency runs from that intended instant to the end of its response, so a server\n"
    "that stalls cannot hide the queue it causes (coordinated omission is corrected).\n"
    "Requests go over C keep-alive HTTP/1.1 connections (default 16), one request at a time\n"
    "each; a due request that finds every connection busy waits in the loadgen's queue, and\n"
    "its latency keeps counting.  One thread on io_uring; the connections are opened before\n"
    "the clock starts.  Latencies go into a log-linear histogram (0.8% resolution, 1 us to\n"
    "100 s).  All traffic goes to the target alone.\n"
    "\n"
    "attest (the default):\n"
    "  POST <URL>/attest/SgxEnclave?api-version=2025-06-01 (TdxVm for \"type\":\"tdx\")\n"
    "  with {\"quote\": \"<base64url>\", \"runtimeData\": {\"data\", \"dataType\"}, \"nonce\"},\n"
    "  round-robin over the evidence.  A 2xx counts as ok only with {\"token\": \"...\"}.\n"
    "  --corpus FILE.ndjson   evidence envelopes, one per line (as 'vouch verify' reads and\n"
    "                         'vouch gen sgx' writes: {\"id\",\"type\":\"sgx\"|\"tdx\",\n"
    "                         \"evidence\",\"runtime_data\":{\"data\",\"data_type\"},\"nonce\"});\n"
    "                         \"at\" and \"collateral\" are ignored (servers take neither from\n"
    "                         clients); at most 1,000,000 lines are used\n"
    "  --gen sgx:platforms=N[,quotes=M][,seed=S]\n"
    "                         make the evidence here, before the clock starts: a test PKI\n"
    "                         shaped like Intel's (tools/gen), N platforms, M quotes (default\n"
    "                         max(N, 1000), at most 200,000; ~25 us each), each with its own\n"
    "                         runtime data (JSON, bound through REPORTDATA) and nonce\n"
    "  --gen-out DIR          also write what a server needs to verify that evidence:\n"
    "                         DIR/collateral/ (a collateral directory), DIR/trust-anchor.pem,\n"
    "                         and DIR/evidence.ndjson (the envelopes, for --corpus).  Without\n"
    "                         --target, loadgen writes them and exits.  The PKI is made fresh\n"
    "                         each run, so a server must be started with the files of the\n"
    "                         run whose evidence it gets:\n"
    "                           vouch loadgen --gen sgx:platforms=10 --gen-out lg\n"
    "                           vouch serve --collateral lg/collateral \\\n"
    "                               --trust-anchor lg/trust-anchor.pem &\n"
    "                           vouch loadgen --target http://127.0.0.1:8080 \\\n"
    "                               --corpus lg/evidence.ndjson --rate 500 --duration 10\n"
    "  A server that caches signature checks (vouch does) verifies a repeated quote's\n"
    "  signature once: for uncached figures use at least rate x duration distinct quotes.\n"
    "\n"
    "tokens (--tokens), for load-testing relying parties:\n"
    "  POST <URL> (the URL as given) with Content-Type application/json and the body\n"
    "  {\"token\": \"<JWT>\"}: an attestation token as vouch issues it, signed by the key of\n"
    "  the state directory (made on first use), over a realistic SGX claims set (Azure\n"
    "  Attestation's x-ms-sgx-* claims, the default policy's hash and issued claims) with\n"
    "  a fresh random jti, iat = nbf = the signing time, exp = iat + lifetime.  Relying\n"
    "  parties check them with the JWKS ('vouch token jwks --state-dir D').  Tokens are\n"
    "  signed before the clock starts, on all cores (at most 200,000; beyond, they repeat).\n"
    "  Any 2xx counts as ok.\n"
    "  --state-dir D          the key store (default $VOUCH_STATE_DIR, $XDG_DATA_HOME/vouch\n"
    "                         or ~/.local/share/vouch)\n"
    "  --token-alg ALG        RS256 (default, as Azure), PS256, ES256 (far cheaper to sign),\n"
    "                         ES384, EdDSA\n"
    "  --public-url URL       the tokens' iss and header jku (URL/certs)\n"
    "  --token-lifetime S     exp - iat (default 28800)\n"
    "  --out FILE|-           write the tokens one per line instead of sending them (as fast\n"
    "                         as they are signed); each passes 'vouch token verify\n"
    "                         --state-dir D'\n"
    "  --count N              with --out: how many (default rate x duration)\n"
    "\n"
    "run options:\n"
    "  --target URL           http://host[:port][/base]; https is out of scope (plain\n"
    "                         HTTP/1.1 only: target the server's plain port or a proxy's)\n"
    "  --rate R               requests per second (decimals allowed, at most 10,000,000)\n"
    "  --duration SECONDS     length of the measured window\n"
    "  --warmup SECONDS       send at the rate for this long first, without counting\n"
    "                         (default 0)\n"
    "  --connections C        keep-alive connections (default 16, at most 10000)\n"
    "  --timeout-ms T         a request without a complete response by its intended instant\n"
    "                         + T is a timeout error, and its connection is replaced\n"
    "                         (default 10000); the run ends by warm-up + duration + T\n"
    "  --json                 print exactly one JSON object on stdout (below)\n"
    "  --progress / --no-progress   a progress line on stderr (default: when it is a\n"
    "                         terminal)\n"
    "  --help, -h             this help\n"
    "\n"
    "error kinds (each request of the window ends as ok or exactly one of these):\n"
    "  connect               no connection could carry it: every connection to the target\n"
    "                        failed to connect (refused, unreachable, connect timeout)\n"
    "  timeout               no complete response by intended instant + --timeout-ms\n"
    "  closed                the peer closed or reset the connection before a complete\n"
    "                        response\n"
    "  parse                 a malformed response, one over the limits (16 KiB of head, 100\n"
    "                        header lines, 1 MiB of body), or in attest mode a 2xx without\n"
    "                        {\"token\": \"...\"}\n"
    "  http_4xx, http_5xx    by status; a 503 with Retry-After (overload) counts apart as\n"
    "  http_503_retry_after  http_503_retry_after, not as http_5xx\n"
    "  http_other            1xx, 3xx or a status outside 100-599\n"
    "  Non-2xx responses are also counted by status and error code (the x-ms-error-code\n"
    "  header, else {\"error\":{\"code\"}} of the body), e.g. \"400 PolicyEvaluationError\".\n"
    "\n"
    "--json prints one object:\n"
    "  {\"requests\", \"ok\", \"errors\", \"errors_by_kind\": {kind: n, every kind above},\n"
    "   \"errors_by_code\": {\"<status> <code>\": n}, \"rps\", \"latency_ms\": {\"p50\", \"p90\",\n"
    "   \"p99\", \"p999\", \"max\", \"min\", \"mean\"}, \"send_delay_ms\": {\"p50\", \"p99\", \"max\"},\n"
    "   \"responses\", \"target_rate\", \"duration_s\", \"warmup_s\", \"elapsed_s\", \"connections\",\n"
    "   \"timeout_ms\", \"connects\", \"connect_failures\", \"peer_closes\", \"unsolicited\",\n"
    "   \"bytes_sent\", \"bytes_received\", \"interrupted\", \"mode\", \"target\"}\n"
    "  requests = ok + errors: the requests due in the measured window.  rps = responses\n"
    "  (any status) per second from the window's start to its last outcome.  latency_ms is\n"
    "  over every response (any status; timeouts and connection errors have none).\n"
    "  send_delay_ms: intended instant to the bytes handed to a socket (queueing for a free\n"
    "  connection, and the loadgen's own lateness).\n"
    "\n"
    "SIGINT or SIGTERM ends the schedule early (a second one gives up on the requests in\n"
    "flight); the report covers what was sent.\n"
    "\n"
    "exit codes:\n"
    "  0  the run finished and every request was ok (or the files were written)\n"
    "  1  the run finished with errors\n"
    "  3  bad command line\n"
    "  4  cannot start: unreadable corpus, no connection to the target, io_uring refused,\n"
    "     key store or output problems\n";

static void usage_error(const char *fmt, ...) VOUCH_PRINTF(1, 2);
static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("vouch loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nRun 'vouch loadgen --help' for usage.\n", stderr);
  va_end(ap);
}

/* parse_number reads a non-negative decimal number in [lo, hi]. */
static bool parse_number(const char *s, double lo, double hi, double *out) {
  if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.')) return false;
  char *end;
  double v = strtod(s, &end);
  if (*end != '\0' || !isfinite(v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

typedef struct {
  vouch_lg_requests *r;
  const vouch_lg_url *u;
  vouch_buf body;
  vouch_status status;
} send_sink;

static bool add_token_request(void *ctx, uint64_t i, const char *tok, size_t len) {
  (void)i;
  send_sink *s = ctx;
  vouch_buf_reset(&s->body);
  vouch_buf_puts(&s->body, "{\"token\":\"");
  vouch_buf_append(&s->body, tok, len);
  vouch_buf_puts(&s->body, "\"}");
  s->status = vouch_buf_status(&s->body);
  if (s->status == VOUCH_OK)
    s->status = vouch_lg_requests_add_post(s->r, s->u, s->u->path, s->body.data, s->body.len);
  return s->status == VOUCH_OK;
}

static bool write_token(void *ctx, uint64_t i, const char *tok, size_t len) {
  (void)i;
  FILE *f = ctx;
  return fwrite(tok, 1, len, f) == len && fputc('\n', f) != EOF;
}

int vouch_cmd_loadgen(int argc, char **argv) {
  enum { O_TARGET = 256, O_CORPUS, O_GEN, O_GEN_OUT, O_RATE, O_DURATION, O_CONNECTIONS, O_JSON,
         O_TIMEOUT, O_WARMUP, O_TOKENS, O_STATE_DIR, O_TOKEN_ALG, O_PUBLIC_URL, O_LIFETIME,
         O_OUT, O_COUNT, O_PROGRESS, O_NO_PROGRESS };
  static const struct option kOpts[] = {
      {"target", required_argument, NULL, O_TARGET},
      {"corpus", required_argument, NULL, O_CORPUS},
      {"gen", required_argument, NULL, O_GEN},
      {"gen-out", required_argument, NULL, O_GEN_OUT},
      {"rate", required_argument, NULL, O_RATE},
      {"duration", required_argument, NULL, O_DURATION},
      {"connections", required_argument, NULL, O_CONNECTIONS},
      {"json", no_argument, NULL, O_JSON},
      {"timeout-ms", required_argument, NULL, O_TIMEOUT},
      {"warmup", required_argument, NULL, O_WARMUP},
      {"tokens", no_argument, NULL, O_TOKENS},
      {"state-dir", required_argument, NULL, O_STATE_DIR},
      {"token-alg", required_argument, NULL, O_TOKEN_ALG},
      {"public-url", required_argument, NULL, O_PUBLIC_URL},
      {"token-lifetime", required_argument, NULL, O_LIFETIME},
      {"out", required_argument, NULL, O_OUT},
      {"count", required_argument, NULL, O_COUNT},
      {"progress", no_argument, NULL, O_PROGRESS},
      {"no-progress", no_argument, NULL, O_NO_PROGRESS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *target = NULL, *corpus = NULL, *gen = NULL, *gen_out = NULL, *state_dir = NULL,
             *public_url = NULL, *out = NULL;
  double rate = 0, duration = 0, warmup = 0;
  uint64_t connections = 16, timeout_ms = 10000, count = 0, lifetime = 0;
  bool json = false, tokens = false, have_rate = false, have_duration = false, have_alg = false;
  int progress = -1;
  vouch_jws_alg alg = VOUCH_JWS_RS256;
  uint64_t v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", kOpts, NULL)) != -1) {
    switch (c) {
      case O_TARGET: target = optarg; break;
      case O_CORPUS: corpus = optarg; break;
      case O_GEN: gen = optarg; break;
      case O_GEN_OUT: gen_out = optarg; break;
      case O_RATE:
        if (!parse_number(optarg, 1e-6, 1e7, &rate) || rate <= 0) {
          usage_error("--rate takes requests per second, more than 0 and at most 10000000");
          return EXIT_USAGE;
        }
        have_rate = true;
        break;
      case O_DURATION:
        if (!parse_number(optarg, 0, 86400 * 7, &duration) || duration <= 0) {
          usage_error("--duration takes seconds, more than 0 and at most a week");
          return EXIT_USAGE;
        }
        have_duration = true;
        break;
      case O_WARMUP:
        if (!parse_number(optarg, 0, 86400, &warmup)) {
          usage_error("--warmup takes seconds, 0 to 86400");
          return EXIT_USAGE;
        }
        break;
      case O_CONNECTIONS:
        if (!vouch_parse_count(optarg, 1, VOUCH_LG_MAX_CONNECTIONS, &connections)) {
          usage_error("--connections takes 1 to %d", VOUCH_LG_MAX_CONNECTIONS);
          return EXIT_USAGE;
        }
        break;
      case O_TIMEOUT:
        if (!vouch_parse_count(optarg, 1, 3600000, &timeout_ms)) {
          usage_error("--timeout-ms takes milliseconds, 1 to 3600000");
          return EXIT_USAGE;
        }
        break;
      case O_JSON: json = true; break;
      case O_TOKENS: tokens = true; break;
      case O_STATE_DIR: state_dir = optarg; break;
      case O_TOKEN_ALG:
        if (vouch_jws_alg_from_name(optarg, strlen(optarg), &alg) != VOUCH_OK ||
            alg == VOUCH_JWS_NONE) {
          usage_error("--token-alg takes RS256, PS256, ES256, ES384 or EdDSA");
          return EXIT_USAGE;
        }
        have_alg = true;
        break;
      case O_PUBLIC_URL: public_url = optarg; break;
      case O_LIFETIME:
        if (!vouch_parse_count(optarg, 1, 366ull * 86400, &lifetime)) {
          usage_error("--token-lifetime takes seconds, 1 to 31622400");
          return EXIT_USAGE;
        }
        break;
      case O_OUT: out = optarg; break;
      case O_COUNT:
        if (!vouch_parse_count(optarg, 1, 100000000, &v)) {
          usage_error("--count takes 1 to 100000000");
          return EXIT_USAGE;
        }
        count = v;
        break;
      case O_PROGRESS: progress = 1; break;
      case O_NO_PROGRESS: progress = 0; break;
      case 'h': fputs(kHelp, stdout); return EXIT_OK;
      default: usage_error("unknown option"); return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    usage_error("unexpected argument '%s'", argv[optind]);
    return EXIT_USAGE;
  }

  /* What is asked for, checked before anything is made. */
  if (tokens) {
    if (corpus || gen || gen_out) {
      usage_error("--tokens sends tokens: --corpus, --gen and --gen-out are for attest");
      return EXIT_USAGE;
    }
    if ((target != NULL) == (out != NULL)) {
      usage_error("--tokens needs --target URL (send) or --out FILE|- (write), one of them");
      return EXIT_USAGE;
    }
    if (out && count == 0 && !(have_rate && have_duration)) {
      usage_error("--out needs --count N, or --rate and --duration (count = rate x duration)");
      return EXIT_USAGE;
    }
  } else {
    if (state_dir || have_alg || public_url || lifetime || out || count) {
      usage_error("--state-dir, --token-alg, --public-url, --token-lifetime, --out and --count "
                  "go with --tokens");
      return EXIT_USAGE;
    }
    if ((corpus != NULL) == (gen != NULL)) {
      usage_error("give the evidence: --corpus FILE.ndjson or --gen sgx:platforms=N (one)");
      return EXIT_USAGE;
    }
    if (gen_out && !gen) {
      usage_error("--gen-out goes with --gen");
      return EXIT_USAGE;
    }
    if (!target && !gen_out) {
      usage_error("--target URL is required (or --gen with --gen-out to only write files)");
      return EXIT_USAGE;
    }
  }
  bool sending = target != NULL;
  if (sending && !(have_rate && have_duration)) {
    usage_error("--rate and --duration are required");
    return EXIT_USAGE;
  }

  vouch_err err = {0};
  vouch_lg_url url;
  if (sending && vouch_lg_url_parse(target, &url, &err) != VOUCH_OK) {
    usage_error("--target: %s", err.msg);
    return EXIT_USAGE;
  }
  vouch_lg_gen_spec spec;
  if (gen && vouch_lg_gen_spec_parse(gen, &spec, &err) != VOUCH_OK) {
    usage_error("%s", err.msg);
    return EXIT_USAGE;
  }
  if (progress < 0) progress = isatty(STDERR_FILENO) ? 1 : 0;

  int rc = EXIT_SETUP;
  struct vouch_keystore *ks = NULL;
  vouch_lg_report *rep = NULL;
  vouch_lg_requests rq;
  vouch_lg_requests_init(&rq);
  vouch_buf text;
  vouch_buf_init(&text, 0);
  send_sink sink = {.r = &rq, .u = &url};
  vouch_buf_init(&sink.body, 0);

  if (tokens) {
    char dir[4096];
    if (state_dir == NULL) {
      if (vouch_default_state_dir(dir, sizeof dir, &err) != VOUCH_OK) {
        fprintf(stderr, "vouch loadgen: %s (give --state-dir DIR)\n", err.msg);
        goto done;
      }
      state_dir = dir;
    }
    vouch_keystore_opts ko = {.public_url = public_url, .lifetime_s = (int64_t)lifetime,
                              .ensure_algs = &alg, .num_ensure_algs = 1};
    if (vouch_keystore_open(state_dir, &ko, &ks, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch loadgen: --state-dir %s: %s\n", state_dir, err.msg);
      goto done;
    }
    vouch_lg_token_opts to = {.keys = ks, .alg = (int)alg};
    if (out != NULL) {
      uint64_t n = count ? count : (uint64_t)ceil(rate * duration - 1e-9);
      if (n == 0) n = 1;
      FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
      if (f == NULL) {
        fprintf(stderr, "vouch loadgen: cannot write %s\n", out);
        goto done;
      }
      vouch_status s = vouch_lg_tokens(&to, n, write_token, f, &err);
      bool closed_ok = f == stdout ? fflush(f) == 0 : fclose(f) == 0;
      if (s != VOUCH_OK || !closed_ok) {
        fprintf(stderr, "vouch loadgen: %s\n",
                s == VOUCH_E_IO || !closed_ok ? "cannot write the tokens" : err.msg);
        goto done;
      }
      rc = EXIT_OK;
      goto done;
    }
    double want = ceil((warmup + duration) * rate - 1e-9);
    uint64_t n = want > VOUCH_LG_MAX_TOKENS ? VOUCH_LG_MAX_TOKENS : (uint64_t)(want < 1 ? 1 : want);
    if (want > VOUCH_LG_MAX_TOKENS) {
      fprintf(stderr,
              "vouch loadgen: %.0f requests but at most %d tokens are signed ahead: tokens (and "
              "their jti) repeat after that\n",
              want, VOUCH_LG_MAX_TOKENS);
    }
    if (vouch_lg_tokens(&to, n, add_token_request, &sink, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch loadgen: %s\n",
              sink.status != VOUCH_OK ? "out of memory building requests" : err.msg);
      goto done;
    }
  } else if (corpus) {
    bool truncated = false;
    if (vouch_lg_load_corpus(corpus, &url, &rq, &truncated, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch loadgen: --corpus: %s\n", err.msg);
      goto done;
    }
    if (truncated) {
      fprintf(stderr, "vouch loadgen: --corpus: using the first %zu envelopes of %s\n", rq.num,
              corpus);
    }
  } else {
    if (vouch_lg_gen(&spec, sending ? &url : NULL, sending ? &rq : NULL, gen_out, &err) !=
        VOUCH_OK) {
      fprintf(stderr, "vouch loadgen: --gen: %s\n", err.msg);
      goto done;
    }
    if (gen_out) {
      fprintf(stderr,
              "vouch loadgen: %u quotes from %u platforms; for the server: --collateral "
              "%s/collateral --trust-anchor %s/trust-anchor.pem; the envelopes: "
              "%s/evidence.ndjson\n",
              spec.quotes, spec.platforms, gen_out, gen_out, gen_out);
    }
    if (!sending) {
      rc = EXIT_OK;
      goto done;
    }
  }

  vouch_lg_config cfg = {.url = &url, .requests = &rq, .rate = rate, .duration_s = duration,
                         .warmup_s = warmup, .connections = (unsigned)connections,
                         .timeout_ms = (unsigned)timeout_ms, .progress = progress == 1,
                         .mode = tokens ? "tokens" : "attest", .target = target};
  rep = malloc(sizeof(*rep));
  if (rep == NULL) {
    fprintf(stderr, "vouch loadgen: out of memory\n");
    goto done;
  }
  if (vouch_lg_run(&cfg, rep, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch loadgen: %s\n", err.msg);
    goto done;
  }
  if (json) {
    vouch_lg_report_json(&cfg, rep, &text);
    vouch_buf_putc(&text, '\n');
  } else {
    vouch_lg_report_text(&cfg, rep, &text);
  }
  if (vouch_buf_status(&text) != VOUCH_OK ||
      fwrite(text.data, 1, text.len, stdout) != text.len || fflush(stdout) != 0) {
    fprintf(stderr, "vouch loadgen: cannot write the report\n");
    goto done;
  }
  rc = rep->errors > 0 ? EXIT_ERRORS : EXIT_OK;
done:
  free(rep);
  vouch_buf_free(&text);
  vouch_buf_free(&sink.body);
  vouch_lg_requests_free(&rq);
  vouch_keystore_close(ks);
  return rc;
}
