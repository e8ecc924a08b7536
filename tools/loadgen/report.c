/* tools/loadgen/report.c - the summary of a vouch loadgen run: a few lines
 * of text, or one JSON object (--json) whose members are documented in
 * `vouch loadgen --help`. */
#include <stdio.h>

#include "tools/loadgen/loadgen.h"

static void num(vouch_json *j, const char *key, double v, int decimals) {
  char b[64];
  int n = snprintf(b, sizeof b, "%.*f", decimals, v);
  vouch_json_key(j, key);
  vouch_json_raw(j, b, (size_t)n);
}

static double ms(int64_t ns) { return (double)ns / 1e6; }

void vouch_lg_report_json(const vouch_lg_config *cfg, const vouch_lg_report *rep, vouch_buf *out) {
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "requests");
  vouch_json_uint(&j, rep->requests);
  vouch_json_key(&j, "ok");
  vouch_json_uint(&j, rep->ok);
  vouch_json_key(&j, "errors");
  vouch_json_uint(&j, rep->errors);
  vouch_json_key(&j, "errors_by_kind");
  vouch_json_begin_object(&j);
  for (int k = 0; k < VOUCH_LG_ERR_COUNT; k++) {
    vouch_json_key(&j, vouch_lg_err_kind_name((vouch_lg_err_kind)k));
    vouch_json_uint(&j, rep->by_kind[k]);
  }
  vouch_json_end_object(&j);
  vouch_json_key(&j, "errors_by_code");
  vouch_json_begin_object(&j);
  for (size_t i = 0; i < rep->num_codes; i++) {
    char key[VOUCH_LG_CODE_MAX + 16];
    const vouch_lg_code_count *c = &rep->codes[i];
    if (c->code[0]) snprintf(key, sizeof key, "%d %s", c->status, c->code);
    else snprintf(key, sizeof key, "%d", c->status);
    vouch_json_key(&j, key);
    vouch_json_uint(&j, c->count);
  }
  if (rep->codes_other) {
    vouch_json_key(&j, "other");
    vouch_json_uint(&j, rep->codes_other);
  }
  vouch_json_end_object(&j);
  num(&j, "rps", rep->rps, 1);
  vouch_json_key(&j, "latency_ms");
  vouch_json_begin_object(&j);
  num(&j, "p50", ms(vouch_hist_percentile(&rep->latency, 50)), 3);
  num(&j, "p90", ms(vouch_hist_percentile(&rep->latency, 90)), 3);
  num(&j, "p99", ms(vouch_hist_percentile(&rep->latency, 99)), 3);
  num(&j, "p999", ms(vouch_hist_percentile(&rep->latency, 99.9)), 3);
  num(&j, "max", ms(rep->latency.max_ns), 3);
  num(&j, "min", ms(rep->latency.min_ns), 3);
  num(&j, "mean", vouch_hist_mean(&rep->latency) / 1e6, 3);
  vouch_json_end_object(&j);
  vouch_json_key(&j, "send_delay_ms");
  vouch_json_begin_object(&j);
  num(&j, "p50", ms(vouch_hist_percentile(&rep->send_delay, 50)), 3);
  num(&j, "p99", ms(vouch_hist_percentile(&rep->send_delay, 99)), 3);
  num(&j, "max", ms(rep->send_delay.max_ns), 3);
  vouch_json_end_object(&j);
  vouch_json_key(&j, "responses");
  vouch_json_uint(&j, rep->responses);
  num(&j, "target_rate", cfg->rate, 3);
  num(&j, "duration_s", cfg->duration_s, 3);
  num(&j, "warmup_s", cfg->warmup_s, 3);
  num(&j, "elapsed_s", rep->elapsed_s, 3);
  vouch_json_key(&j, "connections");
  vouch_json_uint(&j, cfg->connections);
  vouch_json_key(&j, "timeout_ms");
  vouch_json_uint(&j, cfg->timeout_ms);
  vouch_json_key(&j, "connects");
  vouch_json_uint(&j, rep->connects);
  vouch_json_key(&j, "connect_failures");
  vouch_json_uint(&j, rep->connect_failures);
  vouch_json_key(&j, "peer_closes");
  vouch_json_uint(&j, rep->peer_closes);
  vouch_json_key(&j, "unsolicited");
  vouch_json_uint(&j, rep->unsolicited);
  vouch_json_key(&j, "bytes_sent");
  vouch_json_uint(&j, rep->bytes_sent);
  vouch_json_key(&j, "bytes_received");
  vouch_json_uint(&j, rep->bytes_received);
  vouch_json_key(&j, "interrupted");
  vouch_json_bool(&j, rep->interrupted);
  vouch_json_key(&j, "mode");
  vouch_json_string(&j, cfg->mode ? cfg->mode : "attest");
  vouch_json_key(&j, "target");
  vouch_json_string(&j, cfg->target ? cfg->target : "");
  vouch_json_end_object(&j);
}

