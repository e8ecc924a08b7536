/* A program embedding the vouch engine through the installed <vouch.h>
 * (built against an install by tests/integration/install_test.sh): submits
 * envelopes read from stdin, prints each result, returns the number of
 * results that are not JSON objects with a status. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <vouch.h>

static int g_bad, g_count;

static void on_result(void *user, const char *json, size_t len, int verdict) {
  (void)user;
  (void)verdict;
  g_count++;
  if (len == 0 || json[0] != '{' || strstr(json, "\"status\":") == NULL) g_bad++;
  printf("%.*s\n", (int)len, json);
}

int main(void) {
  vouch_engine_config cfg = {.at = (int64_t)time(NULL), .jobs = 2};
  struct vouch_engine *e = vouch_engine_new(&cfg, NULL);
  if (e == NULL) return 100;
  char line[1 << 16];
  int lines = 0;
  while (fgets(line, sizeof(line), stdin) != NULL) {
    size_t n = strcspn(line, "\n");
    if (vouch_engine_submit(e, line, n, on_result, NULL) != VOUCH_OK) return 101;
    lines++;
  }
  vouch_engine_drain(e);
  vouch_engine_free(e);
  if (g_count != lines) return 102;
  return g_bad;
}
