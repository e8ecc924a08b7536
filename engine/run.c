/* engine/run.c - the bulk verification run: NDJSON envelopes in, one result
 * line per input line out, in input order.
 *
 * Invariant: every non-blank input line yields exactly one output line,
 * errors included (counts in == counts out).  Lines over the limit are
 * skipped to their newline without being buffered and reported as errors. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "engine/engine.h"

enum { kChunk = 1 << 20 };

/* Inline collateral repeats across items (one platform, many quotes): keep
 * the last parsed bundle and reuse it when the bytes are identical. */
typedef struct {
  char *text;
  size_t len;
  vouch_dcap_collateral coll;
  bool valid;
} inline_cache;

static void inline_cache_clear(inline_cache *c) {
  free(c->text);
  if (c->valid) vouch_dcap_collateral_cleanup(&c->coll);
  memset(c, 0, sizeof(*c));
}

static const vouch_dcap_collateral *inline_cache_get(inline_cache *c, const char *text,
                                                     size_t len, vouch_err *err) {
  if (c->valid && c->len == len && memcmp(c->text, text, len) == 0) return &c->coll;
  inline_cache_clear(c);
  if (vouch_dcap_collateral_from_json(text, len, &c->coll, err) != VOUCH_OK) return NULL;
  c->text = malloc(len);
  if (c->text == NULL) {
    vouch_dcap_collateral_cleanup(&c->coll);
    vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    return NULL;
  }
  memcpy(c->text, text, len);
  c->len = len;
  c->valid = true;
  return &c->coll;
}

static _Thread_local inline_cache g_inline;

