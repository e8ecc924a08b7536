/* tools/loadgen/http.c - the target URL and the HTTP/1.1 response parser of
 * vouch loadgen.  Pure functions over byte ranges: no sockets, no ring, so
 * the response parser can be fuzzed alone (tests/fuzz/http_response.c).
 *
 * What comes back from a target is untrusted: a test target may be broken
 * or hostile.  The parser is stateless (it re-reads the response from its
 * first byte each time more bytes arrive; need_len spares the caller most
 * re-reads), indexes only inside [0, len), and checks every size against
 * the VOUCH_LG_MAX_* limits before it counts on it: head bytes, header
 * lines, Content-Length, chunk sizes (hex digits bounded before they are
 * summed), number of chunks, decoded body.  Framing follows RFC 9112:
 * Transfer-Encoding chunked wins over Content-Length (and the connection
 * is then not reused), differing Content-Length values are an error, 1xx
 * responses are interim, 204 and 304 have no body, and a response with
 * neither length runs to the close of the connection. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "tools/loadgen/loadgen.h"

/* ---- URL ------------------------------------------------------------------------ */

static bool host_char(char c) {
  return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

vouch_status vouch_lg_url_parse(const char *url, vouch_lg_url *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  if (url == NULL || url[0] == '\0') return vouch_fail(err, VOUCH_E_ARG, "--target is empty");
  if (strncasecmp(url, "https://", 8) == 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "https is out of scope: vouch loadgen speaks plain HTTP/1.1 only; target "
                      "the server's plain port (vouch serve listens on http), or a "
                      "TLS-terminating proxy's plain side");
  }
  if (strncasecmp(url, "http://", 7) != 0) {
    return vouch_fail(err, VOUCH_E_ARG, "the target must be http://host[:port][/path], not '%s'",
                      url);
  }
  const char *a = url + 7;
  size_t alen = strcspn(a, "/?#");
  if (alen == 0) return vouch_fail(err, VOUCH_E_ARG, "the target URL has no host");
  if (memchr(a, '@', alen) != NULL)
    return vouch_fail(err, VOUCH_E_ARG, "the target URL must not carry user information");
  if (alen >= sizeof(out->host_header))
    return vouch_fail(err, VOUCH_E_LIMIT, "the target host is too long");
  memcpy(out->host_header, a, alen);
  const char *port = NULL;
  size_t port_len = 0, hlen;
  if (a[0] == '[') {
    const char *close = memchr(a, ']', alen);
    if (close == NULL) return vouch_fail(err, VOUCH_E_ARG, "unterminated [IPv6] in the target");
    size_t i = (size_t)(close - a);
    hlen = i - 1;
    if (hlen == 0) return vouch_fail(err, VOUCH_E_ARG, "empty [IPv6] in the target");
    for (size_t k = 1; k < i; k++) {
      char c = a[k];
      if (!(isxdigit((unsigned char)c) || c == ':' || c == '.' || c == '%' ||
            isalnum((unsigned char)c)))
        return vouch_fail(err, VOUCH_E_ARG, "bad character in the [IPv6] address of the target");
    }
    memcpy(out->host, a + 1, hlen);
    if (i + 1 < alen) {
      if (a[i + 1] != ':') return vouch_fail(err, VOUCH_E_ARG, "junk after ] in the target");
      port = a + i + 2;
      port_len = alen - i - 2;
    }
  } else {
    const char *colon = memchr(a, ':', alen);
    hlen = colon ? (size_t)(colon - a) : alen;
    if (colon) {
      port = colon + 1;
      port_len = alen - hlen - 1;
    }
    if (hlen == 0) return vouch_fail(err, VOUCH_E_ARG, "the target URL has no host");
    for (size_t k = 0; k < hlen; k++) {
      if (!host_char(a[k]))
        return vouch_fail(err, VOUCH_E_ARG, "bad character in the target host");
    }
    memcpy(out->host, a, hlen);
  }
  out->port = 80;
  if (port != NULL) {
    if (port_len == 0 || port_len > 5)
      return vouch_fail(err, VOUCH_E_ARG, "the target port must be 1..65535");
    unsigned v = 0;
    for (size_t k = 0; k < port_len; k++) {
      if (!isdigit((unsigned char)port[k]))
        return vouch_fail(err, VOUCH_E_ARG, "the target port must be 1..65535");
      v = v * 10 + (unsigned)(port[k] - '0');
    }
    if (v == 0 || v > 65535) return vouch_fail(err, VOUCH_E_ARG, "the target port must be 1..65535");
    out->port = (uint16_t)v;
  }
  const char *p = a + alen;
  if (*p == '?' || *p == '#' || strpbrk(p, "?#") != NULL)
    return vouch_fail(err, VOUCH_E_ARG, "the target URL must not have a query or a fragment");
  size_t plen = strlen(p);
  while (plen > 0 && p[plen - 1] == '/') plen--;
  if (plen >= sizeof(out->path)) return vouch_fail(err, VOUCH_E_LIMIT, "the target path is too long");
  for (size_t k = 0; k < plen; k++) {
    unsigned char c = (unsigned char)p[k];
    if (c <= 0x20 || c >= 0x7f)
      return vouch_fail(err, VOUCH_E_ARG, "the target path has a space or a control character");
  }
  memcpy(out->path, p, plen);
  return VOUCH_OK;
}

