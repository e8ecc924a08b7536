/* server/loop.c - the server's event loop: one thread, one io_uring.
 *
 * Operations in the ring, told apart by their user_data (op | slot << 8 |
 * generation << 32):
 *   ACCEPT  multishot accept on the listening socket (single-shot accepts
 *           re-armed each time where the kernel has no multishot)
 *   RECV    one per connection at a time, into its 16 KiB buffer
 *   SEND    one per connection at a time, from a buffer that is never
 *           reallocated while the kernel reads it (responses produced in the
 *           meantime collect in a second buffer)
 *   NOTIFY  an 8-byte read on each engine's eventfd: a batch finished, so
 *           vouch_engine_poll runs the callbacks (on this thread)
 *   SIGNAL  a read on a signalfd (SIGTERM, SIGINT: drain; SIGHUP: reload)
 *   TICK    a timeout that drives the connection timers
 *
 * Each turn: wait for at least one completion, handle all of them, then
 * process the connections they made "dirty" (move finished responses out in
 * request order, start sends, resume parsing where a pipeline had filled,
 * re-arm receives), flush the engine's partial batch if anything was
 * submitted (latency over batch size), and free the connections that are
 * gone.  A connection is freed only when no operation of the ring and no
 * item of the engine refers to it any more.
 *
 * Closing: a response with "Connection: close" is followed by a lingering
 * close (shutdown of the write side, then reading until EOF or a short
 * deadline), so the client receives the response instead of a reset from
 * unread bytes.  An abrupt close shuts the socket down, which completes the
 * operations in flight, and closes the descriptor when they are in. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "server/internal.h"
#include "token/token.h"

enum { OP_ACCEPT = 1, OP_RECV, OP_SEND, OP_NOTIFY, OP_SIGNAL, OP_TICK, OP_CANCEL };
enum { REJECT_SLACK = 64, SQ_ENTRIES = 1024 }; /* connections over the limit that get a 503 */
#define LINGER_NS (INT64_C(2) * 1000000000)    /* reading after a closing response */
#define DRAIN_GRACE_MS 1000u                   /* for a first request after SIGTERM */
#define BUF_KEEP (256u << 10)                  /* larger send buffers are freed when empty */

static uint64_t ud(int op, uint32_t slot, uint32_t gen) {
  return (uint64_t)op | ((uint64_t)slot << 8) | ((uint64_t)gen << 32);
}

int64_t server_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vouch_server_limits_default(vouch_server_limits *l) {
  *l = (vouch_server_limits){
      .max_header_bytes = 16384,
      .max_headers = 64,
      .max_body_bytes = 1u << 20,
      .max_connections = 1024,
      .max_requests_per_conn = 1000,
      .max_pipeline = 16,
      .max_in_flight = 1024,
      .idle_timeout_ms = 60000,
      .header_timeout_ms = 10000,
      .body_timeout_ms = 30000,
  };
}

static void fill_limits(vouch_server_limits *l, const vouch_server_limits *given) {
  vouch_server_limits d;
  vouch_server_limits_default(&d);
  *l = *given;
#define DEFAULT_IF_ZERO(f) \
  if (l->f == 0) l->f = d.f
  DEFAULT_IF_ZERO(max_header_bytes);
  DEFAULT_IF_ZERO(max_headers);
  DEFAULT_IF_ZERO(max_body_bytes);
  DEFAULT_IF_ZERO(max_connections);
  DEFAULT_IF_ZERO(max_requests_per_conn);
  DEFAULT_IF_ZERO(max_pipeline);
  DEFAULT_IF_ZERO(max_in_flight);
  DEFAULT_IF_ZERO(idle_timeout_ms);
  DEFAULT_IF_ZERO(header_timeout_ms);
  DEFAULT_IF_ZERO(body_timeout_ms);
#undef DEFAULT_IF_ZERO
}

static int64_t ms_ns(unsigned ms) {
  return (int64_t)ms * 1000000;
}

/* get_sqe returns a submission entry, submitting what is queued when the
 * submission ring is full; NULL only if the kernel refuses everything. */
static struct io_uring_sqe *get_sqe(server *s) {
  struct io_uring_sqe *q = io_uring_get_sqe(&s->ring);
  if (q == NULL) {
    io_uring_submit(&s->ring);
    q = io_uring_get_sqe(&s->ring);
  }
  if (q == NULL && !s->failed) {
    s->failed = true;
    vouch_fail(&s->fatal, VOUCH_E_IO, "io_uring: the submission queue stays full");
  }
  return q;
}

void conn_mark_dirty(conn *c) {
  server *s = c->s;
  if (c->dirty || c->closing || s->offline) return;
  c->dirty = true;
  c->next_dirty = s->dirty;
  s->dirty = c;
}

struct vouch_keystore *server_keys(server *s) {
  if (s->offline || s->gen[s->cur_gen] == NULL) return NULL;
  return s->gen[s->cur_gen]->keys;
}

int server_token_alg(const server *s) {
  return s->cfg.token_alg;
}

