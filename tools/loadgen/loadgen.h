/* tools/loadgen/loadgen.h - `vouch loadgen`: an open-loop HTTP load
 * generator for Azure Attestation-compatible servers (vouch serve) and for
 * relying parties that consume attestation tokens.
 *
 * Pieces, one file each:
 *   hist.c      a log-linear ("HDR-style") latency histogram
 *   http.c      the target URL, and the bounded parser of HTTP/1.1
 *               responses (pure: no sockets, fuzzed by
 *               tests/fuzz/http_response.c)
 *   requests.c  the requests sent, pre-built before the clock starts: from
 *               an NDJSON corpus of evidence envelopes, from evidence
 *               generated with tools/gen, or signed tokens (token/)
 *   run.c       the io_uring loop: schedule, connections, accounting
 *   report.c    the summary, as text or as one JSON object
 *
 * Open loop: request k is due at t0 + k/R whatever happened to the ones
 * before it, and its latency runs from that intended instant, not from
 * when a connection was free to carry it, so a server that stalls cannot
 * hide the queue it causes (coordinated omission).  Every request of the
 * measured window ends in exactly one outcome: ok, or one error kind.
 */
#ifndef VOUCH_TOOLS_LOADGEN_H
#define VOUCH_TOOLS_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---- limits --------------------------------------------------------------- */
enum {
  VOUCH_LG_MAX_HEAD = 16384,          /* status line + headers of a response */
  VOUCH_LG_MAX_HEADERS = 100,         /* header lines of a response */
  VOUCH_LG_MAX_BODY = 1 << 20,        /* decoded body of a response */
  VOUCH_LG_MAX_CHUNKS = 4096,         /* chunks of one chunked body */
  VOUCH_LG_CODE_MAX = 48,             /* an error code kept ("PolicyEvaluationError") */
  VOUCH_LG_MAX_CONNECTIONS = 10000,
  VOUCH_LG_MAX_CODES = 64,            /* distinct (status, code) pairs counted */
  VOUCH_LG_MAX_CORPUS_LINES = 1000000,
  VOUCH_LG_MAX_GEN_QUOTES = 200000,
  VOUCH_LG_MAX_TOKENS = 200000,       /* tokens signed ahead of a --tokens run */
};
#define VOUCH_LG_MAX_REQUEST_BYTES ((size_t)1 << 30) /* all pre-built requests together */

/* ---- histogram -------------------------------------------------------------
 * Values in nanoseconds.  Below 2^8 ns every value has its own bucket;
 * above, each power of two [2^e, 2^(e+1)) is split into 128 equal buckets,
 * so a bucket is at most 1/128 (0.8%) of its values wide.  Values above
 * 100 s are counted as 100 s (the maximum reported is the true maximum).
 * 3899 counters, 31 KiB; recording is a bit scan and an increment. */
#define VOUCH_HIST_SUB_BITS 7
#define VOUCH_HIST_MAX_NS INT64_C(100000000000) /* 100 s */
#define VOUCH_HIST_BUCKETS 3899 /* vouch_hist_index(VOUCH_HIST_MAX_NS) + 1 */

typedef struct {
  uint64_t counts[VOUCH_HIST_BUCKETS];
  uint64_t total;
  int64_t min_ns, max_ns; /* exact; 0 when empty */
  double sum_ns;
} vouch_hist;

void vouch_hist_init(vouch_hist *h);
void vouch_hist_record(vouch_hist *h, int64_t ns);
/* vouch_hist_merge adds |from| into |h|. */
void vouch_hist_merge(vouch_hist *h, const vouch_hist *from);
/* vouch_hist_percentile returns the value at percentile |p| (0..100): the
 * highest value equivalent to the bucket holding the ceil(p/100 * total)-th
 * smallest value (HdrHistogram's getValueAtPercentile), or the exact
 * maximum when that bucket is the one holding it.  0 when empty. */
