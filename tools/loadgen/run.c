/* tools/loadgen/run.c - the loop of vouch loadgen: one thread, one io_uring.
 *
 * Schedule (open loop).  Request k is due at intended(k) = t0 + k/R.  Each
 * turn of the loop reads the clock, makes every request whose instant has
 * passed due (several at once when the loop was late), and hands due
 * requests in order to idle connections.  A request that finds no idle
 * connection waits in the loadgen's queue, which is just the range of
 * sequence numbers [next_send, next_sched): nothing is stored per queued
 * request, since its instant and its bytes follow from k.  Latency is
 * measured from intended(k) to the end of the response, so time spent in
 * that queue counts (coordinated omission corrected); the delay from
 * intended(k) to the moment the bytes were handed to a socket is reported
 * apart, as "send delay".  The ring sleeps until the next instant that
 * matters (next arrival, next deadline, next reconnect, next progress
 * line) through the wait's own timeout (IORING_ENTER_EXT_ARG; liburing
 * falls back to an IORING_OP_TIMEOUT on old kernels), with the thread's
 * timer slack set to 1 ns.
 *
 * Connections: C keep-alive HTTP/1.1 connections, opened (and all
 * connected or failed) before t0.  One request at a time per connection
 * (no pipelining); a receive is always armed, so a peer that closes an idle
 * connection is seen at once.  Operations, told apart by user_data (op |
 * slot << 8 | generation << 32):
 *   CONNECT   with a linked timeout (LTIMEOUT) of --timeout-ms
 *   SEND      the pre-built request, resubmitted after a short write
 *   RECV      into the connection's buffer (16 KiB, grown up to the
 *             response limits)
 *   SIGNAL    a read on a signalfd: SIGINT/SIGTERM end the schedule early
 * A connection is replaced when the response says Connection: close, when
 * the peer closes or resets it, when a response is malformed or too big,
 * when bytes arrive that nobody asked for, or when its request times out.
 * Closing is shutdown(2) (which completes the operations in flight), then
 * close(2) once none is left.  Failed connects back off (10 ms doubling to
 * 1 s); if every connection is backing off, queued requests fail at once
 * as "connect" errors instead of waiting for their timeout.
 *
 * Accounting: every request k in the measured window [k_warm, total) ends
 * in exactly one outcome, recorded at the one place its state leaves
 * "queued" or "busy": ok, or one error kind.  Every outcome comes at the
 * latest at intended(k) + timeout, so the run ends by the end of the
 * schedule plus the timeout, plus a bounded close. */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/loadgen/loadgen.h"

enum { OP_CONNECT = 1, OP_LTIMEOUT, OP_SEND, OP_RECV, OP_SIGNAL };
enum { RBUF_INITIAL = 16384 };
#define RBUF_MAX ((size_t)VOUCH_LG_MAX_HEAD + VOUCH_LG_MAX_BODY + 65536)
#define NS INT64_C(1000000000)
#define NEVER INT64_MAX
#define SIG_SLOT 0xffffffu

typedef enum {
  C_DOWN = 0,   /* no socket; reconnects at retry_at */
  C_CONNECTING, /* connect in flight */
  C_IDLE,       /* connected, free for a request */
  C_BUSY,       /* carrying request k */
  C_SENDWAIT,   /* response complete before our send completion came in */
  C_CLOSING,    /* shut down; closed once no operation is left */
} cstate;

typedef struct {
  int fd;
  uint32_t slot, gen;
  cstate st;
  int ops;        /* operations of the ring on this socket */
  bool recv_armed, send_armed;
  bool in_idle;   /* has an entry in the idle stack (maybe stale) */
  bool in_reopen; /* has an entry in the reopen stack */
  bool fresh;     /* connected, no request carried yet */
  bool failed;    /* closing because the connect failed: back off */
  /* the request in flight */
  uint64_t k;
  int64_t deadline;
  const char *req;
  size_t req_len, woff;
  /* the response */
  uint8_t *rbuf; /* owned */
  size_t rlen, rcap, need;
  /* reconnecting */
  int64_t retry_at;
  unsigned backoff_ms;
} conn;

