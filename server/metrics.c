/* server/metrics.c - what the server counts (/metrics, Prometheus text
 * format 0.0.4) and the access log (one JSON object per response). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/internal.h"

/* Latency buckets, seconds: from a cached token-less error (~10 µs) to a
 * request that waited behind a full engine. */
const double kLatencyBounds[LAT_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                            0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};

static const char *const kRouteLabels[R_COUNT] = {
    [R_NONE] = "(none)",
    [R_HEALTHZ] = "/healthz",
    [R_METRICS] = "/metrics",
    [R_CERTS] = "/certs",
    [R_OPENID] = "/.well-known/openid-configuration",
    [R_ATTEST_SGX] = "/attest/SgxEnclave",
    [R_ATTEST_OE] = "/attest/OpenEnclave",
    [R_ATTEST_TDX] = "/attest/TdxVm",
    [R_ATTEST_OTHER] = "/attest/{other}",
    [R_POLICY_GET] = "GET /policies/{type}",
    [R_POLICY_PUT] = "PUT /policies/{type}",
    [R_POLICY_RESET] = "/policies/{type}:reset",
    [R_CERTIFICATES_GET] = "/certificates",
    [R_CERTIFICATES_ADD] = "/certificates:add",
    [R_CERTIFICATES_REMOVE] = "/certificates:remove",
    [R_NOT_FOUND] = "(unknown)",
};

void metrics_record(server *s, const req *r, int64_t now_ns) {
  metrics *m = &s->m;
  route_id rt = r->route < R_COUNT ? r->route : R_NONE;
  for (int i = 0; i < MAX_STATUSES; i++) {
    if (m->by_status[rt][i].status == r->status || m->by_status[rt][i].status == 0) {
      m->by_status[rt][i].status = r->status;
      m->by_status[rt][i].n++;
      break;
    }
  }
  double secs = (double)(now_ns - r->start_ns) / 1e9;
  int b = 0;
  while (b < LAT_BUCKETS && secs > kLatencyBounds[b]) b++;
  m->lat_bucket[rt][b]++;
  m->lat_count[rt]++;
  m->lat_sum_s[rt] += secs;
}

static void counter(vouch_buf *b, const char *name, const char *help, const char *type,
                    uint64_t v) {
  vouch_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
                   (unsigned long long)v);
}