/* ---- connections ------------------------------------------------------------------ */

static void conn_free(server *s, conn *c) {
  conn_drop_requests(c);
  vouch_buf_free(&c->out);
  vouch_buf_free(&c->wbuf);
  free(c->rbuf);
  if (c->fd >= 0) close(c->fd);
  if (s->conns) {
    s->conns[c->slot] = NULL;
    s->free_slots[s->num_free++] = c->slot;
  }
  free(c);
}

/* maybe_finalize closes the descriptor once no operation is in flight on
 * it, and queues the connection to be freed once the engine holds none of
 * its requests either. */
static void maybe_finalize(conn *c) {
  if (!c->closing || c->ops > 0 || c->zombie) return;
  if (c->fd >= 0) {
    close(c->fd);
    c->fd = -1;
  }
  if (c->in_engine > 0) return; /* the last orphan's callback comes back here */
  c->zombie = true;
  c->next_zombie = c->s->zombies;
  c->s->zombies = c;
}

static void conn_close(conn *c) {
  if (c->closing) return;
  server *s = c->s;
  c->closing = true;
  conn_drop_requests(c);
  if (!c->reject) s->open_conns--;
  /* Completes the receive or send in flight (they see EOF or EPIPE). */
  if (c->ops > 0) shutdown(c->fd, SHUT_RDWR);
  maybe_finalize(c);
}

static void start_linger(conn *c, int64_t now) {
  c->lingering = true;
  c->stop_parsing = true;
  c->rpos = c->rlen = 0;
  shutdown(c->fd, SHUT_WR);
  int64_t linger =
      LINGER_NS < ms_ns(c->s->lim.idle_timeout_ms) ? LINGER_NS : ms_ns(c->s->lim.idle_timeout_ms);
  c->linger_deadline_ns = now + linger;
}

static void arm_recv(conn *c) {
  server *s = c->s;
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) {
    conn_close(c);
    return;
  }
  size_t at = c->lingering ? 0 : c->rlen;
  io_uring_prep_recv(q, c->fd, c->rbuf + at, RECV_BUF - at, 0);
  io_uring_sqe_set_data64(q, ud(OP_RECV, c->slot, c->gen));
  c->recv_armed = true;
  c->ops++;
}

static void arm_send(conn *c) {
  server *s = c->s;
  if (c->woff == c->wbuf.len) {
    vouch_buf t = c->wbuf;
    c->wbuf = c->out;
    c->out = t;
    vouch_buf_reset(&c->out);
    c->woff = 0;
  }
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) {
    conn_close(c);
    return;
  }
  io_uring_prep_send(q, c->fd, c->wbuf.data + c->woff, c->wbuf.len - c->woff, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(q, ud(OP_SEND, c->slot, c->gen));
  c->send_armed = true;
  c->ops++;
  c->send_progress_ns = s->now_ns;
}

static bool want_recv(const conn *c) {
  if (c->closing || c->peer_eof || c->recv_armed) return false;
  if (c->lingering) return true;
  return !c->stop_parsing && !c->parse_blocked && c->rlen < RECV_BUF;
}

/* format_addr writes |prefix|addr:port ([addr]:port for IPv6; "?:0" for
 * anything else) into |out|. */
static void format_addr(const struct sockaddr_storage *ss, const char *prefix, char *out,
                        size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  snprintf(out, cap, ss->ss_family == AF_INET6 ? "%s[%s]:%u" : "%s%s:%u", prefix, host, port);
}

/* conn_io starts what a connection needs after its state changed. */
static void conn_io(conn *c) {
  server *s = c->s;
  if (c->closing) return;
  if (c->parse_blocked && !c->stop_parsing && c->queued < s->lim.max_pipeline) {
    conn_parse(c);
    conn_pump(c);
  }
  if (!c->send_armed && (c->out.len > 0 || c->woff < c->wbuf.len)) arm_send(c);
  if (c->closing) return;
  bool flushed = !c->send_armed && c->out.len == 0 && c->head == NULL && c->cur == NULL;
  if (flushed && !c->lingering) {
    if (c->peer_eof) {
      conn_close(c);
      return;
    }
    if (c->close_after_flush || (s->draining && c->requests > 0)) start_linger(c, s->now_ns);
  }
  if (want_recv(c)) arm_recv(c);
}

static void on_accepted(server *s, int fd) {
  if (s->draining) {
    close(fd);
    return;
  }
  s->m.conns_total++;
  conn *c = NULL;
  if (s->num_free == 0 || (c = calloc(1, sizeof(*c))) == NULL ||
      (c->rbuf = malloc(RECV_BUF)) == NULL) {
    free(c);
    close(fd);
    s->m.conns_rejected++;
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->s = s;
  c->fd = fd;
  c->slot = s->free_slots[--s->num_free];
  c->gen = ++s->gens[c->slot];
  s->conns[c->slot] = c;
  c->idle_since_ns = s->now_ns;
  vouch_buf_init(&c->out, 0);
  vouch_buf_init(&c->wbuf, 0);
  conn_init_parser(c);
  if (s->log_fd >= 0) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) ss.ss_family = AF_UNSPEC;
    format_addr(&ss, "", c->peer, sizeof c->peer);
  }
  if (s->open_conns >= s->lim.max_connections) {
    /* Over the limit: a canned 503 and a lingering close, from the slack
     * of slots kept for this (beyond it, the descriptor is just closed). */
    c->reject = true;
    s->m.conns_rejected++;
    conn_refuse(c, 503, "ServiceUnavailable", "too many open connections: retry shortly");
  } else {
    s->open_conns++;
  }
  conn_mark_dirty(c);
}

