/* server/internal.h - private to server/: the connection and request
 * objects shared by the event loop (loop.c), the HTTP layer (http.c), the
 * routes (routes.c), the policy and certificate store (admin.c) and the
 * metrics and access log (metrics.c).
 *
 * Everything here is owned by the loop thread; nothing is shared with the
 * engine's workers except what goes through vouch_engine_submit_item (a
 * copy of the envelope line, and a policy reference the engine takes). */
#ifndef VOUCH_SERVER_INTERNAL_H
#define VOUCH_SERVER_INTERNAL_H

#include <http_parser.h>
#include <liburing.h>
#include <sys/signalfd.h>

#include "engine/engine.h"
#include "engine/vouch.h"
#include "server/server.h"

struct vouch_policy;
struct vouch_keystore;

/* Routes, for dispatch and for the metrics' labels. */
typedef enum {
  R_NONE, /* a request that never got as far as routing (bad syntax, limits) */
  R_HEALTHZ,
  R_METRICS,
  R_CERTS,
  R_OPENID,
  R_ATTEST_SGX,
  R_ATTEST_OE,
  R_ATTEST_TDX,
  R_ATTEST_OTHER, /* SevSnpVm, Tpm: not supported yet */
  R_POLICY_GET,
  R_POLICY_PUT,
  R_POLICY_RESET,
  R_CERTIFICATES_GET,
  R_CERTIFICATES_ADD,
  R_CERTIFICATES_REMOVE,
  R_NOT_FOUND,
  R_COUNT
} route_id;

/* Azure Attestation types, as in /attest/{type} and /policies/{type}. */
typedef enum { T_SGX, T_OE, T_TDX, T_SNP, T_TPM, T_COUNT } att_type;
extern const char *const kTypeNames[T_COUNT];

/* Request headers the routes look at (others are only counted). */
typedef enum { H_OTHER, H_AUTHORIZATION, H_EXPECT } header_id;
#define REQ_AUTH_MAX 1024
#define REQ_EXPECT_MAX 32
#define REQ_HNAME_MAX 32
#define REQ_ID_LEN 36 /* 8-4-4-4-12 hex */

typedef struct req {
  struct conn *c;
  struct req *next;        /* the connection's response queue */
  char id[REQ_ID_LEN + 1]; /* x-ms-request-id, and the envelope's id */
  int64_t start_ns, headers_ns;
  /* parsing */
  vouch_buf url; /* request target as sent (capped) */
  size_t header_bytes, num_headers;
  bool last_was_value; /* http-parser's field/value alternation */
  char hname[REQ_HNAME_MAX];
  size_t hname_len;
  header_id cur_header;
  char auth[REQ_AUTH_MAX];
  size_t auth_len;
  bool auth_bad; /* too long or repeated: never authorizes */
  bool has_auth;
  char expect[REQ_EXPECT_MAX];
  size_t expect_len;
  vouch_buf body;
  bool headers_done;
  int method; /* enum http_method */
  bool keep_alive, http10;
  int limit_status; /* set by a callback that refused the request */
  const char *limit_msg;
  /* outcome */
  route_id route;
  bool in_engine;   /* submitted, callback not yet run */
  bool orphan;      /* the connection went away while in the engine */
  bool done;        /* |resp| is complete */
  bool close_after; /* the connection closes after this response */
  int status;
  vouch_buf resp; /* status line, headers and body */
} req;