void metrics_write(server *s, vouch_buf *b) {
  metrics *m = &s->m;
  vouch_buf_puts(b,
                 "# HELP vouch_http_requests_total HTTP requests answered, by route and status.\n"
                 "# TYPE vouch_http_requests_total counter\n");
  for (int rt = 0; rt < R_COUNT; rt++) {
    for (int i = 0; i < MAX_STATUSES && m->by_status[rt][i].status != 0; i++) {
      vouch_buf_printf(b, "vouch_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                       kRouteLabels[rt], m->by_status[rt][i].status,
                       (unsigned long long)m->by_status[rt][i].n);
    }
  }
  vouch_buf_puts(b,
                 "# HELP vouch_http_request_duration_seconds Time from the first byte of a "
                 "request to its response being queued for sending.\n"
                 "# TYPE vouch_http_request_duration_seconds histogram\n");
  for (int rt = 0; rt < R_COUNT; rt++) {
    if (m->lat_count[rt] == 0) continue;
    uint64_t cum = 0;
    for (int k = 0; k <= LAT_BUCKETS; k++) {
      cum += m->lat_bucket[rt][k];
      if (k < LAT_BUCKETS)
        vouch_buf_printf(
            b, "vouch_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
            kRouteLabels[rt], kLatencyBounds[k], (unsigned long long)cum);
      else
        vouch_buf_printf(
            b, "vouch_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            kRouteLabels[rt], (unsigned long long)cum);
    }
    vouch_buf_printf(b, "vouch_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                     kRouteLabels[rt], m->lat_sum_s[rt]);
    vouch_buf_printf(b, "vouch_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                     kRouteLabels[rt], (unsigned long long)m->lat_count[rt]);
  }
  counter(b, "vouch_http_in_flight",
          "Attestation requests handed to the engine and not answered yet.", "gauge", s->in_flight);
  counter(b, "vouch_http_open_connections", "Open client connections.", "gauge", s->open_conns);
  counter(b, "vouch_http_connections_total", "Connections accepted.", "counter", m->conns_total);
  counter(b, "vouch_http_connections_rejected_total",
          "Connections over --max-connections (answered 503 or closed).", "counter",
          m->conns_rejected);
  counter(b, "vouch_http_timeouts_total", "Requests answered 408 (header or body timeout).",
          "counter", m->timeouts);
  vouch_buf_puts(b,
                 "# HELP vouch_attest_verdicts_total Verification verdicts of attest requests.\n"
                 "# TYPE vouch_attest_verdicts_total counter\n");
  static const char *const kVerdicts[4] = {"affirming", "warning", "contraindicated", "error"};
  for (int v = 0; v < 4; v++)
    vouch_buf_printf(b, "vouch_attest_verdicts_total{verdict=\"%s\"} %llu\n", kVerdicts[v],
                     (unsigned long long)m->verdicts[v]);
  /* The engines' counters: those of retired generations plus the live ones. */
  vouch_engine_stats st = m->retired;
  size_t queue = 0;
  for (int g = 0; g < MAX_GENS; g++) {
    egen *e = s->gen[g];
    if (e == NULL) continue;
    vouch_engine_stats cur = {0};
    vouch_engine_stats_get(e->engine, &cur);
    st.sig_requested += cur.sig_requested;
    st.sig_checked += cur.sig_checked;
    st.sig_cache_hits += cur.sig_cache_hits;
    st.sig_batch_dups += cur.sig_batch_dups;
    st.cache_hits += cur.cache_hits;
    st.cache_misses += cur.cache_misses;
    st.cache_evictions += cur.cache_evictions;
    st.cache_rebuilt += cur.cache_rebuilt;
    st.cache_collisions += cur.cache_collisions;
    if (!e->retiring) {
      st.cache_entries = cur.cache_entries;
      st.cache_bytes = cur.cache_bytes;
      st.cache_budget = cur.cache_budget;
    }
    queue += vouch_engine_pending(e->engine);
  }
  counter(b, "vouch_engine_queue_depth", "Items submitted to the engine whose result is not out.",
          "gauge", queue);
  vouch_buf_puts(b,
                 "# HELP vouch_engine_signature_checks_total Signature checks: needed by items, "
                 "computed, answered by the verified-signature cache, shared within a batch.\n"
                 "# TYPE vouch_engine_signature_checks_total counter\n");
  vouch_buf_printf(b, "vouch_engine_signature_checks_total{kind=\"requested\"} %llu\n",
                   (unsigned long long)st.sig_requested);
  vouch_buf_printf(b, "vouch_engine_signature_checks_total{kind=\"computed\"} %llu\n",
                   (unsigned long long)st.sig_checked);
  vouch_buf_printf(b, "vouch_engine_signature_checks_total{kind=\"cached\"} %llu\n",
                   (unsigned long long)st.sig_cache_hits);
  vouch_buf_printf(b, "vouch_engine_signature_checks_total{kind=\"shared\"} %llu\n",
                   (unsigned long long)st.sig_batch_dups);
  counter(b, "vouch_engine_cache_hits_total", "Collateral cache hits.", "counter", st.cache_hits);
  counter(b, "vouch_engine_cache_misses_total", "Collateral cache misses.", "counter",
          st.cache_misses);
  counter(b, "vouch_engine_cache_evictions_total", "Collateral cache evictions.", "counter",
          st.cache_evictions);
  counter(b, "vouch_engine_cache_rebuilt_total",
          "Cache entries built again after being evicted (an estimate): a budget too small.",
          "counter", st.cache_rebuilt);
  counter(b, "vouch_engine_cache_collisions_total",
          "Cache keys whose hash matched different bytes (never served).", "counter",
          st.cache_collisions);
  counter(b, "vouch_engine_cache_entries", "Collateral cache entries.", "gauge", st.cache_entries);
  counter(b, "vouch_engine_cache_bytes", "Collateral cache size, estimated.", "gauge",
          st.cache_bytes);
  counter(b, "vouch_engine_cache_budget_bytes",
          "The cache's bound (--cache-mb); raise it when vouch_engine_cache_rebuilt_total grows.",
          "gauge", st.cache_budget);
}

void access_log(server *s, const req *r, int64_t now_ns) {
  if (s->log_fd < 0) return;
  char t[VOUCH_TIME_STR_LEN];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  vouch_time_format((int64_t)ts.tv_sec, t);
  t[19] = '\0'; /* drop the Z: milliseconds go in front of it */
  vouch_buf_printf(&s->log_buf, "{\"time\":\"%s.%03ldZ\"", t, ts.tv_nsec / 1000000);
  vouch_buf_puts(&s->log_buf, ",\"remote\":");
  vouch_buf_json_string(&s->log_buf, r->c->peer, strlen(r->c->peer));
  const char *m = r->method >= 0 ? http_method_str((enum http_method)r->method) : "-";
  vouch_buf_puts(&s->log_buf, ",\"method\":");
  vouch_buf_json_string(&s->log_buf, m, strlen(m));
  vouch_buf_puts(&s->log_buf, ",\"path\":");
  /* The target as sent, cut at 512 bytes (a log line stays a line). */
  size_t n = r->url.len < 512 ? r->url.len : 512;
  vouch_buf_json_string(&s->log_buf, r->url.data ? r->url.data : "", n);
  vouch_buf_printf(&s->log_buf,
                   ",\"status\":%d,\"bytes\":%zu,\"latency_us\":%lld,\"request_id\":\"%s\"}\n",
                   r->status, r->resp.len, (long long)((now_ns - r->start_ns) / 1000), r->id);
  if (s->log_buf.len > (64u << 10)) access_log_flush(s);
}

void access_log_flush(server *s) {
  if (s->log_fd < 0 || s->log_buf.len == 0) return;
  const char *p = s->log_buf.data;
  size_t left = s->log_buf.len;
  while (left > 0) {
    ssize_t w = write(s->log_fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break; /* a full disk loses log lines, never requests */
    p += w;
    left -= (size_t)w;
  }
  vouch_buf_reset(&s->log_buf);
}