/* ---- the engine --------------------------------------------------------------------- */

static void on_engine_result(void *user, const char *json, size_t len, int verdict) {
  req *r = user;
  conn *c = r->c;
  server *s = c->s;
  r->in_engine = false;
  c->in_engine--;
  s->in_flight--;
  if (verdict >= 0 && verdict < 4) s->m.verdicts[verdict]++;
  if (r->orphan) {
    /* Its client went away: counted as 499, as nginx does. */
    r->status = 499;
    metrics_record(s, r, server_now_ns());
    access_log(s, r, server_now_ns());
    req_free(r);
    maybe_finalize(c);
    return;
  }
  route_attest_result(r, json, len);
}

/* A request waiting for an engine slot: its envelope and options, with
 * references held.  It counts as in the engine (in_flight, in_engine), so
 * limits, disconnects and draining treat it like a submitted one. */
struct parked_item {
  struct parked_item *next;
  req *r;
  char *line;
  size_t len;
  vouch_item_opts opts;
};

static void parked_free(struct parked_item *p) {
  vouch_policy_free(p->opts.policy);
  vouch_cert_free(p->opts.policy_signer);
  free(p->line);
  free(p);
}

/* engine_refused answers a request the engine could not take at all. */
static void engine_refused(server *s, req *r) {
  r->in_engine = false;
  r->c->in_engine--;
  s->in_flight--;
  req_error(r, 503, "ServiceUnavailable", "the verification engine cannot take the request");
}

/* park keeps |r| until a slot frees (never blocking the loop); false if
 * even that fails (out of memory). */
static bool park(server *s, req *r, const char *line, size_t len, const vouch_item_opts *o) {
  struct parked_item *p = calloc(1, sizeof(*p));
  char *copy = malloc(len ? len : 1);
  if (p == NULL || copy == NULL) {
    free(p);
    free(copy);
    return false;
  }
  memcpy(copy, line, len);
  *p = (struct parked_item){.r = r, .line = copy, .len = len, .opts = *o};
  if (o->policy) vouch_policy_up_ref(o->policy);
  if (o->policy_signer) vouch_cert_up_ref(o->policy_signer);
  if (s->parked_tail) {
    s->parked_tail->next = p;
  } else {
    s->parked = p;
  }
  s->parked_tail = p;
  return true;
}

/* submit_parked hands parked requests to the current engine, oldest first,
 * until it is full again. */
static void submit_parked(server *s) {
  egen *g = s->offline ? NULL : s->gen[s->cur_gen];
  while (s->parked != NULL && g != NULL) {
    struct parked_item *p = s->parked;
    vouch_status st =
        vouch_engine_submit_item(g->engine, p->line, p->len, &p->opts, on_engine_result, p->r);
    if (st == VOUCH_E_BUSY) break;
    s->parked = p->next;
    if (s->parked == NULL) s->parked_tail = NULL;
    if (st != VOUCH_OK) engine_refused(s, p->r);
    parked_free(p);
    s->submitted = true;
  }
}

void server_submit(server *s, req *r, const char *line, size_t len, struct vouch_policy *policy,
                   bool unsigned_token, struct vouch_cert *policy_signer) {
  egen *g = s->offline ? NULL : s->gen[s->cur_gen];
  if (g == NULL) {
    req_error(r, 503, "ServiceUnavailable", "the verification engine is not running");
    return;
  }
  vouch_item_opts o = {.policy = policy,
                       .unsigned_token = unsigned_token,
                       .policy_signer = policy_signer,
                       .no_wait = true,
                       .brief_result = true}; /* the answer is the token or the error */
  r->in_engine = true;
  r->c->in_engine++;
  s->in_flight++;
  /* Behind earlier parked requests, or refused for want of a slot: wait
   * in line (the in-flight limit bounds the line). */
  vouch_status st = s->parked != NULL
                        ? VOUCH_E_BUSY
                        : vouch_engine_submit_item(g->engine, line, len, &o, on_engine_result, r);
  if (st == VOUCH_E_BUSY && park(s, r, line, len, &o)) return;
  if (st != VOUCH_OK) {
    engine_refused(s, r);
    return;
  }
  s->submitted = true;
}

static void arm_notify(server *s, int idx) {
  egen *g = s->gen[idx];
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) return;
  io_uring_prep_read(q, vouch_engine_notify_fd(g->engine), &g->notify_buf, sizeof g->notify_buf, 0);
  io_uring_sqe_set_data64(q, ud(OP_NOTIFY, (uint32_t)idx, 0));
  g->notify_armed = true;
}

