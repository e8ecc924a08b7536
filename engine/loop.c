/* engine/loop.c - the I/O loop of vouch_engine_run: one thread reads the
 * inputs in large chunks, splits NDJSON lines into batches for the workers,
 * and writes their result lines; it never does crypto.
 *
 * Reads and writes go through io_uring (one ring owned by this thread; the
 * read buffer is registered, reads use READ_FIXED; a read on a pipe carries
 * a linked timeout so a partial batch is dispatched when input pauses).
 * Where the kernel or a seccomp profile refuses io_uring, the loop says so
 * once and uses plain read(2)/write(2) with poll(2) for the same timeout.
 *
 * Accounting: every non-blank line of this shard, after the resume point,
 * becomes exactly one item of exactly one batch, and every batch comes back
 * with exactly one result line per item.  --ordered writes batches in
 * sequence through a reorder window of max_in_flight slots; otherwise they
 * are written as they complete. */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/internal.h"

enum { kChunk = 1 << 20 };

typedef struct {
  struct vouch_engine *e;
  const vouch_engine_config *cfg;
  int out_fd;
  bool uring;
  struct io_uring ring;
  char *buf; /* carry-over + chunk; registered with the ring */
  size_t cap, have;
  bool skipping; /* inside an over-long line */
  uint64_t line_no;
  uint64_t resume_skip;
  vouch_batch *filling;
  uint64_t next_seq, next_write;
  size_t in_flight;
  vouch_batch **reorder;
  vouch_engine_stats *stats;
  int64_t total_size; /* -1 unknown */
  double started, last_progress;
  vouch_err *err;
  bool io_failed;
} loop;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- I/O primitives ------------------------------------------------------------ */

/* uring_wait submits what is queued and waits for |n| completions; the
 * first completion's result goes to *res0 (the I/O), errors of the rest
 * (a linked timeout) are ignored. */
static int uring_wait(loop *l, unsigned n, int *res0) {
  int r = io_uring_submit_and_wait(&l->ring, n);
  if (r < 0) return r;
  bool have0 = false;
  for (unsigned i = 0; i < n; i++) {
    struct io_uring_cqe *cqe;
    r = io_uring_wait_cqe(&l->ring, &cqe);
    if (r < 0) return r;
    if (cqe->user_data == 1 && !have0) {
      *res0 = cqe->res;
      have0 = true;
    }
    io_uring_cqe_seen(&l->ring, cqe);
  }
  return have0 ? 0 : -EIO;
}

/* do_read reads up to |len| bytes at |dst| (inside l->buf).  With
 * |timeout_ms| > 0, returns -ETIME when nothing came in time. */
static ssize_t do_read(loop *l, int fd, int64_t off, char *dst, size_t len, int timeout_ms) {
  if (l->uring) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
    io_uring_prep_read_fixed(sqe, fd, dst, (unsigned)len, (uint64_t)off, 0);
    sqe->user_data = 1;
    unsigned n = 1;
    struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
                                   .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
    if (timeout_ms > 0) {
      sqe->flags |= IOSQE_IO_LINK;
      struct io_uring_sqe *t = io_uring_get_sqe(&l->ring);
      io_uring_prep_link_timeout(t, &ts, 0);
      t->user_data = 2;
      n = 2;
    }
    int res = 0;
    int r = uring_wait(l, n, &res);
    if (r < 0) return r;
    if (res == -ECANCELED || res == -EINTR) return -ETIME;
    return res;
  }
  if (timeout_ms > 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r == 0) return -ETIME;
  }
  ssize_t r;
  do {
    r = off >= 0 ? pread(fd, dst, len, off) : read(fd, dst, len);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

static bool do_write(loop *l, const char *p, size_t len) {
  while (len > 0) {
    ssize_t r;
    if (l->uring) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
      io_uring_prep_write(sqe, l->out_fd, p, (unsigned)(len > (1u << 30) ? 1u << 30 : len),
                          (uint64_t)-1);
      sqe->user_data = 1;
      int res = 0;
      int w = uring_wait(l, 1, &res);
      r = w < 0 ? w : res;
    } else {
      r = write(l->out_fd, p, len);
    }
    if (r == -EINTR || (r < 0 && errno == EINTR && !l->uring)) continue;
    if (r <= 0) {
      int e = r < 0 ? (l->uring ? (int)-r : errno) : EIO;
      vouch_fail(l->err, VOUCH_E_IO, "cannot write results: %s", strerror(e));
      l->io_failed = true;
      return false;
    }
    p += r;
    len -= (size_t)r;
  }
  return true;
}

/* ---- progress ----------------------------------------------------------------- */