int64_t vouch_hist_percentile(const vouch_hist *h, double p);
double vouch_hist_mean(const vouch_hist *h);
/* Bucket geometry, for tests: the index of |ns| and a bucket's range. */
size_t vouch_hist_index(int64_t ns);
int64_t vouch_hist_bucket_low(size_t idx);
int64_t vouch_hist_bucket_high(size_t idx); /* inclusive */

/* ---- target URL ------------------------------------------------------------ */
typedef struct {
  char host[256];      /* as given, without brackets for IPv6 literals */
  char host_header[300]; /* the Host header: host[:port] as given */
  uint16_t port;       /* 80 when not given */
  char path[1024];     /* "/base" without a trailing slash, or "" */
} vouch_lg_url;

/* vouch_lg_url_parse reads http://host[:port][/path]; https and anything
 * else is refused with a message in |err|.  A query or fragment is
 * refused too (the attest path is appended to the base path). */
VOUCH_MUST_CHECK vouch_status vouch_lg_url_parse(const char *url, vouch_lg_url *out,
                                                 vouch_err *err);

/* ---- HTTP/1.1 responses ----------------------------------------------------- */
typedef enum {
  VOUCH_LG_RESP_INCOMPLETE = 0, /* need more bytes (or EOF for a body read to close) */
  VOUCH_LG_RESP_DONE,           /* one whole response, total_len bytes */
  VOUCH_LG_RESP_INTERIM,        /* a 1xx response of head_len bytes: drop it, parse on */
  VOUCH_LG_RESP_BAD,            /* not HTTP/1.x, or malformed framing */
  VOUCH_LG_RESP_TOO_BIG,        /* over a limit (head, header count, body, chunks) */
} vouch_lg_resp_result;

typedef struct {
  int status;      /* 100..999 */
  int minor;       /* HTTP/1.<minor> */
  bool close;      /* the connection is not reused after it */
  bool retry_after;
  bool chunked;
  bool until_close; /* no length: the body runs to EOF */
  char code[VOUCH_LG_CODE_MAX + 1]; /* x-ms-error-code, sanitized; "" when none */
  size_t head_len;  /* status line + headers + blank line */
  size_t total_len; /* the whole response (DONE) */
  size_t need_len;  /* when known, the total length to wait for (INCOMPLETE) */
  const uint8_t *body; /* DONE: into the input, or into |scratch| when chunked */
  size_t body_len;
} vouch_lg_response;

/* vouch_lg_parse_response parses the response at the start of buf[0, len).
 * |eof|: the peer closed after these bytes.  Chunked bodies are decoded
 * into |scratch| (reset first).  Never reads outside the input; every size
 * is checked against the VOUCH_LG_MAX_* limits before it is used. */
vouch_lg_resp_result vouch_lg_parse_response(const uint8_t *buf, size_t len, bool eof,
                                             vouch_buf *scratch, vouch_lg_response *out);

/* vouch_lg_body_error_code copies {"error":{"code":"X"}} of a JSON body to
 * |out| (sanitized: letters, digits, '.', '_', '-'; at most
 * VOUCH_LG_CODE_MAX); false when there is none. */
bool vouch_lg_body_error_code(const uint8_t *body, size_t len,
                              char out[VOUCH_LG_CODE_MAX + 1]);
/* vouch_lg_body_has_token: the body is a JSON object with a non-empty
 * string member "token" (Azure Attestation's attest response). */
bool vouch_lg_body_has_token(const uint8_t *body, size_t len);

/* ---- requests ---------------------------------------------------------------
 * Every request is pre-built, head and body, in one buffer; request k of
 * the run sends number k mod num. */
typedef struct {
  vouch_buf data;  /* owned: all requests back to back */
  size_t *off;     /* owned: num offsets into data */
  size_t *len;     /* owned */
  size_t num, cap;
  bool expect_token; /* a 2xx must carry {"token": ...} (attest) */
} vouch_lg_requests;

