/* tools/loadgen/hist.c - a log-linear latency histogram in the manner of
 * HdrHistogram (Gil Tene's), written from the idea, not the code.
 *
 * Geometry: values 0..255 ns each have their own bucket.  From 256 ns up,
 * the values with the same most significant bit e (the range [2^e,
 * 2^(e+1))) share 128 buckets of width 2^(e-7): the top 8 bits of a value
 * pick its bucket.  A bucket is therefore never wider than 1/128 of the
 * smallest value in it, which bounds the relative error of any reported
 * value to 0.8%, from 1 us to 100 s (larger values are counted at 100 s),
 * with 3899 counters. */
#include <math.h>
#include <string.h>

#include "tools/loadgen/loadgen.h"

enum { kHalf = 1 << VOUCH_HIST_SUB_BITS, kLinear = 2 * kHalf };

void vouch_hist_init(vouch_hist *h) { memset(h, 0, sizeof(*h)); }

size_t vouch_hist_index(int64_t ns) {
  if (ns < 0) ns = 0;
  if (ns > VOUCH_HIST_MAX_NS) ns = VOUCH_HIST_MAX_NS;
  uint64_t v = (uint64_t)ns;
  if (v < kLinear) return (size_t)v;
  int msb = 63 - __builtin_clzll(v);
  int shift = msb - VOUCH_HIST_SUB_BITS;
  return (size_t)kLinear + (size_t)(shift - 1) * kHalf + (size_t)((v >> shift) - kHalf);
}

int64_t vouch_hist_bucket_low(size_t idx) {
  if (idx < kLinear) return (int64_t)idx;
  size_t j = idx - kLinear;
  int shift = (int)(j / kHalf) + 1;
  uint64_t m = j % kHalf + kHalf;
  return (int64_t)(m << shift);
}

int64_t vouch_hist_bucket_high(size_t idx) {
  if (idx < kLinear) return (int64_t)idx;
  size_t j = idx - kLinear;
  int shift = (int)(j / kHalf) + 1;
  uint64_t m = j % kHalf + kHalf;
  return (int64_t)(((m + 1) << shift) - 1);
}

void vouch_hist_record(vouch_hist *h, int64_t ns) {
  if (ns < 0) ns = 0;
  h->counts[vouch_hist_index(ns)]++;
  if (h->total == 0 || ns < h->min_ns) h->min_ns = ns;
  if (ns > h->max_ns) h->max_ns = ns;
  h->total++;
  h->sum_ns += (double)ns;
}

void vouch_hist_merge(vouch_hist *h, const vouch_hist *from) {
  if (from->total == 0) return;
  for (size_t i = 0; i < VOUCH_HIST_BUCKETS; i++) h->counts[i] += from->counts[i];
  if (h->total == 0 || from->min_ns < h->min_ns) h->min_ns = from->min_ns;
  if (from->max_ns > h->max_ns) h->max_ns = from->max_ns;
  h->total += from->total;
  h->sum_ns += from->sum_ns;
}

int64_t vouch_hist_percentile(const vouch_hist *h, double p) {
  if (h->total == 0) return 0;
  if (p < 0) p = 0;
  if (p > 100) p = 100;
  double want = ceil(p / 100.0 * (double)h->total);
  uint64_t rank = want < 1 ? 1 : (uint64_t)want;
  if (rank > h->total) rank = h->total;
  uint64_t seen = 0;
  for (size_t i = 0; i < VOUCH_HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      if (seen == h->total) return h->max_ns; /* the top bucket: its true maximum */
      int64_t v = vouch_hist_bucket_high(i);
      if (v > h->max_ns) v = h->max_ns;
      if (v < h->min_ns) v = h->min_ns;
      return v;
    }
  }
  return h->max_ns;
}

double vouch_hist_mean(const vouch_hist *h) {
  return h->total ? h->sum_ns / (double)h->total : 0.0;
}
