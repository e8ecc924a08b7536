/* server/server.h - `vouch serve`: Azure Attestation's data-plane REST API
 * (spec/maa-api.md) over HTTP/1.1, on one io_uring event loop thread, with
 * the evidence verified by the engine's worker pool (engine/vouch.h).
 *
 * The loop thread owns every connection and never does crypto on the
 * attestation path: it parses requests (Debian's http-parser; attest bodies
 * with base's span scanner, as envelopes are read; admin bodies with
 * jansson), builds one evidence envelope per attest request, hands it
 * to the engine, and writes the response when the engine's callback
 * delivers the result (woken through the engine's eventfd).  Responses on
 * one connection go out in request order (pipelining).  Admin routes
 * (policies, policy signer certificates) are answered on the loop thread.
 *
 * Every resource a client can make the server hold is bounded by a limit
 * (vouch_server_limits); over a limit the client gets the HTTP status that
 * says so (400, 408, 413, 431, 503 with Retry-After), never a hang.
 *
 * State lives in the state directory: the token signing keys (token/), the
 * policies (policies/<Type>.jws, the JWS as uploaded) and the policy
 * signer certificates added over the API (policy-signers/<sha1>.pem), each
 * written atomically (temporary file, fsync, rename, fsync of the folder).
 */
#ifndef VOUCH_SERVER_H
#define VOUCH_SERVER_H

#include "base/base.h"
#include "engine/vouch.h"

struct vouch_cert;
struct vouch_server;

/* Limits.  Zero in a field means its default (vouch_server_limits_default). */
typedef struct {
  size_t max_header_bytes;      /* request line + headers: 16384 (over: 431) */
  size_t max_headers;           /* header lines: 64 (over: 431) */
  size_t max_body_bytes;        /* request body: 1 MiB (over: 413) */
  size_t max_connections;       /* open connections: 1024 (over: 503 and close) */
  size_t max_requests_per_conn; /* keep-alive requests on one connection: 1000 */
  size_t max_pipeline;          /* requests of one connection awaiting their
                                   response: 16 (further bytes are not read) */
  size_t max_in_flight;         /* attest requests in the engine, server-wide:
                                   1024 (over: 503 with Retry-After: 1) */
  unsigned idle_timeout_ms;     /* keep-alive idle, or no progress sending: 60 s */
  unsigned header_timeout_ms;   /* first byte to end of headers: 10 s (408) */
  unsigned body_timeout_ms;     /* end of headers to end of body: 30 s (408) */
} vouch_server_limits;

void vouch_server_limits_default(vouch_server_limits *l);

typedef struct {
  const char *listen;     /* "ADDR:PORT", "[v6]:PORT"; NULL = 127.0.0.1:8080 */
  const char *state_dir;  /* required (keys, policies, policy signers) */
  const char *public_url; /* tokens' iss and jku; NULL = http://<bound address> */
  int token_alg;          /* a vouch_jws_alg (not none) */
  int64_t token_lifetime; /* seconds; 0 = the key store's default (8 h) */
  int64_t at;             /* verify as of this instant; 0 = now, per request */
  /* The engine: anchors, collateral, jobs, batch... (borrowed; policy,
   * token and at are set by the server). */
  vouch_engine_config engine;
  const char *admin_token; /* Bearer token for policy and certificate writes, or NULL */
  /* Policy signer certificates (isolated mode when any: policy writes must
   * be signed by one).  Borrowed: the server takes its own references. */
  struct vouch_cert *const *policy_signers;
  size_t num_policy_signers;
  const char *access_log; /* NULL: none; "-": stdout; else a file (appended) */
  vouch_server_limits limits;
} vouch_server_config;

/* vouch_server_new binds the listening socket, sets up io_uring (refusing
 * to start where the kernel or a seccomp profile does not allow it, saying
 * how to allow it), opens the key store, loads the policies and signer
 * certificates of the state directory, and starts the engine.  Signals
 * SIGTERM, SIGINT and SIGHUP are blocked in the calling thread (before the
 * engine's threads start, so they inherit the mask) and read through a
 * signalfd by vouch_server_run. */
VOUCH_MUST_CHECK vouch_status vouch_server_new(const vouch_server_config *cfg,
                                               struct vouch_server **out, vouch_err *err);
/* vouch_server_url is the address it listens on ("http://127.0.0.1:41233"),
 * with the real port when port 0 was asked for. */
const char *vouch_server_url(const struct vouch_server *s);
/* vouch_server_run serves until SIGTERM or SIGINT: then it stops accepting,
 * answers every request already received, sends the responses and
 * returns VOUCH_OK.  SIGHUP reopens the key store (a new engine takes the
 * new requests; the old one finishes its own) and reloads the policies and
 * signer certificates from the state directory. */
VOUCH_MUST_CHECK vouch_status vouch_server_run(struct vouch_server *s, vouch_err *err);
void vouch_server_free(struct vouch_server *s);

/* ---- for the fuzz target and tests ------------------------------------------ */
/* vouch_server_new_offline makes a server with no socket, no ring, no engine
 * and no key store: only the request layer (http-parser, limits, routing,
 * request bodies, envelopes).  Attest requests that would go to the engine
 * are answered 503; routes that need signing keys 503. */
VOUCH_MUST_CHECK vouch_status vouch_server_new_offline(const vouch_server_config *cfg,
                                                       struct vouch_server **out, vouch_err *err);
/* vouch_server_feed runs |data| through one simulated connection in pieces
 * of at most |chunk| bytes (0: all at once), then the end of input, and
 * appends what the server would have sent to |out| (optional). */
void vouch_server_feed(struct vouch_server *s, const uint8_t *data, size_t len, size_t chunk,
                       vouch_buf *out);

#endif /* VOUCH_SERVER_H */