void vouch_lg_report_text(const vouch_lg_config *cfg, const vouch_lg_report *rep, vouch_buf *out) {
  vouch_buf_printf(out,
                   "vouch loadgen: %s (%s): %.1f requests/s for %.1f s (warm-up %.1f s), %u "
                   "connections%s\n",
                   cfg->target ? cfg->target : "", cfg->mode ? cfg->mode : "attest", cfg->rate,
                   cfg->duration_s, cfg->warmup_s, cfg->connections,
                   rep->interrupted ? ", interrupted" : "");
  vouch_buf_printf(out, "  requests %llu: ok %llu, errors %llu; %.1f responses/s over %.3f s\n",
                   (unsigned long long)rep->requests, (unsigned long long)rep->ok,
                   (unsigned long long)rep->errors, rep->rps, rep->elapsed_s);
  if (rep->errors > 0) {
    vouch_buf_puts(out, "  errors:");
    const char *sep = " ";
    for (int k = 0; k < VOUCH_LG_ERR_COUNT; k++) {
      if (rep->by_kind[k] == 0) continue;
      vouch_buf_printf(out, "%s%s %llu", sep, vouch_lg_err_kind_name((vouch_lg_err_kind)k),
                       (unsigned long long)rep->by_kind[k]);
      sep = ", ";
    }
    vouch_buf_putc(out, '\n');
    for (size_t i = 0; i < rep->num_codes; i++) {
      const vouch_lg_code_count *c = &rep->codes[i];
      vouch_buf_printf(out, "    HTTP %d%s%s: %llu\n", c->status, c->code[0] ? " " : "", c->code,
                       (unsigned long long)c->count);
    }
    if (rep->codes_other)
      vouch_buf_printf(out, "    other statuses and codes: %llu\n",
                       (unsigned long long)rep->codes_other);
  }
  const vouch_hist *h = &rep->latency;
  vouch_buf_printf(out,
                   "  latency (ms, from the intended send instant): p50 %.3f  p90 %.3f  p99 %.3f  "
                   "p99.9 %.3f  max %.3f  (mean %.3f, %llu responses)\n",
                   ms(vouch_hist_percentile(h, 50)), ms(vouch_hist_percentile(h, 90)),
                   ms(vouch_hist_percentile(h, 99)), ms(vouch_hist_percentile(h, 99.9)),
                   ms(h->max_ns), vouch_hist_mean(h) / 1e6, (unsigned long long)h->total);
  const vouch_hist *d = &rep->send_delay;
  vouch_buf_printf(out, "  send delay (ms, waiting for a connection or the loop): p50 %.3f  p99 %.3f  max %.3f\n",
                   ms(vouch_hist_percentile(d, 50)), ms(vouch_hist_percentile(d, 99)),
                   ms(d->max_ns));
  vouch_buf_printf(out,
                   "  connections: %llu opened, %llu failed to connect, %llu closed by the peer "
                   "while idle; %.1f MB sent, %.1f MB received\n",
                   (unsigned long long)(rep->connects - rep->connect_failures),
                   (unsigned long long)rep->connect_failures, (unsigned long long)rep->peer_closes,
                   (double)rep->bytes_sent / 1e6, (double)rep->bytes_received / 1e6);
}