/* ---- response ------------------------------------------------------------------- */

/* find_eol returns the index of the '\n' ending the line that starts at
 * |from|, or |len| when there is none yet. */
static size_t find_eol(const uint8_t *b, size_t from, size_t len) {
  const uint8_t *nl = memchr(b + from, '\n', len - from);
  return nl ? (size_t)(nl - b) : len;
}

/* line_end: the end of a line's content (before "\r\n" or "\n"). */
static size_t line_end(const uint8_t *b, size_t from, size_t eol) {
  return (eol > from && b[eol - 1] == '\r') ? eol - 1 : eol;
}

static bool is_tchar(uint8_t c) {
  return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* field_is: a header name (case-insensitive). */
static bool field_is(const uint8_t *name, size_t n, const char *want) {
  return n == strlen(want) && strncasecmp((const char *)name, want, n) == 0;
}

/* has_token finds |tok| in a comma-separated list (case-insensitive). */
static bool has_token(const uint8_t *v, size_t n, const char *tok) {
  size_t tl = strlen(tok), i = 0;
  while (i < n) {
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    size_t s = i;
    while (i < n && v[i] != ',') i++;
    size_t e = i;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
    if (e - s == tl && strncasecmp((const char *)v + s, tok, tl) == 0) return true;
  }
  return false;
}

/* last_token_is: the last element of a comma-separated list is |tok|. */
static bool last_token_is(const uint8_t *v, size_t n, const char *tok) {
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  size_t s = n;
  while (s > 0 && v[s - 1] != ',') s--;
  while (s < n && (v[s] == ' ' || v[s] == '\t')) s++;
  size_t tl = strlen(tok);
  return n - s == tl && strncasecmp((const char *)v + s, tok, tl) == 0;
}

static void sanitize_code(const uint8_t *v, size_t n, char out[VOUCH_LG_CODE_MAX + 1]) {
  size_t k = 0;
  for (size_t i = 0; i < n && k < VOUCH_LG_CODE_MAX; i++) {
    uint8_t c = v[i];
    if (isalnum(c) || c == '.' || c == '_' || c == '-') out[k++] = (char)c;
  }
  out[k] = '\0';
}

/* parse_head reads the status line and headers.  Returns DONE with
 * out->head_len set, INCOMPLETE, BAD or TOO_BIG.  *out_cl is the
 * Content-Length (-1 when none). */
static vouch_lg_resp_result parse_head(const uint8_t *b, size_t len, vouch_lg_response *out,
                                       int64_t *out_cl, bool *out_te) {
  size_t lim = len < VOUCH_LG_MAX_HEAD ? len : VOUCH_LG_MAX_HEAD;
  /* Status line: HTTP/1.x SP 3DIGIT [SP reason] */
  size_t eol = find_eol(b, 0, lim);
  if (eol == lim) {
    /* Reject early what can never become a status line. */
    static const char kProto[] = "HTTP/1.";
    size_t n = lim < 7 ? lim : 7;
    if (memcmp(b, kProto, n) != 0) return VOUCH_LG_RESP_BAD;
    return len >= VOUCH_LG_MAX_HEAD ? VOUCH_LG_RESP_TOO_BIG : VOUCH_LG_RESP_INCOMPLETE;
  }
  size_t le = line_end(b, 0, eol);
  if (le < 12 || memcmp(b, "HTTP/1.", 7) != 0 || !isdigit(b[7]) || b[8] != ' ')
    return VOUCH_LG_RESP_BAD;
  if (!isdigit(b[9]) || !isdigit(b[10]) || !isdigit(b[11]) || (le > 12 && b[12] != ' '))
    return VOUCH_LG_RESP_BAD;
  out->minor = b[7] - '0';
  out->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
  if (out->status < 100) return VOUCH_LG_RESP_BAD;
  for (size_t i = 12; i < le; i++) {
    if (b[i] < 0x20 && b[i] != '\t') return VOUCH_LG_RESP_BAD;
  }
  bool keep_alive = false, conn_close = false;
  int64_t cl = -1;
  bool te = false, te_chunked = false;
  size_t pos = eol + 1;
  unsigned lines = 0;
  for (;;) {
    eol = find_eol(b, pos, lim);
    if (eol == lim) return len >= VOUCH_LG_MAX_HEAD ? VOUCH_LG_RESP_TOO_BIG : VOUCH_LG_RESP_INCOMPLETE;
    le = line_end(b, pos, eol);
    if (le == pos) { /* the blank line */
      pos = eol + 1;
      break;
    }
    if (++lines > VOUCH_LG_MAX_HEADERS) return VOUCH_LG_RESP_TOO_BIG;
    if (b[pos] == ' ' || b[pos] == '\t') return VOUCH_LG_RESP_BAD; /* obsolete folding */
    size_t c = pos;
    while (c < le && is_tchar(b[c])) c++;
    if (c == pos || c == le || b[c] != ':') return VOUCH_LG_RESP_BAD;
    const uint8_t *name = b + pos;
    size_t name_len = c - pos;
    size_t vs = c + 1, ve = le;
    while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) vs++;
    while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) ve--;
    for (size_t i = vs; i < ve; i++) {
      if ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7f) return VOUCH_LG_RESP_BAD;
    }
    const uint8_t *v = b + vs;
    size_t vn = ve - vs;
    if (field_is(name, name_len, "content-length")) {
      if (vn == 0 || vn > 12) return vn > 12 ? VOUCH_LG_RESP_TOO_BIG : VOUCH_LG_RESP_BAD;
      int64_t x = 0;
      for (size_t i = 0; i < vn; i++) {
        if (!isdigit(v[i])) return VOUCH_LG_RESP_BAD;
        x = x * 10 + (v[i] - '0');
      }
      if (cl >= 0 && cl != x) return VOUCH_LG_RESP_BAD;
      cl = x;
    } else if (field_is(name, name_len, "transfer-encoding")) {
      te = true;
      te_chunked = last_token_is(v, vn, "chunked");
    } else if (field_is(name, name_len, "connection")) {
      if (has_token(v, vn, "close")) conn_close = true;
      if (has_token(v, vn, "keep-alive")) keep_alive = true;
    } else if (field_is(name, name_len, "retry-after")) {
      out->retry_after = true;
    } else if (field_is(name, name_len, "x-ms-error-code")) {
      sanitize_code(v, vn, out->code);
    }
    pos = eol + 1;
  }
  out->head_len = pos;
  out->close = conn_close || (out->minor == 0 && !keep_alive);
  if (te) {
    /* Transfer-Encoding wins over Content-Length; a coding other than
     * chunked last means the body runs to the close. */
    out->chunked = te_chunked;
    out->until_close = !te_chunked;
    if (cl >= 0 || !te_chunked) out->close = true;
    cl = -1;
  } else if (cl >= 0 && cl > VOUCH_LG_MAX_BODY) {
    return VOUCH_LG_RESP_TOO_BIG;
  }
  *out_cl = cl;
  *out_te = te;
  return VOUCH_LG_RESP_DONE;
}