typedef struct {
  const vouch_lg_config *cfg;
  vouch_lg_report *rep;
  const vouch_lg_requests *rq;
  struct io_uring ring;
  bool ring_ok;
  conn *conns;
  unsigned n;
  unsigned *idle; /* stack of slots */
  unsigned num_idle;
  unsigned *reopen; /* stack of slots closed normally: reconnect at once */
  unsigned num_reopen;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  struct __kernel_timespec connect_ts; /* read by the kernel at submission */
  int sig_fd;
  struct signalfd_siginfo sig_buf;
  bool sig_armed;
  sigset_t old_mask;
  bool mask_set;
  /* schedule */
  int64_t t0;
  double ns_per_req;
  int64_t timeout_ns;
  uint64_t total, k_warm, next_sched, next_send;
  uint64_t dispatched; /* requests handed to a connection */
  unsigned busy, up, down;
  int64_t next_deadline; /* no busy deadline before it */
  int64_t next_retry;
  int64_t last_outcome;
  int64_t next_progress, started;
  bool finishing; /* schedule done: no reconnects */
  int signals;
  int last_connect_errno;
  vouch_buf scratch;
  bool fatal;
  vouch_err fatal_err;
} lg;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static uint64_t ud(int op, uint32_t slot, uint32_t gen) {
  return (uint64_t)op | ((uint64_t)slot << 8) | ((uint64_t)gen << 32);
}

static int64_t intended(const lg *l, uint64_t k) {
  return l->t0 + (int64_t)((double)k * l->ns_per_req);
}

const char *vouch_lg_err_kind_name(vouch_lg_err_kind k) {
  static const char *const kNames[VOUCH_LG_ERR_COUNT] = {
      "connect", "timeout", "closed", "parse", "http_4xx", "http_5xx", "http_503_retry_after",
      "http_other"};
  return (unsigned)k < VOUCH_LG_ERR_COUNT ? kNames[k] : "unknown";
}

static struct io_uring_sqe *get_sqe(lg *l) {
  struct io_uring_sqe *q = io_uring_get_sqe(&l->ring);
  if (q == NULL) {
    io_uring_submit(&l->ring);
    q = io_uring_get_sqe(&l->ring);
  }
  if (q == NULL && !l->fatal) {
    l->fatal = true;
    vouch_fail(&l->fatal_err, VOUCH_E_IO, "io_uring: the submission queue stays full");
  }
  return q;
}

/* ---- outcomes ------------------------------------------------------------------- */

static void count_code(vouch_lg_report *rep, int status, const char *code) {
  for (size_t i = 0; i < rep->num_codes; i++) {
    if (rep->codes[i].status == status && strcmp(rep->codes[i].code, code) == 0) {
      rep->codes[i].count++;
      return;
    }
  }
  if (rep->num_codes == VOUCH_LG_MAX_CODES) {
    rep->codes_other++;
    return;
  }
  vouch_lg_code_count *c = &rep->codes[rep->num_codes++];
  c->status = status;
  snprintf(c->code, sizeof c->code, "%s", code);
  c->count = 1;
}

/* outcome records how request k ended: |kind| < 0 is ok; |resp| is the
 * response when one came (any status). */
static void outcome(lg *l, uint64_t k, int kind, const vouch_lg_response *resp, int64_t now) {
  if (k < l->k_warm) return;
  vouch_lg_report *rep = l->rep;
  rep->requests++;
  l->last_outcome = now;
  if (resp != NULL) {
    rep->responses++;
    vouch_hist_record(&rep->latency, now - intended(l, k));
  }
  if (kind < 0) {
    rep->ok++;
    return;
  }
  rep->errors++;
  rep->by_kind[kind]++;
  if (resp != NULL && (resp->status < 200 || resp->status > 299)) {
    char code[VOUCH_LG_CODE_MAX + 1];
    snprintf(code, sizeof code, "%s", resp->code);
    if (code[0] == '\0' && resp->body != NULL)
      (void)vouch_lg_body_error_code(resp->body, resp->body_len, code);
    count_code(rep, resp->status, code);
  }
}

/* ---- connections ---------------------------------------------------------------- */

static void push_idle(lg *l, conn *c) {
  if (c->in_idle) return; /* its stale entry is valid again */
  c->in_idle = true;
  l->idle[l->num_idle++] = c->slot;
}

static conn *pop_idle(lg *l) {
  while (l->num_idle > 0) {
    conn *c = &l->conns[l->idle[--l->num_idle]];
    c->in_idle = false;
    if (c->st == C_IDLE) return c;
  }
  return NULL;
}

static void maybe_finalize(lg *l, conn *c, int64_t now) {
  if (c->st != C_CLOSING || c->ops > 0) return;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->st = C_DOWN;
  c->rlen = c->need = 0;
  l->up--;
  l->down++;
  if (c->failed) {
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 10;
    if (c->backoff_ms > 1000) c->backoff_ms = 1000;
    c->retry_at = now + (int64_t)c->backoff_ms * 1000000;
    if (c->retry_at < l->next_retry) l->next_retry = c->retry_at;
  } else {
    c->retry_at = now;
    if (!c->in_reopen) {
      c->in_reopen = true;
      l->reopen[l->num_reopen++] = c->slot;
    }
  }
}

