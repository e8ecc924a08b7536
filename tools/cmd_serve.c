/* tools/cmd_serve.c - vouch serve: Azure Attestation's REST API over HTTP/1.1
 * (server/server.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "server/server.h"
#include "token/token.h"
#include "tools/commands.h"

enum { S_OK = 0, S_USAGE = 3, S_SETUP = 4 };

static const char kServeHelp[] =
    "usage: vouch serve [--listen ADDR:PORT] [--state-dir DIR] [--collateral FILE|DIR]...\n"
    "                   [--trust-anchor PEM]... [--at TIME] [--workers N] [--token-alg ALG]\n"
    "                   [--public-url URL] [--admin-token-file FILE | --admin-token TOKEN]\n"
    "                   [--policy-signer PEM]... [--access-log FILE|-] [limits...]\n"
    "\n"
    "Serves Microsoft Azure Attestation's data-plane API, so its clients (the Azure SDKs,\n"
    "Gramine's ra_tls_verify_maa, plain HTTP) work unchanged against vouch.  HTTP/1.1 with\n"
    "keep-alive and pipelining on one io_uring event loop thread; evidence is verified on a\n"
    "pool of worker threads.  It refuses to start where io_uring is not allowed.  Plain HTTP\n"
    "only: put TLS and load balancing in a front proxy (nginx, HAProxy).\n"
    "\n"
    "routes (any ?api-version=..., or none):\n"
    "  POST /attest/SgxEnclave      {\"quote\", \"runtimeData\", \"draftPolicyForAttestation\",\n"
    "                               \"nonce\"} -> {\"token\": JWT}\n"
    "  POST /attest/OpenEnclave     the same with \"report\" (an Open Enclave remote report)\n"
    "  POST /attest/TdxVm           the same for a TDX quote (Azure's TDX claims)\n"
    "  POST /attest/SevSnpVm        {\"report\": base64 of {\"SnpReport\", \"VcekCertChain\"}, ...}\n"
    "                               (a plain SNP report or Azure's HCL report)\n"
    "  POST /attest/Tpm             vouch's TPM evidence object (quote, signature, ak_pub, ...)\n"
    "  GET  /certs, /certs/         the token signing keys (JWKS, with x5c)\n"
    "  GET  /.well-known/openid-configuration\n"
    "  GET  /policies/TYPE          the policy in force (a signed JWT around the policy JWS)\n"
    "  PUT  /policies/TYPE          set a policy: the body is the policy JWS (text/plain)\n"
    "  POST /policies/TYPE:reset    back to the default policy\n"
    "  GET  /certificates           the policy signer certificates\n"
    "  POST /certificates:add|:remove   change them (a JWS signed by a policy signer)\n"
    "  GET  /healthz                200 \"ok\" (503 while stopping)\n"
    "  GET  /metrics                Prometheus text: requests by route and status, latency,\n"
    "                               in flight, connections, engine cache and signature counts\n"
    "runtimeData is {\"data\": base64url or base64, \"dataType\": \"Binary\"|\"JSON\"}; its\n"
    "SHA-256 must be the first half of REPORTDATA.  initTimeData, the same shape: its SHA-256\n"
    "must be the first half of CONFIGID (SGX, Open Enclave) or HOST_DATA (SEV-SNP); TDX\n"
    "quotes have no such field (400).  \"JSON\" data also become x-ms-runtime / x-ms-inittime.\n"
    "A draftPolicyForAttestation is evaluated instead of the stored policy and its token is\n"
    "unsigned (alg none): vouch never signs under a policy the caller wrote.  Clients never\n"
    "supply collateral, trust anchors or the verification instant.\n"
    "\n"
    "who may change policies and policy signers:\n"
    "  --admin-token-file FILE     writes need \"Authorization: Bearer <the token in FILE>\"\n"
    "  --admin-token TOKEN         the same, the token on the command line (visible to other\n"
    "                              users in the process list: prefer the file)\n"
    "  --policy-signer PEM         isolated mode: a policy (and a reset, and a certificate\n"
    "                              change) must be a JWS signed by this certificate (or one\n"
    "                              added with /certificates:add); unsigned: 400 InvalidOperation.\n"
    "                              Repeatable.  With an admin token too, both are required\n"
    "  (neither)                   policy writes are refused (403): nobody was named to\n"
    "                              administer the server.  Reading works in every mode\n"
    "\n"
    "options:\n"
    "  --listen ADDR:PORT          where to listen (default 127.0.0.1:8080: loopback only);\n"
    "                              port 0 picks a free port; [::1]:8080 for IPv6\n"
    "  --state-dir DIR             signing keys, policies (policies/TYPE.jws) and added signer\n"
    "                              certificates (policy-signers/); default $VOUCH_STATE_DIR,\n"
    "                              $XDG_DATA_HOME/vouch or ~/.local/share/vouch.  Written\n"
    "                              atomically; several servers may share it\n"
    "  --collateral FILE|DIR       a collateral directory, or collateral.json bundles / PCS\n"
    "                              documents (repeatable: each quote finds its own by FMSPC,\n"
    "                              CA type and instant); a quote whose collateral is missing\n"
    "                              gets a 400 naming what is missing\n"
    "  --trust-anchor PEM          trust this root too (repeatable); the Intel SGX Root CA is\n"
    "                              built in\n"
    "  --at TIME                   verify as of TIME (RFC 3339 or Unix seconds) instead of the\n"
    "                              time of each request (replaying stored evidence, tests with\n"
    "                              expired real collateral); tokens keep the real iat/exp\n"
    "  --allow-expired-collateral  keep verdicts on expired collateral (Intel QVL behaviour)\n"
    "  --workers N                 verification threads (default: online cores); 0 verifies\n"
    "                              on the event loop's own thread: for one process per core\n"
    "                              (pinned, behind a balancer), no hand-off between threads\n"
    "  --batch N                   most items per engine batch (default 64; a batch also\n"
    "                              leaves at the end of every loop turn)\n"
    "  --cache-mb N                memory budget of the collateral and signature cache, MiB\n"
    "                              (default 128, estimated; ~18 KB per platform seen: raise it\n"
    "                              when /metrics shows vouch_engine_cache_rebuilt_total grow)\n"
    "  --token-alg ALG             RS256 (default, as Azure), PS256, ES256 (much cheaper to\n"
    "                              sign), ES384, EdDSA\n"
    "  --token-lifetime SECONDS    exp - iat (default 28800)\n"
    "  --public-url URL            the tokens' iss and jku (URL/certs) and the discovery\n"
    "                              document's issuer: the address clients use (behind a\n"
    "                              proxy, its https URL); default http://<listen address>\n"
    "  --access-log FILE|-         one JSON line per response (time, remote, method, path,\n"
    "                              status, bytes, latency_us, request_id); '-' is stdout\n"
    "  --help, -h                  this help\n"
    "\n"
    "limits (over a limit the client gets the status, never a hang):\n"
    "  --max-header-bytes N        request line + headers (default 16384, at most 65536): 431\n"
    "  --max-headers N             header lines (default 64): 431\n"
    "  --max-body-bytes N          request body (default 1048576): 413\n"
    "  --max-connections N         open connections (default 1024): over it, 503 with\n"
    "                              Retry-After and close (64 more get that answer; beyond,\n"
    "                              the connection is closed at once)\n"
    "  --max-requests-per-connection N   keep-alive requests (default 1000), then close\n"
    "  --max-pipeline N            requests of one connection awaiting their responses\n"
    "                              (default 16); further bytes wait unread\n"
    "  --max-in-flight N           attest requests being verified, server-wide (default\n"
    "                              1024): over it, 503 with Retry-After: 1\n"
    "  --idle-timeout SECONDS      keep-alive idle, or no progress sending (default 60)\n"
    "  --header-timeout SECONDS    first byte (or connection) to end of headers (default 10):\n"
    "                              408 and close (slowloris)\n"
    "  --body-timeout SECONDS      end of headers to end of body (default 30): 408 and close\n"
    "Malformed requests (request line, headers, chunked encoding) get 400 and a close.\n"
    "\n"
    "signals: SIGTERM or SIGINT stop accepting, answer every request received, send the\n"
    "responses and exit 0; SIGHUP reopens the key store (new keys from 'vouch token rotate')\n"
    "and reloads the policies and signer certificates of the state directory.\n"
    "\n"
    "examples:\n"
    "  vouch serve --collateral ./collateral-dir --admin-token-file /etc/vouch/admin-token\n"
    "  vouch serve --listen 0.0.0.0:8080 --public-url https://attest.example.com \\\n"
    "      --token-alg ES256 --policy-signer signer.pem --access-log /var/log/vouch.jsonl\n"
    "  curl -s -X POST http://127.0.0.1:8080/attest/SgxEnclave?api-version=2022-08-01 \\\n"
    "      -H 'Content-Type: application/json' \\\n"
    "      -d '{\"quote\": \"'\"$(base64 -w0 quote.dat)\"'\"}'\n"
    "  vouch policy sign --unsigned my.policy | curl -s -X PUT --data-binary @- \\\n"
    "      -H \"Authorization: Bearer $(cat admin-token)\" \\\n"
    "      http://127.0.0.1:8080/policies/SgxEnclave\n"
    "\n"
    "exit codes: 0 stopped by a signal after answering everything, 3 bad command line,\n"
    "4 cannot start (address in use, io_uring refused, unreadable state or collateral)\n";

static void usage_error(const char *msg) {
  fprintf(stderr, "vouch serve: %s\nRun 'vouch serve --help' for usage.\n", msg);
}

/* parse_seconds reads a positive duration in seconds (fractions allowed). */
static bool parse_seconds(const char *s, unsigned *out_ms) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= 0.05) || v > 86400) return false;
  *out_ms = (unsigned)(v * 1000 + 0.5);
  return true;
}