static void egen_free(egen *g) {
  if (g == NULL) return;
  vouch_engine_free(g->engine);
  vouch_keystore_close(g->keys);
  free(g);
}

static egen *egen_new(server *s, vouch_err *err) {
  egen *g = calloc(1, sizeof(*g));
  if (g == NULL) {
    vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    return NULL;
  }
  vouch_jws_alg alg = (vouch_jws_alg)s->cfg.token_alg;
  vouch_keystore_opts ko = {.public_url = s->public_url,
                            .lifetime_s = s->cfg.token_lifetime,
                            .ensure_algs = &alg,
                            .num_ensure_algs = 1};
  if (vouch_keystore_open(s->cfg.state_dir, &ko, &g->keys, err) != VOUCH_OK) {
    vouch_err_prefix(err, "--state-dir %s: ", s->cfg.state_dir);
    free(g);
    return NULL;
  }
  g->tc = (vouch_token_config){.keys = g->keys, .alg = (int)alg, .format = VOUCH_TOKEN_FORMAT_JWT};
  vouch_engine_config ec = s->cfg.engine;
  ec.policy = s->fallback_policy;
  ec.token = &g->tc;
  ec.at = s->cfg.at != 0 ? s->cfg.at : (int64_t)time(NULL);
  ec.progress = false;
  /* An envelope carries the body's evidence re-encoded: room for it. */
  size_t need = s->lim.max_body_bytes * 2 + 65536;
  if (ec.max_line < need) ec.max_line = need;
  g->engine = vouch_engine_new(&ec, err);
  if (g->engine == NULL || vouch_engine_notify_fd(g->engine) < 0) {
    if (g->engine) vouch_fail(err, VOUCH_E_IO, "engine: no eventfd for the event loop");
    egen_free(g);
    return NULL;
  }
  return g;
}

static void add_stats(vouch_engine_stats *sum, struct vouch_engine *e) {
  vouch_engine_stats st = {0};
  vouch_engine_stats_get(e, &st);
  sum->sig_requested += st.sig_requested;
  sum->sig_checked += st.sig_checked;
  sum->sig_cache_hits += st.sig_cache_hits;
  sum->sig_batch_dups += st.sig_batch_dups;
  sum->cache_hits += st.cache_hits;
  sum->cache_misses += st.cache_misses;
  sum->cache_evictions += st.cache_evictions;
  sum->cache_collisions += st.cache_collisions;
}

static void on_notify(server *s, int idx) {
  egen *g = s->gen[idx];
  if (g == NULL) return;
  g->notify_armed = false;
  if (g->retiring) {
    (void)vouch_engine_try_flush(g->engine); /* polls too */
  } else {
    vouch_engine_poll(g->engine);
  }
  s->now_ns = server_now_ns();
  /* Slots came back: what waits (parked, or left in the filling batch by
   * a try-flush) goes at the end of this turn. */
  s->submitted = true;
  if (g->retiring && vouch_engine_pending(g->engine) == 0) {
    add_stats(&s->m.retired, g->engine);
    s->gen[idx] = NULL;
    egen_free(g);
    return;
  }
  arm_notify(s, idx);
}

/* ---- signals: drain and reload ---------------------------------------------------------- */

static void start_drain(server *s) {
  if (s->draining) return;
  s->draining = true;
  vouch_log(VOUCH_LOG_WARN,
            "vouch serve: stopping: no new connections; answering the requests received");
  if (s->accept_armed) {
    struct io_uring_sqe *q = get_sqe(s);
    if (q) {
      io_uring_prep_cancel64(q, ud(OP_ACCEPT, 0, 0), 0);
      io_uring_sqe_set_data64(q, ud(OP_CANCEL, 0, 0));
    }
  } else if (s->listen_fd >= 0) {
    close(s->listen_fd);
    s->listen_fd = -1;
  }
  for (size_t i = 0; i < s->num_slots; i++) {
    conn *c = s->conns[i];
    if (c == NULL || c->closing) continue;
    /* A connection that has not sent its first request yet may have it on
     * the way: it gets a short grace (on_tick), and its request is answered
     * with "Connection: close".  Others finish what they have received and
     * close. */
    if (c->requests == 0 && c->cur == NULL && !c->reject) continue;
    if (c->cur == NULL) c->stop_parsing = true;
    conn_mark_dirty(c);
  }
}