/* conn_close takes a connection out of use: shut down, closed once the
 * operations in flight have come back.  |failed|: back off before the next
 * connect. */
static void conn_close(lg *l, conn *c, bool failed, int64_t now) {
  if (c->st == C_CLOSING || c->st == C_DOWN) return;
  if (c->st == C_BUSY) l->busy--;
  c->st = C_CLOSING;
  c->failed = failed;
  if (c->ops > 0 && c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
  maybe_finalize(l, c, now);
}

static void arm_recv(lg *l, conn *c) {
  if (c->recv_armed || c->st == C_CLOSING || c->st == C_DOWN || c->st == C_CONNECTING) return;
  if (c->rcap - c->rlen < 4096 && c->rcap < RBUF_MAX) {
    size_t cap = c->rcap * 2 > RBUF_MAX ? RBUF_MAX : c->rcap * 2;
    uint8_t *nb = realloc(c->rbuf, cap);
    if (nb != NULL) {
      c->rbuf = nb;
      c->rcap = cap;
    }
  }
  if (c->rlen == c->rcap) { /* cannot happen: a full buffer is a parse error first */
    conn_close(l, c, false, now_ns());
    return;
  }
  struct io_uring_sqe *q = get_sqe(l);
  if (q == NULL) return;
  io_uring_prep_recv(q, c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
  io_uring_sqe_set_data64(q, ud(OP_RECV, c->slot, c->gen));
  c->recv_armed = true;
  c->ops++;
}

static void arm_send(lg *l, conn *c) {
  struct io_uring_sqe *q = get_sqe(l);
  if (q == NULL) return;
  io_uring_prep_send(q, c->fd, c->req + c->woff, c->req_len - c->woff, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(q, ud(OP_SEND, c->slot, c->gen));
  c->send_armed = true;
  c->ops++;
}

static void conn_open(lg *l, conn *c, int64_t now) {
  c->retry_at = NEVER;
  l->down--;
  l->up++;
  c->gen++;
  c->st = C_CONNECTING;
  c->failed = false;
  c->rlen = c->need = 0;
  l->rep->connects++;
  c->fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    l->last_connect_errno = errno;
    l->rep->connect_failures++;
    c->st = C_CLOSING;
    c->failed = true;
    maybe_finalize(l, c, now);
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct io_uring_sqe *q = get_sqe(l);
  struct io_uring_sqe *t = q ? get_sqe(l) : NULL;
  if (q == NULL || t == NULL) return;
  io_uring_prep_connect(q, c->fd, (struct sockaddr *)&l->addr, l->addr_len);
  io_uring_sqe_set_data64(q, ud(OP_CONNECT, c->slot, c->gen));
  q->flags |= IOSQE_IO_LINK;
  io_uring_prep_link_timeout(t, &l->connect_ts, 0);
  io_uring_sqe_set_data64(t, ud(OP_LTIMEOUT, c->slot, c->gen));
  c->ops += 2;
}

static void dispatch(lg *l, conn *c, uint64_t k, int64_t now) {
  c->st = C_BUSY;
  c->fresh = false;
  c->k = k;
  c->deadline = intended(l, k) + l->timeout_ns;
  size_t idx = (size_t)(k % l->rq->num);
  c->req = l->rq->data.data + l->rq->off[idx];
  c->req_len = l->rq->len[idx];
  c->woff = 0;
  l->busy++;
  l->dispatched++;
  if (c->deadline < l->next_deadline) l->next_deadline = c->deadline;
  if (k >= l->k_warm) vouch_hist_record(&l->rep->send_delay, now - intended(l, k));
  arm_send(l, c);
}

/* finish_response: request c->k got |resp|; the connection goes back to
 * the idle set when it can carry the next request. */
static void finish_response(lg *l, conn *c, const vouch_lg_response *resp, bool eof, int64_t now) {
  int kind;
  int st = resp->status;
  if (st >= 200 && st <= 299) {
    kind = (l->rq->expect_token && !vouch_lg_body_has_token(resp->body, resp->body_len))
               ? VOUCH_LG_ERR_PARSE
               : -1;
  } else if (st == 503 && resp->retry_after) {
    kind = VOUCH_LG_ERR_HTTP_503_RETRY_AFTER;
  } else if (st >= 400 && st <= 499) {
    kind = VOUCH_LG_ERR_HTTP_4XX;
  } else if (st >= 500 && st <= 599) {
    kind = VOUCH_LG_ERR_HTTP_5XX;
  } else {
    kind = VOUCH_LG_ERR_HTTP_OTHER;
  }
  outcome(l, c->k, kind, resp, now);
  bool leftover = resp->total_len < c->rlen;
  if (resp->close || leftover || eof) {
    conn_close(l, c, false, now);
    return;
  }
  c->rlen = c->need = 0;
  l->busy--;
  if (c->send_armed) {
    c->st = C_SENDWAIT; /* idle once the send completion confirms every byte */
    return;
  }
  if (c->woff < c->req_len) { /* answered before we finished sending */
    c->st = C_IDLE;
    conn_close(l, c, false, now);
    return;
  }
  c->st = C_IDLE;
  push_idle(l, c);
}

/* parse_pending parses what a busy connection received. */
static void parse_pending(lg *l, conn *c, bool eof, int64_t now) {
  while (c->st == C_BUSY) {
    if (!eof && c->need > c->rlen) return;
    vouch_lg_response resp;
    vouch_lg_resp_result r = vouch_lg_parse_response(c->rbuf, c->rlen, eof, &l->scratch, &resp);
    switch (r) {
      case VOUCH_LG_RESP_INTERIM:
        memmove(c->rbuf, c->rbuf + resp.total_len, c->rlen - resp.total_len);
        c->rlen -= resp.total_len;
        c->need = 0;
        continue;
      case VOUCH_LG_RESP_DONE:
        finish_response(l, c, &resp, eof, now);
        return;
      case VOUCH_LG_RESP_INCOMPLETE:
        if (eof) {
          outcome(l, c->k, VOUCH_LG_ERR_CLOSED, NULL, now);
          conn_close(l, c, false, now);
        } else if (c->rlen >= RBUF_MAX) {
          outcome(l, c->k, VOUCH_LG_ERR_PARSE, NULL, now);
          conn_close(l, c, false, now);
        } else {
          c->need = resp.need_len > c->rlen ? resp.need_len : 0;
        }
        return;
      case VOUCH_LG_RESP_BAD:
      case VOUCH_LG_RESP_TOO_BIG:
        outcome(l, c->k, VOUCH_LG_ERR_PARSE, NULL, now);
        conn_close(l, c, false, now);
        return;
    }
  }
}

/* ---- completions ---------------------------------------------------------------- */

static void on_connect(lg *l, conn *c, int res, int64_t now) {
  c->ops--;
  if (c->st != C_CONNECTING) {
    maybe_finalize(l, c, now);
    return;
  }
  if (res < 0) {
    l->last_connect_errno = res == -ECANCELED ? ETIMEDOUT : -res;
    l->rep->connect_failures++;
    c->st = C_CLOSING;
    c->failed = true;
    maybe_finalize(l, c, now);
    return;
  }
  c->st = C_IDLE;
  c->fresh = true;
  c->backoff_ms = 0;
  if (l->finishing) {
    conn_close(l, c, false, now);
    return;
  }
  arm_recv(l, c);
  push_idle(l, c);
}

static void on_send(lg *l, conn *c, int res, int64_t now) {
  c->ops--;
  c->send_armed = false;
  if (c->st == C_CLOSING) {
    maybe_finalize(l, c, now);
    return;
  }
  if (res <= 0) {
    if (c->st == C_BUSY) outcome(l, c->k, VOUCH_LG_ERR_CLOSED, NULL, now);
    conn_close(l, c, false, now);
    return;
  }
  c->woff += (size_t)res;
  l->rep->bytes_sent += (uint64_t)res;
  if (c->woff < c->req_len) {
    if (c->st == C_BUSY) {
      arm_send(l, c);
    } else { /* SENDWAIT: answered before it had all of the request */
      conn_close(l, c, false, now);
    }
    return;
  }
  if (c->st == C_SENDWAIT) {
    if (l->finishing) {
      conn_close(l, c, false, now);
      return;
    }
    c->st = C_IDLE;
    push_idle(l, c);
  }
}

static void on_recv(lg *l, conn *c, int res, int64_t now) {
  c->ops--;
  c->recv_armed = false;
  if (c->st == C_CLOSING) {
    maybe_finalize(l, c, now);
    return;
  }
  if (res > 0) {
    c->rlen += (size_t)res;
    l->rep->bytes_received += (uint64_t)res;
    if (c->st == C_BUSY) {
      parse_pending(l, c, false, now);
    } else {
      /* Bytes nobody asked for (a late response, a 408 before a close):
       * this connection's framing can no longer be trusted. */
      l->rep->unsolicited++;
      conn_close(l, c, false, now);
    }
  } else if (res == 0) {
    if (c->st == C_BUSY) {
      parse_pending(l, c, true, now);
    } else {
      l->rep->peer_closes++;
      /* A peer that closes a connection before any request on it (a full
       * accept queue, a connection limit) is treated like a failed
       * connect, so the loadgen does not spin reconnecting. */
      conn_close(l, c, c->fresh, now);
    }
    if (c->st != C_CLOSING && c->st != C_DOWN) conn_close(l, c, false, now);
  } else {
    if (c->st == C_BUSY) outcome(l, c->k, VOUCH_LG_ERR_CLOSED, NULL, now);
    else l->rep->peer_closes++;
    conn_close(l, c, false, now);
  }
  if (c->st != C_CLOSING && c->st != C_DOWN) arm_recv(l, c);
}

static void arm_signal(lg *l) {
  if (l->sig_fd < 0 || l->sig_armed) return;
  struct io_uring_sqe *q = get_sqe(l);
  if (q == NULL) return;
  io_uring_prep_read(q, l->sig_fd, &l->sig_buf, sizeof l->sig_buf, 0);
  io_uring_sqe_set_data64(q, ud(OP_SIGNAL, SIG_SLOT, 0));
  l->sig_armed = true;
}

static void on_signal(lg *l, int res, int64_t now) {
  l->sig_armed = false;
  if (res <= 0) return;
  l->signals++;
  l->rep->interrupted = true;
  /* First signal: no new requests; those already due still get their
   * chance.  Second: give up on them too. */
  if (l->total > l->next_sched) l->total = l->next_sched;
  if (l->signals >= 2) {
    while (l->next_send < l->next_sched) outcome(l, l->next_send++, VOUCH_LG_ERR_TIMEOUT, NULL, now);
    for (unsigned i = 0; i < l->n; i++) {
      conn *c = &l->conns[i];
      if (c->st == C_BUSY) {
        outcome(l, c->k, VOUCH_LG_ERR_TIMEOUT, NULL, now);
        conn_close(l, c, false, now);
      }
    }
  }
  arm_signal(l);
}

static void handle_cqe(lg *l, struct io_uring_cqe *cqe) {
  uint64_t u = io_uring_cqe_get_data64(cqe);
  int op = (int)(u & 0xff);
  uint32_t slot = (uint32_t)((u >> 8) & 0xffffff), gen = (uint32_t)(u >> 32);
  int64_t now = now_ns();
  if (op == OP_SIGNAL) {
    on_signal(l, cqe->res, now);
    return;
  }
  if (slot >= l->n) return;
  conn *c = &l->conns[slot];
  if (c->gen != gen) return; /* cannot happen: a socket is closed only with no op left */
  switch (op) {
    case OP_CONNECT: on_connect(l, c, cqe->res, now); break;
    case OP_LTIMEOUT:
      c->ops--;
      maybe_finalize(l, c, now);
      break;
    case OP_SEND: on_send(l, c, cqe->res, now); break;
    case OP_RECV: on_recv(l, c, cqe->res, now); break;
    default: break;
  }
}

/* wait_and_handle submits what is queued, sleeps until a completion or
 * |until|, and handles every completion there is. */
static void wait_and_handle(lg *l, int64_t until) {
  int64_t now = now_ns();
  struct io_uring_cqe *cqe = NULL;
  if (until <= now) {
    io_uring_submit(&l->ring);
  } else {
    int64_t d = until - now;
    struct __kernel_timespec ts = {.tv_sec = d / NS, .tv_nsec = d % NS};
    int r = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &ts, NULL);
    if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY && !l->fatal) {
      l->fatal = true;
      vouch_fail(&l->fatal_err, VOUCH_E_IO, "io_uring wait: %s", strerror(-r));
    }
  }
  unsigned head, seen = 0;
  io_uring_for_each_cqe(&l->ring, head, cqe) {
    handle_cqe(l, cqe);
    seen++;
  }
  io_uring_cq_advance(&l->ring, seen);
}

/* ---- the schedule --------------------------------------------------------------- */

static void progress(lg *l, int64_t now, bool final) {
  if (!l->cfg->progress) return;
  const vouch_lg_report *r = l->rep;
  double t = (double)(now - l->t0) / 1e9;
  fprintf(stderr,
          "\rvouch loadgen: %6.1fs  sent %llu  ok %llu  errors %llu  in flight %u  queued %llu  "
          "p99 %.2f ms   %s",
          t < 0 ? 0 : t, (unsigned long long)l->dispatched, (unsigned long long)r->ok,
          (unsigned long long)r->errors, l->busy,
          (unsigned long long)(l->next_sched - l->next_send),
          (double)vouch_hist_percentile(&r->latency, 99) / 1e6, final ? "\n" : "");
  fflush(stderr);
}

/* step does the clock's work: new arrivals, expired requests, reconnects,
 * dispatch.  Returns the next instant that needs a turn. */
static int64_t step(lg *l, int64_t now) {
  while (l->next_sched < l->total && intended(l, l->next_sched) <= now) l->next_sched++;
  /* Queued requests past their deadline. */
  while (l->next_send < l->next_sched && intended(l, l->next_send) + l->timeout_ns <= now)
    outcome(l, l->next_send++, VOUCH_LG_ERR_TIMEOUT, NULL, now);
  /* Busy requests past their deadline: their connection is replaced. */
  if (l->busy > 0 && now >= l->next_deadline) {
    int64_t next = NEVER;
    for (unsigned i = 0; i < l->n; i++) {
      conn *c = &l->conns[i];
      if (c->st != C_BUSY) continue;
      if (c->deadline <= now) {
        outcome(l, c->k, VOUCH_LG_ERR_TIMEOUT, NULL, now);
        conn_close(l, c, false, now);
      } else if (c->deadline < next) {
        next = c->deadline;
      }
    }
    l->next_deadline = next;
  }
  if (l->busy == 0) l->next_deadline = NEVER;
  l->finishing = l->next_sched >= l->total && l->next_send >= l->next_sched;
  /* Reconnects: at once after a normal close, after the back-off after a
   * failed connect (those are rare enough for a scan). */
  while (l->num_reopen > 0 && !l->finishing) {
    conn *c = &l->conns[l->reopen[--l->num_reopen]];
    c->in_reopen = false;
    if (c->st == C_DOWN) conn_open(l, c, now);
  }
  if (l->down > 0 && !l->finishing && now >= l->next_retry) {
    l->next_retry = NEVER;
    for (unsigned i = 0; i < l->n; i++) {
      conn *c = &l->conns[i];
      if (c->st != C_DOWN) continue;
      if (c->retry_at <= now) {
        conn_open(l, c, now);
      } else if (c->retry_at < l->next_retry) {
        l->next_retry = c->retry_at;
      }
    }
  }
  /* Nothing can carry the queue: every connection is backing off after a
   * failed connect. */
  if (l->up == 0 && l->next_send < l->next_sched) {
    while (l->next_send < l->next_sched) outcome(l, l->next_send++, VOUCH_LG_ERR_CONNECT, NULL, now);
  }
  /* Dispatch in order of intended instant. */
  while (l->next_send < l->next_sched) {
    conn *c = pop_idle(l);
    if (c == NULL) break;
    dispatch(l, c, l->next_send++, now);
  }
  l->finishing = l->next_sched >= l->total && l->next_send >= l->next_sched;
  if (now >= l->next_progress) {
    progress(l, now, false);
    l->next_progress = now + NS;
  }
  int64_t next = NEVER;
  if (l->next_sched < l->total) next = intended(l, l->next_sched);
  if (l->next_send < l->next_sched) {
    int64_t d = intended(l, l->next_send) + l->timeout_ns;
    if (d < next) next = d;
  }
  if (l->busy > 0 && l->next_deadline < next) next = l->next_deadline;
  if (l->down > 0 && !l->finishing && l->next_retry < next) next = l->next_retry;
  if (l->num_reopen > 0 && !l->finishing) next = now;
  if (l->cfg->progress && l->next_progress < next) next = l->next_progress;
  return next;
}

/* ---- setup and teardown --------------------------------------------------------- */

static vouch_status setup_ring(lg *l, vouch_err *err) {
  unsigned entries = 64;
  while (entries < 2 * l->n + 16 && entries < 32768) entries *= 2;
  struct io_uring_params p = {0};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_SINGLE_ISSUER;
  p.cq_entries = entries * 4;
  int r = io_uring_queue_init_params(entries, &l->ring, &p);
  if (r == -EINVAL) {
    p = (struct io_uring_params){0};
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
    p.cq_entries = entries * 4;
    r = io_uring_queue_init_params(entries, &l->ring, &p);
  }
  if (r < 0)
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "io_uring is not available (%s), and vouch loadgen needs it. To allow it: "
                      "sysctl kernel.io_uring_disabled=0, or permit the io_uring_setup, "
                      "io_uring_enter and io_uring_register syscalls in the container's seccomp "
                      "profile",
                      strerror(-r));
  l->ring_ok = true;
  return VOUCH_OK;
}