/* parse_chunked decodes the chunked body starting at |pos| into |scratch|. */
static vouch_lg_resp_result parse_chunked(const uint8_t *b, size_t len, size_t pos,
                                          vouch_buf *scratch, vouch_lg_response *out) {
  vouch_buf_reset(scratch);
  size_t body = 0;
  unsigned chunks = 0;
  for (;;) {
    if (++chunks > VOUCH_LG_MAX_CHUNKS + 1) return VOUCH_LG_RESP_TOO_BIG;
    /* chunk-size [; ext] CRLF, the line bounded like a header line */
    size_t lim = len - pos < VOUCH_LG_MAX_HEAD ? len : pos + VOUCH_LG_MAX_HEAD;
    size_t eol = find_eol(b, pos, lim);
    if (eol == lim) return lim < len ? VOUCH_LG_RESP_TOO_BIG : VOUCH_LG_RESP_INCOMPLETE;
    size_t le = line_end(b, pos, eol);
    size_t i = pos, digits = 0;
    uint64_t size = 0;
    while (i < le && isxdigit(b[i])) {
      if (++digits > 8) return VOUCH_LG_RESP_TOO_BIG;
      uint8_t c = b[i];
      size = size * 16 + (uint64_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
      i++;
    }
    if (digits == 0) return VOUCH_LG_RESP_BAD;
    while (i < le && (b[i] == ' ' || b[i] == '\t')) i++;
    if (i < le && b[i] != ';') return VOUCH_LG_RESP_BAD;
    pos = eol + 1;
    if (size == 0) break;
    if (size > (uint64_t)(VOUCH_LG_MAX_BODY - body)) return VOUCH_LG_RESP_TOO_BIG;
    if (len - pos < size) {
      out->need_len = pos + (size_t)size + 2;
      return VOUCH_LG_RESP_INCOMPLETE;
    }
    vouch_buf_append(scratch, b + pos, (size_t)size);
    body += (size_t)size;
    pos += (size_t)size;
    /* CRLF (or LF) after the data */
    if (pos < len && b[pos] == '\r') pos++;
    if (pos >= len) return VOUCH_LG_RESP_INCOMPLETE;
    if (b[pos] != '\n') return VOUCH_LG_RESP_BAD;
    pos++;
  }
  /* Trailer fields, then the blank line; bounded like the head. */
  size_t start = pos;
  for (;;) {
    size_t lim = len - start < VOUCH_LG_MAX_HEAD ? len : start + VOUCH_LG_MAX_HEAD;
    size_t eol = find_eol(b, pos, lim);
    if (eol == lim) return lim < len ? VOUCH_LG_RESP_TOO_BIG : VOUCH_LG_RESP_INCOMPLETE;
    size_t le = line_end(b, pos, eol);
    bool blank = le == pos;
    pos = eol + 1;
    if (blank) break;
  }
  if (vouch_buf_status(scratch) != VOUCH_OK) return VOUCH_LG_RESP_TOO_BIG;
  out->body = scratch->len ? (const uint8_t *)scratch->data : b + pos;
  out->body_len = scratch->len;
  out->total_len = pos;
  return VOUCH_LG_RESP_DONE;
}

vouch_lg_resp_result vouch_lg_parse_response(const uint8_t *buf, size_t len, bool eof,
                                             vouch_buf *scratch, vouch_lg_response *out) {
  memset(out, 0, sizeof(*out));
  if (len == 0) return VOUCH_LG_RESP_INCOMPLETE;
  int64_t cl;
  bool te;
  vouch_lg_resp_result r = parse_head(buf, len, out, &cl, &te);
  if (r != VOUCH_LG_RESP_DONE) return r;
  size_t pos = out->head_len;
  if (out->status < 200) {
    if (out->status == 101) return VOUCH_LG_RESP_BAD; /* nobody asked to switch protocols */
    out->total_len = pos;
    return VOUCH_LG_RESP_INTERIM;
  }
  if (out->status == 204 || out->status == 304) {
    out->until_close = out->chunked = false;
    out->body = buf + pos;
    out->body_len = 0;
    out->total_len = pos;
    return VOUCH_LG_RESP_DONE;
  }
  if (out->chunked) return parse_chunked(buf, len, pos, scratch, out);
  if (cl >= 0) {
    out->need_len = pos + (size_t)cl;
    if (len - pos < (size_t)cl) return VOUCH_LG_RESP_INCOMPLETE;
    out->body = buf + pos;
    out->body_len = (size_t)cl;
    out->total_len = pos + (size_t)cl;
    return VOUCH_LG_RESP_DONE;
  }
  /* Neither length nor chunked: the body is what comes until EOF. */
  out->until_close = true;
  out->close = true;
  if (len - pos > VOUCH_LG_MAX_BODY) return VOUCH_LG_RESP_TOO_BIG;
  if (!eof) return VOUCH_LG_RESP_INCOMPLETE;
  out->body = buf + pos;
  out->body_len = len - pos;
  out->total_len = len;
  return VOUCH_LG_RESP_DONE;
}

/* ---- bodies --------------------------------------------------------------------- */

bool vouch_lg_body_error_code(const uint8_t *body, size_t len, char out[VOUCH_LG_CODE_MAX + 1]) {
  out[0] = '\0';
  vouch_json_member m;
  bool found = false;
  if (vouch_json_find((const char *)body, len, "error", &m, &found, NULL) != VOUCH_OK || !found ||
      m.type != VOUCH_JSON_T_OBJECT)
    return false;
  vouch_json_member c;
  if (vouch_json_find(m.value, m.value_len, "code", &c, &found, NULL) != VOUCH_OK || !found ||
      c.type != VOUCH_JSON_T_STRING)
    return false;
  char raw[256];
  size_t n;
  if (vouch_json_unescape(c.value, c.value_len, raw, sizeof raw, &n) != VOUCH_OK) return false;
  sanitize_code((const uint8_t *)raw, n, out);
  return out[0] != '\0';
}

bool vouch_lg_body_has_token(const uint8_t *body, size_t len) {
  vouch_json_member m;
  bool found = false;
  if (vouch_json_find((const char *)body, len, "token", &m, &found, NULL) != VOUCH_OK || !found)
    return false;
  return m.type == VOUCH_JSON_T_STRING && m.value_len > 2;
}