static void reload(server *s) {
  vouch_log(VOUCH_LOG_WARN, "vouch serve: SIGHUP: reloading keys and policies");
  int free_idx = -1;
  for (int i = 0; i < MAX_GENS; i++)
    if (s->gen[i] == NULL) free_idx = i;
  vouch_err err = {0};
  if (free_idx < 0) {
    vouch_log(VOUCH_LOG_ERROR, "vouch serve: reload: %d engines still finishing; keys not reloaded",
              MAX_GENS - 1);
  } else {
    egen *g = egen_new(s, &err);
    if (g == NULL) {
      vouch_log(VOUCH_LOG_ERROR, "vouch serve: reload: %s (the current keys are kept)", err.msg);
    } else {
      egen *old = s->gen[s->cur_gen];
      s->gen[free_idx] = g;
      s->cur_gen = free_idx;
      arm_notify(s, free_idx);
      old->retiring = true;
      /* Hand over its last items without waiting; if every slot is out,
       * on_notify retries as its batches come back. */
      (void)vouch_engine_try_flush(old->engine);
      /* Wake its notify read so an idle engine goes now, a busy one when
       * its last batch is in. */
      eventfd_write(vouch_engine_notify_fd(old->engine), 1);
    }
  }
  vouch_err aerr = {0};
  if (admin_load(s, true, &aerr) != VOUCH_OK) {
    /* With |reload| it logs and keeps the state in force; nothing to add. */
  }
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void arm_accept(server *s) {
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) return;
  if (s->accept_single)
    io_uring_prep_accept(q, s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  else
    io_uring_prep_multishot_accept(q, s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(q, ud(OP_ACCEPT, 0, 0));
  s->accept_armed = true;
}

static void arm_signal(server *s) {
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) return;
  io_uring_prep_read(q, s->sig_fd, &s->sig_buf, sizeof s->sig_buf, 0);
  io_uring_sqe_set_data64(q, ud(OP_SIGNAL, 0, 0));
}

static void arm_tick(server *s) {
  struct io_uring_sqe *q = get_sqe(s);
  if (q == NULL) return;
  io_uring_prep_timeout(q, &s->tick_ts, 0, 0);
  io_uring_sqe_set_data64(q, ud(OP_TICK, 0, 0));
}

static void on_tick(server *s) {
  int64_t now = s->now_ns;
  const vouch_server_limits *l = &s->lim;
  /* Policies written by another instance sharing the state directory. */
  if (now - s->state_checked_ns >= INT64_C(1000000000)) {
    s->state_checked_ns = now;
    admin_refresh(s);
  }
  for (size_t i = 0; i < s->num_slots; i++) {
    conn *c = s->conns[i];
    if (c == NULL || c->closing) continue;
    if (c->lingering) {
      if (now > c->linger_deadline_ns) conn_close(c);
      continue;
    }
    if (c->send_armed && now - c->send_progress_ns > ms_ns(l->idle_timeout_ms)) {
      conn_close(c); /* the client does not read its responses */
      continue;
    }
    if (c->cur != NULL && !c->stop_parsing) {
      req *r = c->cur;
      if ((!r->headers_done && now - r->start_ns > ms_ns(l->header_timeout_ms)) ||
          (r->headers_done && now - r->headers_ns > ms_ns(l->body_timeout_ms))) {
        conn_timeout(c);
        conn_mark_dirty(c);
      }
    } else if (c->head == NULL && c->out.len == 0 && !c->send_armed && c->cur == NULL) {
      /* A new connection must send a request within the header timeout; a
       * kept-alive one may idle for the idle timeout. */
      unsigned limit = c->requests == 0 && !c->reject ? l->header_timeout_ms : l->idle_timeout_ms;
      if (s->draining && limit > DRAIN_GRACE_MS) limit = DRAIN_GRACE_MS;
      if (now - c->idle_since_ns > ms_ns(limit)) conn_close(c);
    }
  }
  if (!s->accept_armed && !s->draining && now >= s->accept_paused_until_ns) arm_accept(s);
}

static void on_recv(server *s, conn *c, int res) {
  c->recv_armed = false;
  c->ops--;
  if (c->closing) {
    maybe_finalize(c);
    return;
  }
  if (res > 0) {
    if (!c->lingering && !c->stop_parsing) {
      c->rlen += (size_t)res;
      conn_parse(c);
    }
  } else if (res == 0 || (c->lingering && res != -EINTR && res != -EAGAIN)) {
    if (c->lingering) {
      conn_close(c);
      return;
    }
    conn_eof(c);
  } else if (res != -EINTR && res != -EAGAIN && res != -ENOBUFS) {
    conn_close(c); /* reset by the peer */
    return;
  }
  (void)s;
  conn_mark_dirty(c);
}

static void on_send(server *s, conn *c, int res) {
  c->send_armed = false;
  c->ops--;
  if (c->closing) {
    maybe_finalize(c);
    return;
  }
  if (res < 0 && res != -EINTR && res != -EAGAIN) {
    conn_close(c); /* EPIPE, ECONNRESET: the client is gone */
    return;
  }
  if (res > 0) {
    c->woff += (size_t)res;
    c->send_progress_ns = s->now_ns;
  }
  if (c->woff == c->wbuf.len) {
    if (c->wbuf.cap > BUF_KEEP) {
      vouch_buf_free(&c->wbuf);
      vouch_buf_init(&c->wbuf, 0);
    }
    vouch_buf_reset(&c->wbuf);
    c->woff = 0;
    c->idle_since_ns = s->now_ns;
  }
  conn_mark_dirty(c);
}

static void handle(server *s, struct io_uring_cqe *cqe) {
  uint64_t u = io_uring_cqe_get_data64(cqe);
  int op = (int)(u & 0xff);
  uint32_t slot = (uint32_t)((u >> 8) & 0xffffff), gen = (uint32_t)(u >> 32);
  int res = cqe->res;
  switch (op) {
    case OP_ACCEPT: {
      if (!(cqe->flags & IORING_CQE_F_MORE)) s->accept_armed = false;
      if (res >= 0) {
        on_accepted(s, res);
      } else if (res == -EINVAL && !s->accept_single) {
        s->accept_single = true; /* a kernel without multishot accept */
      } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
        /* Out of descriptors: pause accepting instead of spinning. */
        s->accept_paused_until_ns = s->now_ns + 100 * 1000000;
      }
      if (s->draining) {
        if (!s->accept_armed && s->listen_fd >= 0) {
          close(s->listen_fd);
          s->listen_fd = -1;
        }
      } else if (!s->accept_armed && s->now_ns >= s->accept_paused_until_ns) {
        arm_accept(s);
      }
      break;
    }
    case OP_RECV:
    case OP_SEND: {
      conn *c = slot < s->num_slots ? s->conns[slot] : NULL;
      if (c == NULL || c->gen != gen) break; /* cannot happen: freed only when idle */
      if (op == OP_RECV)
        on_recv(s, c, res);
      else
        on_send(s, c, res);
      break;
    }
    case OP_NOTIFY:
      if (slot < MAX_GENS) on_notify(s, (int)slot);
      break;
    case OP_SIGNAL:
      if (res == (int)sizeof s->sig_buf) {
        if (s->sig_buf.ssi_signo == SIGHUP)
          reload(s);
        else
          start_drain(s);
      }
      arm_signal(s);
      break;
    case OP_TICK:
      on_tick(s);
      arm_tick(s);
      break;
    default:
      break;
  }
}