static void setup_signals(lg *l) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &set, &l->old_mask) != 0) return;
  l->mask_set = true;
  l->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (l->sig_fd < 0) { /* no way to read them: leave them to their default */
    pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
    l->mask_set = false;
    return;
  }
  arm_signal(l);
}

/* connect_all opens every connection to the current address and waits
 * until each is connected or failed; returns how many are up. */
static unsigned connect_all(lg *l) {
  int64_t now = now_ns();
  l->next_retry = NEVER;
  for (unsigned i = 0; i < l->n; i++) {
    if (l->conns[i].st == C_DOWN) conn_open(l, &l->conns[i], now);
  }
  for (;;) {
    unsigned pending = 0;
    for (unsigned i = 0; i < l->n; i++) {
      cstate s = l->conns[i].st;
      if (s == C_CONNECTING || (s == C_CLOSING && l->conns[i].ops > 0)) pending++;
    }
    if (pending == 0 || l->fatal || l->signals > 0) break;
    wait_and_handle(l, now_ns() + l->timeout_ns + NS);
  }
  unsigned up = 0;
  for (unsigned i = 0; i < l->n; i++) {
    if (l->conns[i].st == C_IDLE) up++;
    l->conns[i].backoff_ms = 0;
  }
  return up;
}

/* close_all shuts every connection down and waits (at most two seconds)
 * for the ring to give their operations back. */
