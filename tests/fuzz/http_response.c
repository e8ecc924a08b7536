/* Fuzz target: vouch loadgen's HTTP/1.1 response parser (tools/loadgen/
 * http.c), which reads whatever a load-test target sends back, and the
 * body helpers behind the error counts.  The bytes are fed the way the
 * loop feeds them: in pieces (the first input byte picks the piece size,
 * 0 = all at once; its top bit says the peer closed after the last byte),
 * 1xx responses dropped, responses taken off the front one after another.
 * Checked: lengths stay inside the input, a body stays inside the input or
 * the decode buffer and within the limit, a DONE response parses the same
 * from exactly its own bytes, and the same bytes always give the same
 * answer. */
#include <stdlib.h>
#include <string.h>

#include "tools/loadgen/loadgen.h"

static vouch_buf g_scratch, g_scratch2;

static void touch(const uint8_t *p, size_t n) {
  volatile uint8_t sum = 0;
  for (size_t i = 0; i < n; i++) sum ^= p[i];
  (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t piece = (size_t)(data[0] & 0x7f) * 7;
  bool eof = (data[0] & 0x80) != 0;
  data++;
  size--;
  if (piece == 0) piece = size ? size : 1;
  size_t off = 0, have = piece < size ? piece : size;
  for (int guard = 0; guard < 100000; guard++) {
    bool at_end = have == size;
    const uint8_t *p = data + off;
    size_t n = have - off;
    vouch_lg_response r, r2;
    vouch_lg_resp_result res = vouch_lg_parse_response(p, n, eof && at_end, &g_scratch, &r);
    vouch_lg_resp_result res2 = vouch_lg_parse_response(p, n, eof && at_end, &g_scratch2, &r2);
    if (res != res2) abort();
    if (res == VOUCH_LG_RESP_INTERIM) {
      if (r.total_len == 0 || r.total_len > n || r.status >= 200) abort();
      off += r.total_len;
      continue;
    }
    if (res == VOUCH_LG_RESP_DONE) {
      if (r.total_len > n || r.head_len > r.total_len || r.body_len > VOUCH_LG_MAX_BODY) abort();
      if (r.status < 200 || r.status > 999) abort();
      if (r.total_len != r2.total_len || r.body_len != r2.body_len || r.close != r2.close) abort();
      bool in_input = r.body >= p && r.body + r.body_len <= p + n;
      bool in_scratch = r.chunked && r.body_len > 0 && r.body == (const uint8_t *)g_scratch.data &&
                        r.body_len == g_scratch.len;
      if (!in_input && !in_scratch) abort();
      if (r.body_len > 0 && memcmp(r.body, r2.body, r.body_len) != 0) abort();
      touch(r.body, r.body_len);
      char code[VOUCH_LG_CODE_MAX + 1];
      if (vouch_lg_body_error_code(r.body, r.body_len, code) && strlen(code) > VOUCH_LG_CODE_MAX)
        abort();
      (void)vouch_lg_body_has_token(r.body, r.body_len);
      if (strlen(r.code) > VOUCH_LG_CODE_MAX) abort();
      if (!r.until_close) {
        /* Framing is self-delimiting: its own bytes alone give the same. */
        uint8_t *copy = malloc(r.total_len ? r.total_len : 1);
        memcpy(copy, p, r.total_len);
        vouch_lg_resp_result again =
            vouch_lg_parse_response(copy, r.total_len, false, &g_scratch2, &r2);
        if (again != VOUCH_LG_RESP_DONE || r2.total_len != r.total_len ||
            r2.body_len != r.body_len)
          abort();
        free(copy);
      }
      if (r.close || r.total_len == 0) break;
      off += r.total_len;
      if (off > have) abort();
      continue;
    }
    if (res != VOUCH_LG_RESP_INCOMPLETE) break; /* BAD, TOO_BIG: the connection goes */
    if (at_end) break;
    have = have + piece < size ? have + piece : size;
  }
  return 0;
}