static void after_turn(server *s) {
  for (;;) {
    while (s->dirty != NULL) {
      conn *c = s->dirty;
      s->dirty = c->next_dirty;
      c->dirty = false;
      if (c->closing) continue;
      conn_pump(c);
      conn_io(c);
    }
    if (!s->submitted) break;
    submit_parked(s); /* may submit more: the flush below takes them too */
    s->submitted = false;
    /* Latency over batch size: what this turn submitted goes now, if an
     * in-flight slot is free; if not, a notification brings us back.
     * Never wait here: the loop must keep serving every connection. */
    if (!s->offline && s->gen[s->cur_gen] != NULL) {
      (void)vouch_engine_try_flush(s->gen[s->cur_gen]->engine);
    }
    s->now_ns = server_now_ns();
  }
  while (s->zombies != NULL) {
    conn *c = s->zombies;
    s->zombies = c->next_zombie;
    conn_free(s, c);
  }
  access_log_flush(s);
}

static bool finished(const server *s) {
  return s->draining && s->num_free == s->num_slots && s->in_flight == 0;
}

vouch_status vouch_server_run(server *s, vouch_err *err) {
  if (s->offline) return vouch_fail(err, VOUCH_E_ARG, "an offline server does not run");
  s->now_ns = server_now_ns();
  arm_accept(s);
  arm_signal(s);
  arm_tick(s);
  arm_notify(s, s->cur_gen);
  while (!finished(s) && !s->failed) {
    int r = io_uring_submit_and_wait(&s->ring, 1);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME) {
      vouch_fail(&s->fatal, VOUCH_E_IO, "io_uring: %s", strerror(-r));
      s->failed = true;
      break;
    }
    s->now_ns = server_now_ns();
    unsigned head, n = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&s->ring, head, cqe) {
      n++;
      handle(s, cqe);
    }
    io_uring_cq_advance(&s->ring, n);
    after_turn(s);
  }
  if (s->failed) return vouch_fail(err, s->fatal.code, "%s", s->fatal.msg);
  return VOUCH_OK;
}

/* ---- setup -------------------------------------------------------------------------------- */

static vouch_status open_listener(server *s, vouch_err *err) {
  const char *l = s->cfg.listen ? s->cfg.listen : "127.0.0.1:8080";
  char host[256];
  const char *port;
  if (l[0] == '[') {
    const char *e = strchr(l, ']');
    if (e == NULL || e[1] != ':' || (size_t)(e - l - 1) >= sizeof host)
      return vouch_fail(err, VOUCH_E_ARG, "--listen %s: expected [IPv6]:PORT", l);
    memcpy(host, l + 1, (size_t)(e - l - 1));
    host[e - l - 1] = '\0';
    port = e + 2;
  } else {
    const char *colon = strrchr(l, ':');
    if (colon == NULL || colon == l || (size_t)(colon - l) >= sizeof host)
      return vouch_fail(err, VOUCH_E_ARG, "--listen %s: expected ADDR:PORT (e.g. 127.0.0.1:8080)",
                        l);
    memcpy(host, l, (size_t)(colon - l));
    host[colon - l] = '\0';
    port = colon + 1;
  }
  if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
    return vouch_fail(err, VOUCH_E_ARG, "--listen %s: the port must be 0..65535", l);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(host, port, &hints, &res);
  if (gai != 0) return vouch_fail(err, VOUCH_E_ARG, "--listen %s: %s", l, gai_strerror(gai));
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    return vouch_fail(err, VOUCH_E_IO, "--listen %s: %s", l, strerror(e));
  }
  freeaddrinfo(res);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) ss.ss_family = AF_UNSPEC;
  format_addr(&ss, "http://", s->url, sizeof s->url);
  s->listen_fd = fd;
  return VOUCH_OK;
}