typedef struct conn {
  struct vouch_server *s;
  uint32_t slot, gen;
  int fd;
  char peer[64]; /* "addr:port" for the access log */
  http_parser parser;
  char *rbuf; /* received bytes not yet parsed: [rpos, rlen) */
  size_t rpos, rlen;
  req *cur;         /* being received */
  req *head, *tail; /* received, in order, awaiting their responses */
  size_t queued;
  size_t in_engine; /* of the queue: waiting for the engine */
  size_t requests;  /* requests received on this connection */
  vouch_buf out;    /* bytes to send after the ones in flight */
  vouch_buf wbuf;   /* bytes of the send in flight (never reallocated then) */
  size_t woff;
  unsigned ops; /* io_uring operations in flight on fd */
  bool recv_armed, send_armed;
  bool parse_blocked; /* max_pipeline reached: parsing resumes later */
  bool stop_parsing;  /* no more requests on this connection */
  bool close_after_flush;
  bool peer_eof;
  bool lingering; /* write side shut, reading until EOF */
  bool closing;   /* being torn down */
  bool reject;    /* over max_connections: a canned 503 */
  bool dirty;
  struct conn *next_dirty;
  bool zombie;
  struct conn *next_zombie;
  int64_t idle_since_ns, send_progress_ns, linger_deadline_ns;
} conn;

/* An engine with its key store.  SIGHUP makes a new generation (the key
 * store is reopened); the old one finishes the items it has, then goes. */
#define MAX_GENS 8
typedef struct egen {
  struct vouch_engine *engine;
  struct vouch_keystore *keys;
  vouch_token_config tc; /* the engine's cfg.token points here */
  uint64_t notify_buf;
  bool notify_armed;
  bool retiring;
} egen;

/* Per-type policy state: the JWS as uploaded (NULL: the default policy)
 * and the compiled policy in force (a reference). */
typedef struct {
  char *jws;
  size_t jws_len;
  struct vouch_policy *policy;
  struct vouch_cert *signer; /* a reference, or NULL */
} policy_slot;

/* Metrics (Prometheus text on /metrics). */
#define MAX_STATUSES 16
#define LAT_BUCKETS 14
extern const double kLatencyBounds[LAT_BUCKETS];
typedef struct {
  struct {
    int status;
    uint64_t n;
  } by_status[R_COUNT][MAX_STATUSES];
  uint64_t lat_bucket[R_COUNT][LAT_BUCKETS + 1];
  uint64_t lat_count[R_COUNT];
  double lat_sum_s[R_COUNT];
  uint64_t conns_total, conns_rejected, timeouts, verdicts[4];
  vouch_engine_stats retired; /* summed from engines of earlier generations */
} metrics;

struct vouch_server {
  vouch_server_config cfg;
  vouch_server_limits lim;
  bool offline;
  char url[128];
  char public_url[512];
  int listen_fd;
  bool ring_ok;
  struct io_uring ring;
  int sig_fd;
  struct signalfd_siginfo sig_buf;
  struct __kernel_timespec tick_ts;
  bool accept_armed, accept_single, accept_cancelled;
  int64_t accept_paused_until_ns;
  /* connections: slots, generations, a free stack */
  conn **conns;
  uint32_t *gens;
  uint32_t *free_slots;
  size_t num_slots, num_free;
  size_t open_conns; /* not counting rejected ones */
  conn *dirty;
  conn *zombies;
  /* the engine */
  egen *gen[MAX_GENS];
  int cur_gen;
  bool submitted;   /* items submitted this turn: flush at its end */
  size_t in_flight; /* attest requests in the engines (parked ones included) */
  /* Requests the engine could not take without blocking the loop (every
   * in-flight slot out): submitted again, in order, as batches come back. */
  struct parked_item *parked, *parked_tail;
  /* the state directory as last loaded (admin_state_stamp), checked each second */
  uint64_t state_stamp;
  int64_t state_checked_ns;
  struct vouch_policy
      *fallback_policy; /* the engine's cfg.policy (never used: items carry theirs) */
  /* policies and signers */
  policy_slot policies[T_COUNT];
  struct vouch_cert **signers;
  size_t num_signers, num_cli_signers;
  /* ids */
  char id_prefix[20];
  uint64_t next_req;
  /* observability */
  metrics m;
  int log_fd;
  vouch_buf log_buf;
  int64_t now_ns;
  bool draining;
  bool failed;
  vouch_err fatal;
};
typedef struct vouch_server server;