void vouch_lg_requests_init(vouch_lg_requests *r);
void vouch_lg_requests_free(vouch_lg_requests *r);
/* vouch_lg_requests_add_post appends "POST path HTTP/1.1" with Host,
 * Content-Type application/json, Content-Length and |body|. */
VOUCH_MUST_CHECK vouch_status vouch_lg_requests_add_post(vouch_lg_requests *r,
                                                         const vouch_lg_url *u, const char *path,
                                                         const char *body, size_t body_len);

/* vouch_lg_envelope_body turns one evidence envelope line (DESIGN.md:
 * {"id","type","evidence","runtime_data":{"data","data_type"},"nonce",...})
 * into an attest request body {"quote": evidence, "runtimeData": {"data",
 * "dataType": "Binary"|"JSON"}, "nonce"} and its route ("SgxEnclave" for
 * type sgx, the default; "TdxVm" for tdx).  Other members ("id", "at",
 * "collateral") are ignored: a server takes neither collateral nor the
 * instant from clients. */
VOUCH_MUST_CHECK vouch_status vouch_lg_envelope_body(const char *line, size_t len,
                                                     vouch_buf *body, const char **route,
                                                     vouch_err *err);

/* vouch_lg_load_corpus reads an NDJSON file of envelopes into attest
 * requests (blank lines skipped; at most VOUCH_LG_MAX_CORPUS_LINES and
 * VOUCH_LG_MAX_REQUEST_BYTES; *out_truncated says the rest was left). */
VOUCH_MUST_CHECK vouch_status vouch_lg_load_corpus(const char *path, const vouch_lg_url *u,
                                                   vouch_lg_requests *r, bool *out_truncated,
                                                   vouch_err *err);

typedef struct {
  uint32_t platforms; /* distinct platforms (PCK certificates, attestation keys) */
  uint32_t quotes;    /* distinct quotes, round-robin over the platforms */
  uint64_t seed;
} vouch_lg_gen_spec;

/* vouch_lg_gen_spec_parse reads "sgx:platforms=N[,quotes=M][,seed=S]". */
VOUCH_MUST_CHECK vouch_status vouch_lg_gen_spec_parse(const char *s, vouch_lg_gen_spec *out,
                                                      vouch_err *err);

/* vouch_lg_gen makes a test PKI (centred on the wall clock), the platforms
 * and the quotes, each quote with its own runtime data (a JSON object
 * whose SHA-256 is the first half of REPORTDATA) and nonce; when |u| is
 * not NULL, one attest request per quote goes to |r|.  With |out_dir|: the
 * collateral directory (out_dir/collateral), the trust anchor
 * (out_dir/trust-anchor.pem) and the envelopes (out_dir/evidence.ndjson),
 * what a server and a later --corpus run need. */
VOUCH_MUST_CHECK vouch_status vouch_lg_gen(const vouch_lg_gen_spec *spec, const vouch_lg_url *u,
                                           vouch_lg_requests *r, const char *out_dir,
                                           vouch_err *err);

struct vouch_keystore;
typedef struct {
  struct vouch_keystore *keys; /* borrowed */
  int alg;                     /* vouch_jws_alg */
  unsigned threads;            /* signing threads (0: online CPUs, at most 16) */
} vouch_lg_token_opts;

/* vouch_lg_token_claims appends a realistic SGX claims set (Azure
 * Attestation's names: x-ms-sgx-*, x-ms-attestation-type, x-ms-policy-hash
 * of the default SGX policy, ...) with a fresh random jti, iat = nbf = now
 * and exp = now + the key store's lifetime. */
VOUCH_MUST_CHECK vouch_status vouch_lg_token_claims(const struct vouch_keystore *keys,
                                                    int64_t now, uint64_t serial,
                                                    vouch_buf *out);

/* vouch_lg_tokens signs |n| tokens on |o->threads| threads and hands them
 * to |sink| in order (token i, its length); a sink returning false stops.
 * Tokens are signed in batches, so memory stays flat for any |n|. */