static vouch_status setup_ring(server *s, vouch_err *err) {
  /* Room in the completion ring for every operation that can be in flight
   * (two per connection, a few more), clamped to what the kernel allows;
   * beyond it the kernel keeps overflowing completions itself. */
  size_t cq = s->num_slots * 2 + 64;
  if (cq < 2 * SQ_ENTRIES) cq = 2 * SQ_ENTRIES;
  struct io_uring_params p = {0};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_COOP_TASKRUN;
  p.cq_entries = (unsigned)(cq > (1u << 20) ? 1u << 20 : cq);
  int r = io_uring_queue_init_params(SQ_ENTRIES, &s->ring, &p);
  if (r == -EINVAL) {
    /* Older kernels: no cooperative task running. */
    unsigned entries = p.cq_entries;
    p = (struct io_uring_params){0};
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
    p.cq_entries = entries;
    r = io_uring_queue_init_params(SQ_ENTRIES, &s->ring, &p);
  }
  if (r < 0)
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "io_uring is not available (%s), and vouch serve needs it. To allow it: "
                      "sysctl kernel.io_uring_disabled=0, or permit the io_uring_setup, "
                      "io_uring_enter and io_uring_register syscalls in the container's seccomp "
                      "profile",
                      strerror(-r));
  s->ring_ok = true;
  return VOUCH_OK;
}