static void progress(loop *l, bool final) {
  if (!l->cfg->progress) return;
  double t = now_s();
  if (!final && t - l->last_progress < 0.2) return;
  l->last_progress = t;
  const vouch_engine_stats *s = l->stats;
  double el = t - l->started;
  double rate = el > 0 ? (double)s->items / el : 0;
  char bar[64] = "";
  if (l->total_size > 0) {
    double frac = (double)s->bytes_in / (double)l->total_size;
    if (frac > 1) frac = 1;
    int filled = (int)(frac * 24);
    char cells[25];
    for (int i = 0; i < 24; i++) cells[i] = i < filled ? '#' : '.';
    cells[24] = '\0';
    double eta = frac > 0.01 ? el * (1 - frac) / frac : 0;
    snprintf(bar, sizeof(bar), "[%s] %3d%% ETA %.0fs ", cells, (int)(frac * 100), eta);
  }
  fprintf(stderr,
          "\r%s%llu items  %.0f/s  affirming %llu  warning %llu  contraindicated %llu  error %llu%s",
          bar, (unsigned long long)s->items, rate, (unsigned long long)s->by_verdict[0],
          (unsigned long long)s->by_verdict[1], (unsigned long long)s->by_verdict[2],
          (unsigned long long)s->by_verdict[3], final ? "\n" : "  ");
  fflush(stderr);
}

/* ---- batches in and out --------------------------------------------------------- */

/* write_batch: a batch counts as in flight until it is written, so the
 * reorder window (max_in_flight slots) can never be overrun. */
static void write_batch(loop *l, vouch_batch *b) {
  l->in_flight--;
  if (!l->io_failed) do_write(l, b->out.data ? b->out.data : "", b->out.len);
  for (int k = 0; k < 4; k++) l->stats->by_verdict[k] += b->by_verdict[k];
  for (int k = 0; k < 4; k++) l->stats->by_policy[k] += b->by_policy[k];
  l->stats->items += b->num_lines;
  engine_batch_put(l->e, b);
}

static void collected(loop *l, vouch_batch *b) {
  if (!l->cfg->ordered) {
    write_batch(l, b);
  } else {
    size_t slots = l->e->max_in_flight;
    l->reorder[b->seq % slots] = b;
    for (;;) {
      vouch_batch *n = l->reorder[l->next_write % slots];
      if (n == NULL || n->seq != l->next_write) break;
      l->reorder[l->next_write % slots] = NULL;
      l->next_write++;
      write_batch(l, n);
    }
  }
  progress(l, false);
}

static void collect_ready(loop *l) {
  vouch_batch *b;
  while ((b = batch_queue_try_pop(&l->e->done)) != NULL) collected(l, b);
}

static void collect_one(loop *l) { collected(l, batch_queue_pop(&l->e->done)); }

static bool dispatch(loop *l) {
  if (l->filling == NULL || l->filling->num_lines == 0) return true;
  while (l->in_flight >= l->e->max_in_flight) collect_one(l);
  l->filling->seq = l->next_seq++;
  l->in_flight++;
  batch_queue_push(&l->e->work, l->filling);
  l->filling = NULL;
  return true;
}

/* in_my_shard: items go to shard hash(id) mod N; a line without a readable
 * id to (line number mod N). */
static bool in_my_shard(loop *l, const char *line, size_t len) {
  unsigned n = l->cfg->shard_count;
  if (n <= 1) return true;
  uint64_t h = l->line_no;
  vouch_json_member m;
  bool found = false;
  if (vouch_json_find(line, len, "id", &m, &found, NULL) == VOUCH_OK && found) {
    char id[VOUCH_ENVELOPE_ID_MAX];
    size_t id_len;
    if (m.type == VOUCH_JSON_T_STRING &&
        vouch_json_unescape(m.value, m.value_len, id, sizeof(id), &id_len) == VOUCH_OK) {
      h = XXH3_64bits(id, id_len);
    } else if (m.type == VOUCH_JSON_T_NUMBER) {
      h = XXH3_64bits(m.value, m.value_len);
    }
  }
  return h % n == l->cfg->shard_index;
}

static bool add_line(loop *l, const char *line, size_t len, bool overlong) {
  /* Blank lines are not items. */
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
  size_t start = 0;
  while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
  if (start == len && !overlong) return true;
  l->stats->lines_in++;
  if (!overlong && !in_my_shard(l, line + start, len - start)) {
    l->stats->skipped_shard++;
    return true;
  }
  if (overlong && l->cfg->shard_count > 1 && l->line_no % l->cfg->shard_count != l->cfg->shard_index) {
    l->stats->skipped_shard++;
    return true;
  }
  if (l->resume_skip > 0) {
    l->resume_skip--;
    return true;
  }
  if (l->filling == NULL && (l->filling = engine_batch_get(l->e)) == NULL) {
    vouch_fail(l->err, VOUCH_E_NOMEM, "out of memory");
    return false;
  }
  if (engine_batch_add(l->filling, line + start, len - start, l->line_no, overlong) != VOUCH_OK) {
    vouch_fail(l->err, VOUCH_E_NOMEM, "out of memory");
    return false;
  }
  if (l->filling->num_lines >= engine_batch_size(l->e)) return dispatch(l);
  return true;
}

/* split consumes complete lines from the buffer; keeps the partial tail.
 * A partial line longer than the limit is reported now and its rest
 * skipped up to its newline. */
