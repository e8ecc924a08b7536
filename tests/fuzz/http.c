/* Fuzz target: the server's request layer without sockets: http-parser,
 * the header/body limits, routing, attest request bodies (the span scanner,
 * base64, the Open Enclave header, draft policies) and envelope building, and
 * the admin routes' refusals (no admin configured), through
 * one simulated connection of an offline server (vouch_server_feed).  The
 * first input byte picks the size of the pieces the bytes arrive in (0: all
 * at once), since request boundaries inside a receive are where parsers
 * break.  What comes out must be a sequence of HTTP/1.1 responses, each
 * with a request id. */
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

static struct vouch_server *g_srv;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  vouch_server_config cfg = {0};
  vouch_server_limits_default(&cfg.limits);
  /* Small limits, so inputs reach them. */
  cfg.limits.max_header_bytes = 2048;
  cfg.limits.max_headers = 16;
  cfg.limits.max_body_bytes = 16384;
  cfg.limits.max_pipeline = 4;
  cfg.limits.max_requests_per_conn = 8;
  vouch_err err = {0};
  if (vouch_server_new_offline(&cfg, &g_srv, &err) != VOUCH_OK) abort();
  return 0;
}

static const char *find(const char *s, size_t n, const char *what) {
  size_t w = strlen(what);
  for (size_t i = 0; i + w <= n; i++)
    if (memcmp(s + i, what, w) == 0) return s + i;
  return NULL;
}

/* check walks the responses: status line, headers, a body of the stated
 * length (or none: HEAD). */
static void check(const char *p, size_t n) {
  while (n > 0) {
    if (n < 12 || memcmp(p, "HTTP/1.1 ", 9) != 0) abort();
    const char *end = find(p, n, "\r\n\r\n");
    if (end == NULL) abort();
    size_t head = (size_t)(end - p) + 4;
    bool interim = memcmp(p + 9, "100 ", 4) == 0;
    if (!interim && find(p, head, "\r\nx-ms-request-id: ") == NULL) abort();
    const char *cl = find(p, head, "\r\nContent-Length: ");
    size_t body = cl ? strtoul(cl + 18, NULL, 10) : 0;
    if (!interim && cl == NULL) abort();
    p += head;
    n -= head;
    if (body <= n && (body == n || (n - body >= 9 && memcmp(p + body, "HTTP/1.1 ", 9) == 0))) {
      p += body;
      n -= body;
    } else if (!(n >= 9 && memcmp(p, "HTTP/1.1 ", 9) == 0) && n != 0) {
      abort(); /* neither a body nor a HEAD response's absence of one */
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = (size_t)data[0] * 16;
  vouch_buf out;
  vouch_buf_init(&out, 0);
  vouch_server_feed(g_srv, data + 1, size - 1, chunk, &out);
  check(out.data ? out.data : "", out.len);
  vouch_buf_free(&out);
  return 0;
}