static bool read_token_file(const char *path, char **out, vouch_err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  if (vouch_read_file(path, 4096, &data, &len, err) != VOUCH_OK) return false;
  while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
    len--;
  data[len] = '\0';
  *out = (char *)data;
  return true;
}

static bool token_ok(const char *t) {
  size_t n = strlen(t);
  if (n == 0 || n > 512) return false;
  for (size_t i = 0; i < n; i++)
    if (t[i] <= ' ' || t[i] > '~') return false;
  return true;
}

int vouch_cmd_serve(int argc, char **argv) {
  enum { O_LISTEN = 256, O_STATE_DIR, O_COLLATERAL, O_ANCHOR, O_AT, O_WORKERS, O_BATCH, O_CACHE_MB,
         O_TOKEN_ALG, O_TOKEN_LIFETIME, O_PUBLIC_URL, O_ADMIN_TOKEN, O_ADMIN_TOKEN_FILE,
         O_POLICY_SIGNER, O_ACCESS_LOG, O_ALLOW_EXPIRED, O_MAX_HEADER_BYTES, O_MAX_HEADERS,
         O_MAX_BODY, O_MAX_CONNS, O_MAX_REQS, O_MAX_PIPELINE, O_MAX_IN_FLIGHT, O_IDLE,
         O_HEADER_TIMEOUT, O_BODY_TIMEOUT };
  static const struct option kOpts[] = {
      {"listen", required_argument, NULL, O_LISTEN},
      {"state-dir", required_argument, NULL, O_STATE_DIR},
      {"collateral", required_argument, NULL, O_COLLATERAL},
      {"trust-anchor", required_argument, NULL, O_ANCHOR},
      {"at", required_argument, NULL, O_AT},
      {"workers", required_argument, NULL, O_WORKERS},
      {"jobs", required_argument, NULL, O_WORKERS},
      {"batch", required_argument, NULL, O_BATCH},
      {"cache-mb", required_argument, NULL, O_CACHE_MB},
      {"token-alg", required_argument, NULL, O_TOKEN_ALG},
      {"token-lifetime", required_argument, NULL, O_TOKEN_LIFETIME},
      {"public-url", required_argument, NULL, O_PUBLIC_URL},
      {"admin-token", required_argument, NULL, O_ADMIN_TOKEN},
      {"admin-token-file", required_argument, NULL, O_ADMIN_TOKEN_FILE},
      {"policy-signer", required_argument, NULL, O_POLICY_SIGNER},
      {"access-log", required_argument, NULL, O_ACCESS_LOG},
      {"allow-expired-collateral", no_argument, NULL, O_ALLOW_EXPIRED},
      {"max-header-bytes", required_argument, NULL, O_MAX_HEADER_BYTES},
      {"max-headers", required_argument, NULL, O_MAX_HEADERS},
      {"max-body-bytes", required_argument, NULL, O_MAX_BODY},
      {"max-connections", required_argument, NULL, O_MAX_CONNS},
      {"max-requests-per-connection", required_argument, NULL, O_MAX_REQS},
      {"max-pipeline", required_argument, NULL, O_MAX_PIPELINE},
      {"max-in-flight", required_argument, NULL, O_MAX_IN_FLIGHT},
      {"idle-timeout", required_argument, NULL, O_IDLE},
      {"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
      {"body-timeout", required_argument, NULL, O_BODY_TIMEOUT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  enum { MAX_FILES = 64 };
  const char *collateral[MAX_FILES], *anchors[MAX_FILES], *signer_files[MAX_FILES];
  size_t num_collateral = 0, num_anchors = 0, num_signer_files = 0;
  const char *state_dir = NULL, *admin_token = NULL, *admin_token_file = NULL;
  vouch_server_config cfg = {.token_alg = VOUCH_JWS_RS256};
  vouch_server_limits_default(&cfg.limits);
  vouch_jws_alg alg = VOUCH_JWS_RS256;
  uint64_t v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", kOpts, NULL)) != -1) {
    switch (c) {
      case O_LISTEN: cfg.listen = optarg; break;
      case O_STATE_DIR: state_dir = optarg; break;
      case O_COLLATERAL:
      case O_ANCHOR:
      case O_POLICY_SIGNER: {
        const char **list = c == O_COLLATERAL ? collateral : c == O_ANCHOR ? anchors : signer_files;
        size_t *n = c == O_COLLATERAL ? &num_collateral : c == O_ANCHOR ? &num_anchors
                                                                         : &num_signer_files;
        if (*n == MAX_FILES) {
          usage_error("at most 64 --collateral, --trust-anchor or --policy-signer options each");
          return S_USAGE;
        }
        list[(*n)++] = optarg;
        break;
      }
      case O_AT:
        if (vouch_time_parse(optarg, strlen(optarg), &cfg.at) != VOUCH_OK || cfg.at <= 0) {
          usage_error("--at takes RFC 3339 (2025-07-19T10:01:17Z) or Unix seconds");
          return S_USAGE;
        }
        break;
      case O_WORKERS:
        if (!vouch_parse_count(optarg, 0, 256, &v)) {
          usage_error("--workers takes a number of threads from 0 (on the event loop) to 256");
          return S_USAGE;
        }
        cfg.engine.jobs = (unsigned)v;
        cfg.engine.inline_work = v == 0;
        break;
      case O_BATCH:
        if (!vouch_parse_count(optarg, 1, 4096, &v)) {
          usage_error("--batch takes a number of items from 1 to 4096");
          return S_USAGE;
        }
        cfg.engine.batch = (size_t)v;
        break;
      case O_CACHE_MB:
        if (!vouch_parse_count(optarg, 1, 1 << 20, &v)) {
          usage_error("--cache-mb takes a number of MiB from 1 to 1048576");
          return S_USAGE;
        }
        cfg.engine.cache_bytes = (size_t)v << 20;
        break;
      case O_TOKEN_ALG:
        if (vouch_jws_alg_from_name(optarg, strlen(optarg), &alg) != VOUCH_OK ||
            alg == VOUCH_JWS_NONE) {
          usage_error("--token-alg takes RS256, PS256, ES256, ES384 or EdDSA");
          return S_USAGE;
        }
        cfg.token_alg = (int)alg;
        break;
      case O_TOKEN_LIFETIME:
        if (!vouch_parse_count(optarg, 60, 31536000, &v)) {
          usage_error("--token-lifetime takes seconds from 60 to 31536000 (a year)");
          return S_USAGE;
        }
        cfg.token_lifetime = (int64_t)v;
        break;
      case O_PUBLIC_URL: cfg.public_url = optarg; break;
      case O_ADMIN_TOKEN: admin_token = optarg; break;
      case O_ADMIN_TOKEN_FILE: admin_token_file = optarg; break;
      case O_ACCESS_LOG: cfg.access_log = optarg; break;
      case O_ALLOW_EXPIRED: cfg.engine.allow_expired = true; break;
      case O_MAX_HEADER_BYTES:
      case O_MAX_HEADERS:
      case O_MAX_BODY:
      case O_MAX_CONNS:
      case O_MAX_REQS:
      case O_MAX_PIPELINE:
      case O_MAX_IN_FLIGHT: {
        static const struct {
          int opt;
          const char *name;
          uint64_t lo, hi;
        } kRanges[] = {{O_MAX_HEADER_BYTES, "--max-header-bytes", 1024, 65536},
                       {O_MAX_HEADERS, "--max-headers", 4, 1024},
                       {O_MAX_BODY, "--max-body-bytes", 1024, 64u << 20},
                       {O_MAX_CONNS, "--max-connections", 1, 1000000},
                       {O_MAX_REQS, "--max-requests-per-connection", 1, 100000000},
                       {O_MAX_PIPELINE, "--max-pipeline", 1, 1024},
                       {O_MAX_IN_FLIGHT, "--max-in-flight", 1, 1000000}};
        size_t k = 0;
        while (kRanges[k].opt != c) k++;
        if (!vouch_parse_count(optarg, kRanges[k].lo, kRanges[k].hi, &v)) {
          fprintf(stderr, "vouch serve: %s takes a number from %llu to %llu\n", kRanges[k].name,
                  (unsigned long long)kRanges[k].lo, (unsigned long long)kRanges[k].hi);
          return S_USAGE;
        }
        vouch_server_limits *l = &cfg.limits;
        switch (c) {
          case O_MAX_HEADER_BYTES: l->max_header_bytes = (size_t)v; break;
          case O_MAX_HEADERS: l->max_headers = (size_t)v; break;
          case O_MAX_BODY: l->max_body_bytes = (size_t)v; break;
          case O_MAX_CONNS: l->max_connections = (size_t)v; break;
          case O_MAX_REQS: l->max_requests_per_conn = (size_t)v; break;
          case O_MAX_PIPELINE: l->max_pipeline = (size_t)v; break;
          default: l->max_in_flight = (size_t)v; break;
        }
        break;
      }
      case O_IDLE:
      case O_HEADER_TIMEOUT:
      case O_BODY_TIMEOUT: {
        unsigned ms;
        if (!parse_seconds(optarg, &ms)) {
          usage_error("timeouts take seconds, from 0.05 to 86400");
          return S_USAGE;
        }
        if (c == O_IDLE) cfg.limits.idle_timeout_ms = ms;
        else if (c == O_HEADER_TIMEOUT) cfg.limits.header_timeout_ms = ms;
        else cfg.limits.body_timeout_ms = ms;
        break;
      }
      case 'h': fputs(kServeHelp, stdout); return S_OK;
      default: usage_error("unknown option"); return S_USAGE;
    }
  }
  if (optind < argc) {
    usage_error("no arguments besides options");
    return S_USAGE;
  }
  if (admin_token && admin_token_file) {
    usage_error("give --admin-token or --admin-token-file, not both");
    return S_USAGE;
  }

  int rc = S_SETUP;
  vouch_err err = {0};
  vouch_verify_setup setup = {0};
  struct vouch_cert *signers[MAX_FILES * 4];
  size_t num_signers = 0;
  char *token_buf = NULL;
  struct vouch_server *srv = NULL;
  char dir[4096];
  if (admin_token_file) {
    if (!read_token_file(admin_token_file, &token_buf, &err)) {
      fprintf(stderr, "vouch serve: --admin-token-file %s: %s\n", admin_token_file, err.msg);
      goto done;
    }
    admin_token = token_buf;
  }
  if (admin_token && !token_ok(admin_token)) {
    usage_error("the admin token must be 1 to 512 printable characters without spaces");
    rc = S_USAGE;
    goto done;
  }
  cfg.admin_token = admin_token;
  for (size_t i = 0; i < num_signer_files; i++) {
    uint8_t *pem = NULL;
    size_t len = 0, n = 0;
    vouch_status st = vouch_read_file(signer_files[i], 1 << 20, &pem, &len, &err);
    if (st == VOUCH_OK)
      st = vouch_cert_chain_from_pem((const char *)pem, len, signers + num_signers,
                                     sizeof signers / sizeof signers[0] - num_signers, &n, &err);
    free(pem);
    if (st != VOUCH_OK) {
      fprintf(stderr, "vouch serve: --policy-signer %s: %s\n", signer_files[i], err.msg);
      goto done;
    }
    num_signers += n;
  }
  cfg.policy_signers = signers;
  cfg.num_policy_signers = num_signers;
  if (state_dir == NULL) {
    if (vouch_default_state_dir(dir, sizeof dir, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch serve: %s (give --state-dir DIR)\n", err.msg);
      goto done;
    }
    state_dir = dir;
  }
  cfg.state_dir = state_dir;
  if (vouch_setup_load(&setup, anchors, num_anchors, collateral, num_collateral, &err) !=
      VOUCH_OK) {
    fprintf(stderr, "vouch serve: %s\n", err.msg);
    goto done;
  }
  cfg.engine.anchors = setup.anchors;
  cfg.engine.collateral = setup.has_bundle ? &setup.bundle : NULL;
  cfg.engine.collateral_source = setup.dir ? &setup.source : NULL;
  /* SEV-SNP: a request without its VCEK (no VcekCertChain) finds it in the
   * collateral directory by product, chip id and reported TCB. */
  cfg.engine.snp_source = setup.dir ? &setup.snp_source : NULL;
  if (vouch_server_new(&cfg, &srv, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch serve: %s\n", err.msg);
    goto done;
  }
  fprintf(stderr, "vouch: policy writes: %s\n",
          admin_token && num_signers   ? "admin token and a signature by a policy signer"
          : admin_token                ? "admin token (Authorization: Bearer)"
          : num_signers                ? "isolated mode (signed by a policy signer)"
                                       : "disabled (no --admin-token-file, no --policy-signer)");
  if (num_collateral == 0)
    fprintf(stderr, "vouch: no --collateral: only quotes that carry their own collateral can "
                    "verify\n");
  fprintf(stderr, "vouch: listening on %s\n", vouch_server_url(srv));
  fflush(stderr);
  if (vouch_server_run(srv, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch serve: %s\n", err.msg);
    goto done;
  }
  fprintf(stderr, "vouch: stopped\n");
  rc = S_OK;
done:
  vouch_server_free(srv);
  vouch_setup_free(&setup);
  for (size_t i = 0; i < num_signers; i++) vouch_cert_free(signers[i]);
  if (token_buf) {
    memset(token_buf, 0, strlen(token_buf));
    free(token_buf);
  }
  return rc;
}