typedef bool (*vouch_lg_token_sink)(void *ctx, uint64_t i, const char *token, size_t len);
VOUCH_MUST_CHECK vouch_status vouch_lg_tokens(const vouch_lg_token_opts *o, uint64_t n,
                                              vouch_lg_token_sink sink, void *ctx,
                                              vouch_err *err);

/* ---- the run ------------------------------------------------------------------ */
typedef enum {
  VOUCH_LG_ERR_CONNECT = 0, /* no connection could carry it (refused, unreachable) */
  VOUCH_LG_ERR_TIMEOUT,     /* no complete response by intended time + timeout */
  VOUCH_LG_ERR_CLOSED,      /* the peer closed or reset before a complete response */
  VOUCH_LG_ERR_PARSE,       /* a malformed response, one over a limit, or (attest) a
                               2xx without {"token": ...} */
  VOUCH_LG_ERR_HTTP_4XX,
  VOUCH_LG_ERR_HTTP_5XX,    /* 5xx except a 503 with Retry-After */
  VOUCH_LG_ERR_HTTP_503_RETRY_AFTER,
  VOUCH_LG_ERR_HTTP_OTHER,  /* 1xx left over, 3xx, or a status outside 100..599 */
  VOUCH_LG_ERR_COUNT
} vouch_lg_err_kind;

/* vouch_lg_err_kind_name: "connect", "timeout", "closed", "parse",
 * "http_4xx", "http_5xx", "http_503_retry_after", "http_other". */
const char *vouch_lg_err_kind_name(vouch_lg_err_kind k);

typedef struct {
  int status;
  char code[VOUCH_LG_CODE_MAX + 1];
  uint64_t count;
} vouch_lg_code_count;

typedef struct {
  const vouch_lg_url *url;           /* borrowed */
  const vouch_lg_requests *requests; /* borrowed */
  double rate;                       /* requests per second */
  double duration_s;                 /* measured window */
  double warmup_s;                   /* sent first, not counted */
  unsigned connections;
  unsigned timeout_ms;               /* from the intended send instant */
  bool progress;                     /* a progress line on stderr every second */
  const char *mode;                  /* "attest" or "tokens", for the report */
  const char *target;                /* the URL as given, for the report */
} vouch_lg_config;

typedef struct {
  uint64_t requests; /* scheduled in the measured window; == ok + errors */
  uint64_t ok;
  uint64_t errors;
  uint64_t responses; /* requests that got a complete response, any status */
  uint64_t by_kind[VOUCH_LG_ERR_COUNT];
  vouch_lg_code_count codes[VOUCH_LG_MAX_CODES]; /* non-2xx by status and code */
  size_t num_codes;
  uint64_t codes_other; /* non-2xx beyond VOUCH_LG_MAX_CODES distinct pairs */
  vouch_hist latency;    /* intended send -> response complete, every response */
  vouch_hist send_delay; /* intended send -> written to a connection */
  double elapsed_s;      /* start of the window -> last outcome */
  double rps;            /* responses / elapsed_s */
  uint64_t connects, connect_failures, peer_closes, unsolicited;
  uint64_t bytes_sent, bytes_received;
  bool interrupted; /* SIGINT/SIGTERM cut the schedule short */
} vouch_lg_report;

/* vouch_lg_run opens the connections, runs the schedule and fills |rep|
 * (allocated by the caller: it holds two histograms).  Fails (with |err|)
 * only for setup problems: io_uring refused, no connection at all to the
 * target, out of memory. */
VOUCH_MUST_CHECK vouch_status vouch_lg_run(const vouch_lg_config *cfg, vouch_lg_report *rep,
                                           vouch_err *err);

/* vouch_lg_report_json / _text append the report. */
void vouch_lg_report_json(const vouch_lg_config *cfg, const vouch_lg_report *rep, vouch_buf *out);
void vouch_lg_report_text(const vouch_lg_config *cfg, const vouch_lg_report *rep, vouch_buf *out);

#endif /* VOUCH_TOOLS_LOADGEN_H */