static vouch_status common_new(const vouch_server_config *cfg, bool offline, server **out,
                               vouch_err *err) {
  server *s = calloc(1, sizeof(*s));
  if (s == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  s->cfg = *cfg;
  s->offline = offline;
  s->listen_fd = s->sig_fd = s->log_fd = -1;
  fill_limits(&s->lim, &cfg->limits);
  vouch_buf_init(&s->log_buf, 0);
  uint8_t rnd[8];
  if (vouch_random_bytes(rnd, sizeof rnd) != VOUCH_OK) memset(rnd, 0, sizeof rnd);
  vouch_hex_encode(rnd, sizeof rnd, s->id_prefix);
  s->num_slots = offline ? 1 : s->lim.max_connections + REJECT_SLACK;
  s->conns = calloc(s->num_slots, sizeof(*s->conns));
  s->gens = calloc(s->num_slots, sizeof(*s->gens));
  s->free_slots = calloc(s->num_slots, sizeof(*s->free_slots));
  if (s->conns == NULL || s->gens == NULL || s->free_slots == NULL) {
    vouch_server_free(s);
    return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < s->num_slots; i++) s->free_slots[i] = (uint32_t)(s->num_slots - 1 - i);
  s->num_free = s->num_slots;
  const char *def = vouch_policy_default_text("SgxEnclave");
  vouch_status st = vouch_policy_compile(def, strlen(def), &s->fallback_policy, NULL, err);
  if (st == VOUCH_OK)
    s->state_stamp = admin_state_stamp(s); /* before: a write in between reloads */
  if (st == VOUCH_OK) st = admin_load(s, false, err);
  if (st != VOUCH_OK) {
    vouch_server_free(s);
    return st;
  }
  *out = s;
  return VOUCH_OK;
}

vouch_status vouch_server_new(const vouch_server_config *cfg, server **out, vouch_err *err) {
  *out = NULL;
  if (cfg->state_dir == NULL) return vouch_fail(err, VOUCH_E_ARG, "a state directory is required");
  vouch_jws_alg alg = (vouch_jws_alg)cfg->token_alg;
  if (alg == VOUCH_JWS_NONE || (int)alg < 0 || (int)alg >= VOUCH_JWS_ALG_COUNT)
    return vouch_fail(err, VOUCH_E_ARG, "the token algorithm must be a signing one");
  server *s;
  VOUCH_GUARD(common_new(cfg, false, &s, err));
  vouch_status st = setup_ring(s, err);
  if (st == VOUCH_OK) st = open_listener(s, err);
  if (st == VOUCH_OK) {
    /* Signals come through the ring; block them here, before the engine's
     * workers start and inherit this mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (s->sig_fd < 0) st = vouch_fail(err, VOUCH_E_IO, "signalfd: %s", strerror(errno));
  }
  if (st == VOUCH_OK && cfg->access_log != NULL) {
    if (strcmp(cfg->access_log, "-") == 0) {
      s->log_fd = dup(STDOUT_FILENO);
    } else {
      s->log_fd = open(cfg->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    }
    if (s->log_fd < 0)
      st = vouch_fail(err, VOUCH_E_IO, "--access-log %s: %s", cfg->access_log, strerror(errno));
  }
  if (st == VOUCH_OK) {
    const char *pub = cfg->public_url ? cfg->public_url : s->url;
    if (strlen(pub) >= sizeof s->public_url)
      st = vouch_fail(err, VOUCH_E_ARG, "--public-url is too long");
    else
      snprintf(s->public_url, sizeof s->public_url, "%s", pub);
  }
  if (st == VOUCH_OK) {
    s->gen[0] = egen_new(s, err);
    if (s->gen[0] == NULL) st = err && err->code ? err->code : VOUCH_E_INTERNAL;
  }
  if (st != VOUCH_OK) {
    vouch_server_free(s);
    return st;
  }
  /* Timers: a quarter of the shortest timeout, between 50 ms and 1 s. */
  unsigned t = s->lim.header_timeout_ms;
  if (s->lim.body_timeout_ms < t) t = s->lim.body_timeout_ms;
  if (s->lim.idle_timeout_ms < t) t = s->lim.idle_timeout_ms;
  t /= 4;
  if (t < 50) t = 50;
  if (t > 1000) t = 1000;
  s->tick_ts.tv_sec = t / 1000;
  s->tick_ts.tv_nsec = (long long)(t % 1000) * 1000000;
  *out = s;
  return VOUCH_OK;
}

vouch_status vouch_server_new_offline(const vouch_server_config *cfg, server **out,
                                      vouch_err *err) {
  *out = NULL;
  vouch_server_config c = *cfg;
  c.state_dir = NULL; /* nothing is read or written */
  return common_new(&c, true, out, err);
}

const char *vouch_server_url(const server *s) {
  return s->url;
}

void vouch_server_free(server *s) {
  if (s == NULL) return;
  /* Results still owed (a failed run) are delivered, so no request leaks. */
  for (int g = 0; g < MAX_GENS; g++)
    if (s->gen[g]) vouch_engine_drain(s->gen[g]->engine);
  for (size_t i = 0; s->conns && i < s->num_slots; i++)
    if (s->conns[i]) conn_free(s, s->conns[i]);
  s->zombies = NULL; /* they were in their slots until now */
  if (s->ring_ok) io_uring_queue_exit(&s->ring);
  while (s->parked != NULL) { /* a failed run: a drained server has none left */
    struct parked_item *p = s->parked;
    s->parked = p->next;
    parked_free(p);
  }
  s->parked_tail = NULL;
  for (int g = 0; g < MAX_GENS; g++) egen_free(s->gen[g]);
  if (s->listen_fd >= 0) close(s->listen_fd);
  if (s->sig_fd >= 0) close(s->sig_fd);
  access_log_flush(s);
  if (s->log_fd >= 0) close(s->log_fd);
  vouch_buf_free(&s->log_buf);
  admin_free(s);
  vouch_policy_free(s->fallback_policy);
  free(s->conns);
  free(s->gens);
  free(s->free_slots);
  free(s);
}

/* ---- offline: one simulated connection ------------------------------------------------------ */

static void drain_out(conn *c, vouch_buf *out) {
  if (out) vouch_buf_append(out, c->out.data, c->out.len);
  vouch_buf_reset(&c->out);
}

void vouch_server_feed(server *s, const uint8_t *data, size_t len, size_t chunk, vouch_buf *out) {
  if (!s->offline || s->num_free == 0) return;
  conn *c = calloc(1, sizeof(*c));
  if (c == NULL || (c->rbuf = malloc(RECV_BUF)) == NULL) {
    free(c);
    return;
  }
  s->now_ns = server_now_ns();
  c->s = s;
  c->fd = -1;
  c->slot = s->free_slots[--s->num_free];
  s->conns[c->slot] = c;
  snprintf(c->peer, sizeof c->peer, "offline");
  vouch_buf_init(&c->out, 0);
  vouch_buf_init(&c->wbuf, 0);
  conn_init_parser(c);
  size_t off = 0;
  if (chunk == 0) chunk = RECV_BUF;
  while (off < len && !c->stop_parsing) {
    size_t room = RECV_BUF - c->rlen;
    size_t n = len - off < chunk ? len - off : chunk;
    if (n > room) n = room;
    memcpy(c->rbuf + c->rlen, data + off, n);
    c->rlen += n;
    off += n;
    do {
      conn_parse(c);
      conn_pump(c);
      drain_out(c, out);
    } while (c->parse_blocked && !c->stop_parsing && c->queued < s->lim.max_pipeline);
    if (n == 0) break; /* a blocked pipeline with a full buffer: cannot happen here */
  }
  conn_eof(c);
  conn_pump(c);
  drain_out(c, out);
  access_log_flush(s);
  conn_free(s, c);
}
