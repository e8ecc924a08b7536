/* base/log.c - leveled logging to stderr. */
#include <stdatomic.h>
#include <stdio.h>

#include "base/base.h"

static atomic_int g_level = VOUCH_LOG_WARN;

void vouch_log_set_level(vouch_log_level level) { atomic_store(&g_level, (int)level); }

void vouch_log(vouch_log_level level, const char *fmt, ...) {
  if ((int)level > atomic_load(&g_level)) return;
  static const char *const kTags[] = {"error", "warning", "info", "debug"};
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "vouch: %s: %s\n", kTags[level], line);
}