static void close_all(lg *l) {
  int64_t now = now_ns();
  l->finishing = true;
  for (unsigned i = 0; i < l->n; i++) {
    conn *c = &l->conns[i];
    if (c->st == C_BUSY) outcome(l, c->k, VOUCH_LG_ERR_TIMEOUT, NULL, now);
    if (c->st != C_DOWN) conn_close(l, c, false, now);
  }
  int64_t until = now + 2 * NS;
  for (;;) {
    bool pending = false;
    for (unsigned i = 0; i < l->n; i++) {
      if (l->conns[i].ops > 0) pending = true;
    }
    if (!pending || now_ns() >= until || l->fatal) break;
    wait_and_handle(l, until);
  }
  for (unsigned i = 0; i < l->n; i++) {
    if (l->conns[i].fd >= 0) close(l->conns[i].fd);
    l->conns[i].fd = -1;
  }
}

static void raise_fd_limit(unsigned want) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

vouch_status vouch_lg_run(const vouch_lg_config *cfg, vouch_lg_report *rep, vouch_err *err) {
  memset(rep, 0, sizeof(*rep));
  vouch_hist_init(&rep->latency);
  vouch_hist_init(&rep->send_delay);
  if (cfg->requests == NULL || cfg->requests->num == 0)
    return vouch_fail(err, VOUCH_E_ARG, "nothing to send");
  if (!(cfg->rate > 0) || !(cfg->duration_s > 0) || cfg->connections == 0 ||
      cfg->connections > VOUCH_LG_MAX_CONNECTIONS || cfg->timeout_ms == 0)
    return vouch_fail(err, VOUCH_E_ARG, "bad run configuration");
  lg *l = calloc(1, sizeof(*l));
  if (l == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  vouch_status s = VOUCH_OK;
  struct addrinfo *ai = NULL;
  l->cfg = cfg;
  l->rep = rep;
  l->rq = cfg->requests;
  l->n = cfg->connections;
  l->sig_fd = -1;
  l->next_deadline = l->next_retry = NEVER;
  l->timeout_ns = (int64_t)cfg->timeout_ms * 1000000;
  l->connect_ts.tv_sec = cfg->timeout_ms / 1000;
  l->connect_ts.tv_nsec = (long long)(cfg->timeout_ms % 1000) * 1000000;
  l->ns_per_req = 1e9 / cfg->rate;
  double total = ceil((cfg->warmup_s + cfg->duration_s) * cfg->rate - 1e-9);
  double warm = ceil(cfg->warmup_s * cfg->rate - 1e-9);
  if (total > 1e12) {
    free(l);
    return vouch_fail(err, VOUCH_E_LIMIT, "--rate x --duration is over 10^12 requests");
  }
  l->total = total < 1 ? 1 : (uint64_t)total;
  l->k_warm = warm < 0 ? 0 : (uint64_t)warm;
  if (l->k_warm >= l->total) l->k_warm = l->total - 1;
  vouch_buf_init(&l->scratch, VOUCH_LG_MAX_BODY + 1);
  l->conns = calloc(l->n, sizeof(*l->conns));
  l->idle = calloc(l->n, sizeof(*l->idle));
  l->reopen = calloc(l->n, sizeof(*l->reopen));
  if (l->conns == NULL || l->idle == NULL || l->reopen == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  for (unsigned i = 0; i < l->n; i++) {
    conn *c = &l->conns[i];
    c->fd = -1;
    c->slot = i;
    c->rcap = RBUF_INITIAL;
    c->rbuf = malloc(c->rcap);
    if (c->rbuf == NULL) {
      s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
      goto done;
    }
  }
  l->down = l->n;
  raise_fd_limit(l->n + 64);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  VOUCH_GUARD_GOTO(s, setup_ring(l, err), done);
  setup_signals(l);

  /* Resolve; try each address until one takes connections. */
  char port[8];
  snprintf(port, sizeof port, "%u", (unsigned)cfg->url->port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  int gr = getaddrinfo(cfg->url->host, port, &hints, &ai);
  if (gr != 0) {
    s = vouch_fail(err, VOUCH_E_IO, "cannot resolve %s: %s", cfg->url->host, gai_strerror(gr));
    goto done;
  }
  unsigned up = 0;
  for (struct addrinfo *a = ai; a != NULL && up == 0; a = a->ai_next) {
    if (a->ai_addrlen > sizeof l->addr) continue;
    memcpy(&l->addr, a->ai_addr, a->ai_addrlen);
    l->addr_len = a->ai_addrlen;
    up = connect_all(l);
    if (l->fatal || l->signals > 0) break;
  }
  if (l->fatal) {
    s = vouch_fail(err, l->fatal_err.code, "%s", l->fatal_err.msg);
    goto done;
  }
  if (up == 0) {
    s = vouch_fail(err, VOUCH_E_IO, "cannot connect to %s port %u: %s", cfg->url->host,
                   (unsigned)cfg->url->port,
                   l->signals > 0 ? "interrupted" : strerror(l->last_connect_errno));
    goto done;
  }

  /* The schedule. */
  l->t0 = now_ns();
  l->started = l->t0;
  l->next_progress = l->t0 + NS;
  l->last_outcome = intended(l, l->k_warm);
  for (;;) {
    int64_t next = step(l, now_ns());
    if (l->finishing && l->busy == 0) break;
    if (l->fatal) break;
    wait_and_handle(l, next);
  }
  int64_t end = now_ns();
  close_all(l);
  if (l->fatal) {
    s = vouch_fail(err, l->fatal_err.code, "%s", l->fatal_err.msg);
    goto done;
  }
  if (cfg->progress) progress(l, end, true);
  /* Every request of the window has exactly one outcome. */
  uint64_t want = l->total > l->k_warm ? l->total - l->k_warm : 0;
  if (rep->requests != want || rep->ok + rep->errors != rep->requests) {
    s = vouch_fail(err, VOUCH_E_INTERNAL,
                   "accounting: %llu requests scheduled, %llu outcomes (%llu ok, %llu errors)",
                   (unsigned long long)want, (unsigned long long)rep->requests,
                   (unsigned long long)rep->ok, (unsigned long long)rep->errors);
    goto done;
  }
  int64_t start = intended(l, l->k_warm);
  rep->elapsed_s = l->last_outcome > start ? (double)(l->last_outcome - start) / 1e9 : 0;
  if (rep->elapsed_s <= 0) rep->elapsed_s = cfg->duration_s;
  rep->rps = (double)rep->responses / rep->elapsed_s;
done:
  if (ai) freeaddrinfo(ai);
  if (l->ring_ok) io_uring_queue_exit(&l->ring);
  if (l->sig_fd >= 0) close(l->sig_fd);
  if (l->mask_set) {
    /* A signal that came after the ring stopped reading is not lost. */
    sigset_t pend;
    if (sigpending(&pend) == 0 && (sigismember(&pend, SIGINT) || sigismember(&pend, SIGTERM)))
      rep->interrupted = true;
    int sig;
    struct timespec zero = {0, 0};
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    while ((sig = sigtimedwait(&set, NULL, &zero)) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
  }
  if (l->conns) {
    for (unsigned i = 0; i < l->n; i++) {
      if (l->conns[i].fd >= 0) close(l->conns[i].fd);
      free(l->conns[i].rbuf);
    }
  }
  free(l->conns);
  free(l->idle);
  free(l->reopen);
  vouch_buf_free(&l->scratch);
  free(l);
  return s;
}