/* ---- loop.c --------------------------------------------------------------- */
int64_t server_now_ns(void);
void conn_mark_dirty(conn *c);
/* server_submit hands an envelope to the current engine; without one
 * (offline) or when it refuses, |r| is answered 503. */
void server_submit(server *s, req *r, const char *line, size_t len, struct vouch_policy *policy,
                   bool unsigned_token, struct vouch_cert *policy_signer);
/* server_keys: the current key store, or NULL (offline). */
struct vouch_keystore *server_keys(server *s);
int server_token_alg(const server *s);

/* ---- http.c --------------------------------------------------------------- */
#define RECV_BUF 16384
void conn_init_parser(conn *c);
/* conn_parse runs http-parser over the received bytes, dispatching each
 * complete request, until they run out, a limit blocks, or parsing stops. */
void conn_parse(conn *c);
/* conn_eof: the peer sent EOF (a request in progress is dropped). */
void conn_eof(conn *c);
/* conn_pump moves finished responses, in order, to c->out. */
void conn_pump(conn *c);
/* conn_refuse answers a request that cannot be parsed or is over a limit
 * (the one in progress, or a new one), and closes the connection after the
 * response: the byte stream can no longer be trusted to be in sync. */
void conn_refuse(conn *c, int status, const char *code, const char *msg);
/* conn_timeout answers 408 to the request in progress and stops parsing. */
void conn_timeout(conn *c);
/* conn_drop_requests frees the queue (requests in the engine become orphans). */
void conn_drop_requests(conn *c);
req *req_new(conn *c);
void req_free(req *r);
/* req_respond completes |r| with a response (|extra|: more header lines,
 * each ending in CRLF, or NULL). */
void req_respond(req *r, int status, const char *ctype, const char *body, size_t len,
                 const char *extra);
/* req_error answers {"error":{"code","message"}} with x-ms-error-code. */
void req_error(req *r, int status, const char *code, const char *fmt, ...) VOUCH_PRINTF(4, 5);
const char *http_reason(int status);

/* ---- routes.c -------------------------------------------------------------- */
void route_request(server *s, req *r);
/* route_attest_result turns the engine's result line into the response. */
void route_attest_result(req *r, const char *json, size_t len);
bool att_type_from_name(const char *name, size_t len, att_type *out);

/* ---- admin.c --------------------------------------------------------------- */
/* admin_load reads the policies and signer certificates of the state
 * directory (at start, and on SIGHUP with |reload|: problems are then
 * logged and the current state kept). */
VOUCH_MUST_CHECK vouch_status admin_load(server *s, bool reload, vouch_err *err);
/* admin_state_stamp fingerprints the policy and signer files of the state
 * directory (stat fields; 0 offline); admin_refresh reloads them when the
 * fingerprint moved: another instance sharing the directory wrote. */
uint64_t admin_state_stamp(const server *s);
void admin_refresh(server *s);
void admin_free(server *s);
struct vouch_policy *admin_policy(server *s, att_type t);
void admin_policy_get(server *s, req *r, att_type t);
void admin_policy_put(server *s, req *r, att_type t);
void admin_policy_reset(server *s, req *r, att_type t);
void admin_certificates_get(server *s, req *r);
void admin_certificates_modify(server *s, req *r, bool add);
/* admin_sign_response answers 200 {"token": JWT of |claims|}, where |claims|
 * holds the members of the payload object after the standard ones. */
void admin_sign_response(server *s, req *r, const char *claims, size_t len);

/* ---- metrics.c -------------------------------------------------------------- */
void metrics_record(server *s, const req *r, int64_t now_ns);
void metrics_write(server *s, vouch_buf *out);
void access_log(server *s, const req *r, int64_t now_ns);
void access_log_flush(server *s);

#endif /* VOUCH_SERVER_INTERNAL_H */