static bool split(loop *l, bool eof) {
  size_t begin = 0, max = l->cfg->max_line;
  for (;;) {
    char *nl = memchr(l->buf + begin, '\n', l->have - begin);
    if (nl == NULL) break;
    size_t end = (size_t)(nl - l->buf);
    if (l->skipping) {
      l->skipping = false;
    } else {
      l->line_no++;
      if (!add_line(l, l->buf + begin, end - begin, end - begin > max)) return false;
    }
    begin = end + 1;
  }
  memmove(l->buf, l->buf + begin, l->have - begin);
  l->have -= begin;
  if (l->skipping) {
    l->have = 0;
  } else if (l->have > max) {
    l->line_no++;
    if (!add_line(l, l->buf, l->have, true)) return false;
    l->skipping = true;
    l->have = 0;
  }
  if (eof) {
    if (l->have > 0 && !l->skipping) {
      l->line_no++;
      if (!add_line(l, l->buf, l->have, false)) return false;
    }
    l->have = 0;
    l->skipping = false;
  }
  return true;
}

/* read_input streams one input through split(). */
static bool read_input(loop *l, const vouch_engine_input *in) {
  bool regular = in->size >= 0;
  int64_t off = regular ? 0 : -1;
  for (;;) {
    collect_ready(l);
    if (l->io_failed) return false;
    if (l->in_flight >= l->e->max_in_flight) {
      collect_one(l);
      continue;
    }
    /* On a pipe, never block for input while a partial batch waits to be
     * dispatched or results wait to be written. */
    bool waiting = (l->filling != NULL && l->filling->num_lines > 0) || l->in_flight > 0;
    int timeout = !regular && waiting ? (int)l->cfg->flush_ms : 0;
    size_t room = l->cap - l->have;
    ssize_t n = do_read(l, in->fd, off, l->buf + l->have, room, timeout);
    if (n == -ETIME) {
      dispatch(l); /* input paused: do not hold a partial batch back */
      continue;
    }
    if (n < 0) {
      vouch_fail(l->err, VOUCH_E_IO, "error reading %s: %s", in->name, strerror((int)-n));
      return false;
    }
    if (n == 0) return split(l, true);
    l->have += (size_t)n;
    l->stats->bytes_in += (uint64_t)n;
    if (regular) off += n;
    if (!split(l, false)) return false;
  }
}

static bool setup_uring(loop *l) {
  if (l->cfg->no_io_uring) return false;
  static atomic_bool warned;
  int r = io_uring_queue_init(8, &l->ring, 0);
  if (r == 0) {
    struct iovec iov = {.iov_base = l->buf, .iov_len = l->cap};
    r = io_uring_register_buffers(&l->ring, &iov, 1);
    if (r == 0) return true;
    io_uring_queue_exit(&l->ring);
  }
  if (!atomic_exchange(&warned, true)) {
    fprintf(stderr,
            "vouch: io_uring is not available (%s); using plain reads and writes. To allow it: "
            "sysctl kernel.io_uring_disabled=0, or permit the io_uring_* syscalls in the "
            "container's seccomp profile.\n",
            strerror(-r));
  }
  return false;
}

vouch_status vouch_engine_run(struct vouch_engine *e, const vouch_engine_input *inputs,
                              size_t num_inputs, int out_fd, uint64_t resume_skip,
                              vouch_engine_stats *stats, vouch_err *err) {
  memset(stats, 0, sizeof(*stats));
  if (e->cfg.inline_work) {
    return vouch_fail(err, VOUCH_E_ARG, "engine: a bulk run needs worker threads (inline_work "
                                        "is for event loops that submit items)");
  }
  loop l = {.e = e, .cfg = &e->cfg, .out_fd = out_fd, .resume_skip = resume_skip,
            .stats = stats, .err = err};
  l.cap = e->cfg.max_line + kChunk;
  l.buf = aligned_alloc(4096, (l.cap + 4095) / 4096 * 4096);
  l.reorder = calloc(e->max_in_flight, sizeof(*l.reorder));
  if (l.buf == NULL || l.reorder == NULL) {
    free(l.buf);
    free(l.reorder);
    return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  }
  l.uring = setup_uring(&l);
  stats->used_io_uring = l.uring;
  l.total_size = 0;
  for (size_t i = 0; i < num_inputs; i++) {
    if (inputs[i].size < 0) l.total_size = -1;
    if (l.total_size >= 0) l.total_size += inputs[i].size;
  }
  l.started = now_s();
  bool ok = true;
  for (size_t i = 0; ok && i < num_inputs; i++) ok = read_input(&l, &inputs[i]);
  if (ok) dispatch(&l);
  while (l.in_flight > 0) collect_one(&l); /* every batch out comes back in */
  if (l.filling) engine_batch_put(e, l.filling);
  progress(&l, true);
  stats->seconds = now_s() - l.started;
  vouch_engine_stats_get(e, stats);
  if (l.uring) io_uring_queue_exit(&l.ring);
  free(l.buf);
  free(l.reorder);
  if (!ok || l.io_failed) return err && err->code != VOUCH_OK ? err->code : VOUCH_E_IO;
  return VOUCH_OK;
}