void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env,
                      vouch_result *out) {
  int64_t at = env->has_at ? env->at : cfg->at;
  vouch_err err = {0};
  if (env->type != VOUCH_EV_SGX) {
    vouch_result_init(out, at);
    vouch_fail(&err, VOUCH_E_UNSUPPORTED, "%s: evidence type not supported yet",
               vouch_evidence_type_name(env->type));
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  const vouch_dcap_collateral *coll = cfg->collateral;
  if (env->collateral != NULL) {
    coll = inline_cache_get(&g_inline, env->collateral, env->collateral_len, &err);
    if (coll == NULL) {
      vouch_result_init(out, at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
  }
  vouch_sgx_opts opts = {.dcap = {.at = at, .allow_expired = cfg->allow_expired,
                                  .anchors = cfg->anchors}};
  if (env->has_runtime_data) {
    opts.has_runtime_data = true;
    opts.runtime_data = env->runtime_data;
    opts.runtime_data_len = env->runtime_data_len;
  }
  vouch_sgx_verify(env->evidence, env->evidence_len, coll, cfg->source, &opts, out);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
  const vouch_run_config *cfg;
  FILE *out;
  vouch_run_stats *stats;
  vouch_envelope env;
  vouch_result *result; /* large: heap */
  vouch_buf line_out;
  uint64_t line_no;
  double started, last_progress;
  long long in_size; /* -1 when unknown (pipe) */
  bool write_failed;
} run_state;

static void emit(run_state *st, const vouch_result *r, const char *id, size_t id_len) {
  vouch_buf_reset(&st->line_out);
  vouch_json j;
  vouch_json_init(&j, &st->line_out);
  vouch_result_write_json(r, id, id_len, &j);
  vouch_buf_putc(&st->line_out, '\n');
  if (vouch_buf_status(&st->line_out) != VOUCH_OK) {
    /* Cannot happen with sane limits; still never drop the line. */
    fprintf(st->out, "{\"id\":null,\"status\":\"error\",\"error\":{\"code\":\"E_INTERNAL\","
                     "\"message\":\"result too large to serialize\"}}\n");
  } else if (fwrite(st->line_out.data, 1, st->line_out.len, st->out) != st->line_out.len) {
    st->write_failed = true;
  }
  st->stats->items++;
  st->stats->by_verdict[r->verdict]++;
}

static void emit_line_error(run_state *st, const char *id, size_t id_len, const vouch_err *e) {
  vouch_result_init(st->result, st->cfg->at);
  vouch_result_fail(st->result, VOUCH_VERDICT_ERROR, e);
  emit(st, st->result, id, id_len);
}

static void progress(run_state *st, bool final) {
  if (!st->cfg->progress) return;
  double t = now_seconds();
  if (!final && t - st->last_progress < 0.2) return;
  st->last_progress = t;
  double el = t - st->started;
  const vouch_run_stats *s = st->stats;
  double rate = el > 0 ? (double)s->items / el : 0;
  char bar[32] = "";
  if (st->in_size > 0) {
    double frac = (double)s->bytes_in / (double)st->in_size;
    if (frac > 1) frac = 1;
    int filled = (int)(frac * 20);
    bar[0] = '[';
    for (int i = 0; i < 20; i++) bar[1 + i] = i < filled ? '#' : '.';
    snprintf(bar + 21, sizeof(bar) - 21, "] %3d%% ", (int)(frac * 100));
  }
  fprintf(stderr, "\r%s%llu items  %.0f/s  affirming %llu  warning %llu  contraindicated %llu  "
                  "error %llu%s",
          bar, (unsigned long long)s->items, rate, (unsigned long long)s->by_verdict[0],
          (unsigned long long)s->by_verdict[1], (unsigned long long)s->by_verdict[2],
          (unsigned long long)s->by_verdict[3], final ? "\n" : "");
  fflush(stderr);
}

static void process_line(run_state *st, const char *line, size_t len) {
  /* Trim a CR and surrounding blanks; blank lines are not items. */
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
  size_t start = 0;
  while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
  if (start == len) return;
  vouch_err e = {0};
  if (vouch_envelope_parse(line + start, len - start, &st->env, &e) != VOUCH_OK) {
    vouch_err_prefix(&e, "line %llu: ", (unsigned long long)st->line_no);
    emit_line_error(st, st->env.has_id ? st->env.id : NULL, st->env.id_len, &e);
    return;
  }
  vouch_verify_one(st->cfg, &st->env, st->result);
  emit(st, st->result, st->env.has_id ? st->env.id : NULL, st->env.id_len);
}

vouch_status vouch_run_verify(const vouch_run_config *cfg, FILE *in, const char *in_name,
                              FILE *out, vouch_run_stats *stats, vouch_err *err) {
  vouch_status s = VOUCH_OK;
  size_t max_line = cfg->max_line ? cfg->max_line : VOUCH_LIMIT_LINE;
  run_state st = {.cfg = cfg, .out = out, .stats = stats, .in_size = -1};
  vouch_envelope_init(&st.env);
  vouch_buf_init(&st.line_out, 0);
  st.result = malloc(sizeof(*st.result));
  size_t cap = max_line + kChunk;
  char *buf = malloc(cap);
  if (st.result == NULL || buf == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  long pos = ftell(in);
  if (pos >= 0 && fseek(in, 0, SEEK_END) == 0) {
    st.in_size = ftell(in);
    fseek(in, pos, SEEK_SET);
  }
  st.started = now_seconds();
  size_t have = 0;      /* bytes buffered */
  bool skipping = false; /* inside an over-long line */
  bool eof = false;
  while (!eof) {
    size_t n = fread(buf + have, 1, cap - have, in);
    if (n == 0) {
      if (ferror(in)) {
        s = vouch_fail(err, VOUCH_E_IO, "error reading %s", in_name);
        goto done;
      }
      eof = true;
    }
    have += n;
    stats->bytes_in += n;
    size_t begin = 0;
    for (;;) {
      char *nl = memchr(buf + begin, '\n', have - begin);
      if (nl == NULL) break;
      size_t end = (size_t)(nl - buf);
      if (skipping) {
        skipping = false; /* the over-long line was already reported */
      } else {
        st.line_no++;
        if (end - begin > max_line) {
          vouch_err e = {0};
          vouch_fail(&e, VOUCH_E_LIMIT, "line %llu: longer than the limit of %zu bytes",
                     (unsigned long long)st.line_no, max_line);
          emit_line_error(&st, NULL, 0, &e);
        } else {
          process_line(&st, buf + begin, end - begin);
        }
      }
      begin = end + 1;
      progress(&st, false);
    }
    /* Keep the partial line; if it alone exceeds the limit, drop it now
     * and remember to skip the rest of it. */
    memmove(buf, buf + begin, have - begin);
    have -= begin;
    if (!skipping && have > max_line) {
      st.line_no++;
      vouch_err e = {0};
      vouch_fail(&e, VOUCH_E_LIMIT, "line %llu: longer than the limit of %zu bytes",
                 (unsigned long long)st.line_no, max_line);
      emit_line_error(&st, NULL, 0, &e);
      skipping = true;
      have = 0;
    } else if (skipping) {
      have = 0;
    }
    if (eof && have > 0 && !skipping) {
      st.line_no++;
      process_line(&st, buf, have); /* last line without a newline */
      have = 0;
    }
  }
  progress(&st, true);
  if (fflush(out) != 0 || st.write_failed) s = vouch_fail(err, VOUCH_E_IO, "error writing results");
done:
  stats->seconds = now_seconds() - st.started;
  free(buf);
  free(st.result);
  vouch_buf_free(&st.line_out);
  vouch_envelope_cleanup(&st.env);
  inline_cache_clear(&g_inline);
  return s;
}
