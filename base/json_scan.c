/* base/json_scan.c - a bounded single-pass JSON span scanner.
 *
 * It walks the members of one object and hands out raw spans (key bytes,
 * value bytes) without building a tree or copying; values it does not
 * descend into are still fully validated while skipped, so a span handed
 * out is always well-formed JSON.  Nesting is bounded iteratively (no
 * recursion), so hostile input cannot exhaust the stack.  All access is by
 * index against |len|. */
#include <string.h>

#include "base/base.h"

typedef struct {
  const char *s;
  size_t len;
  size_t pos;
} scan;

static bool at_end(const scan *sc) { return sc->pos >= sc->len; }
static char peek(const scan *sc) { return at_end(sc) ? '\0' : sc->s[sc->pos]; }

static void skip_ws(scan *sc) {
  while (!at_end(sc)) {
    char ch = sc->s[sc->pos];
    if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') break;
    sc->pos++;
  }
}

static bool is_hex(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* is_plain: a byte a string may hold as it is (not '"', not '\\', not a
 * control character); after vouch_json_plain_prefix has taken the long
 * runs. */
static inline bool is_plain(char ch) {
  unsigned char c = (unsigned char)ch;
  return c >= 0x20 && c != '"' && c != '\\';
}

/* skip_string: at '"', advance past the closing quote. */
static bool skip_string(scan *sc) {
  if (peek(sc) != '"') return false;
  sc->pos++;
  while (!at_end(sc)) {
    size_t p = sc->pos, end = sc->len;
    /* Long runs in bulk (DEL, which a string may hold, ends a run early:
     * the byte loop below takes it). */
    p += vouch_json_plain_prefix(sc->s + p, end - p);
    while (p < end && is_plain(sc->s[p])) p++;
    sc->pos = p;
    if (at_end(sc)) break;
    unsigned char ch = (unsigned char)sc->s[sc->pos++];
    if (ch == '"') return true;
    if (ch < 0x20) return false;
    if (ch == '\\') {
      if (at_end(sc)) return false;
      char e = sc->s[sc->pos++];
      if (e == 'u') {
        for (int i = 0; i < 4; i++) {
          if (at_end(sc) || !is_hex(sc->s[sc->pos])) return false;
          sc->pos++;
        }
      } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
        return false;
      }
    }
  }
  return false;
}

static bool skip_digits(scan *sc) {
  size_t start = sc->pos;
  while (!at_end(sc) && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9') sc->pos++;
  return sc->pos > start;
}

static bool skip_number(scan *sc) {
  if (peek(sc) == '-') sc->pos++;
  if (peek(sc) == '0') {
    sc->pos++;
  } else if (!skip_digits(sc)) {
    return false;
  }
  if (peek(sc) == '.') {
    sc->pos++;
    if (!skip_digits(sc)) return false;
  }
  if (peek(sc) == 'e' || peek(sc) == 'E') {
    sc->pos++;
    if (peek(sc) == '+' || peek(sc) == '-') sc->pos++;
    if (!skip_digits(sc)) return false;
  }
  return true;
}

static bool skip_literal(scan *sc, const char *lit) {
  size_t n = strlen(lit);
  if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, lit, n) != 0) return false;
  sc->pos += n;
  return true;
}

/* skip_value validates and skips one value, nesting tracked on an explicit
 * stack of container kinds. */
static bool skip_value(scan *sc, vouch_json_type *out_type) {
  bool stack[VOUCH_LIMIT_JSON_DEPTH]; /* true = object */
  int depth = 0;
  bool first_value = true;
  for (;;) {
    skip_ws(sc);
    char ch = peek(sc);
    /* Parse one scalar or open a container. */
    if (ch == '{' || ch == '[') {
      if (first_value) *out_type = ch == '{' ? VOUCH_JSON_T_OBJECT : VOUCH_JSON_T_ARRAY;
      if (depth >= VOUCH_LIMIT_JSON_DEPTH) return false;
      stack[depth++] = ch == '{';
      sc->pos++;
      skip_ws(sc);
      char close = ch == '{' ? '}' : ']';
      if (peek(sc) == close) {
        sc->pos++;
        depth--;
      } else {
        if (ch == '{') {
          if (!skip_string(sc)) return false;
          skip_ws(sc);
          if (peek(sc) != ':') return false;
          sc->pos++;
        }
        first_value = false;
        continue;
      }
    } else {
      bool ok;
      vouch_json_type t;
      if (ch == '"') {
        ok = skip_string(sc);
        t = VOUCH_JSON_T_STRING;
      } else if (ch == 't') {
        ok = skip_literal(sc, "true");
        t = VOUCH_JSON_T_TRUE;
      } else if (ch == 'f') {
        ok = skip_literal(sc, "false");
        t = VOUCH_JSON_T_FALSE;
      } else if (ch == 'n') {
        ok = skip_literal(sc, "null");
        t = VOUCH_JSON_T_NULL;
      } else {
        ok = skip_number(sc);
        t = VOUCH_JSON_T_NUMBER;
      }
      if (!ok) return false;
      if (first_value) *out_type = t;
    }
    first_value = false;
    /* After a complete value: close containers or move to the next item. */
    for (;;) {
      if (depth == 0) return true;
      skip_ws(sc);
      char c2 = peek(sc);
      bool obj = stack[depth - 1];
      if (c2 == (obj ? '}' : ']')) {
        sc->pos++;
        depth--;
        continue;
      }
      if (c2 != ',') return false;
      sc->pos++;
      if (obj) {
        skip_ws(sc);
        if (!skip_string(sc)) return false;
        skip_ws(sc);
        if (peek(sc) != ':') return false;
        sc->pos++;
      }
      break;
    }
  }
}

void vouch_json_members_init(vouch_json_members *it, const char *text, size_t len) {
  memset(it, 0, sizeof(*it));
  it->text = text;
  it->len = text ? len : 0;
}

static vouch_status scan_fail(vouch_json_members *it, const scan *sc, vouch_err *err,
                              const char *what) {
  it->done = true;
  return vouch_fail(err, VOUCH_E_JSON, "json: %s at offset %zu", what, sc->pos);
}

vouch_status vouch_json_members_next(vouch_json_members *it, vouch_json_member *out,
                                     bool *out_has, vouch_err *err) {
  *out_has = false;
  if (it->done) return VOUCH_OK;
  scan sc = {.s = it->text, .len = it->len, .pos = it->pos};
  skip_ws(&sc);
  if (!it->started) {
    if (peek(&sc) != '{') return scan_fail(it, &sc, err, "expected '{'");
    sc.pos++;
    it->started = true;
    skip_ws(&sc);
    if (peek(&sc) == '}') {
      sc.pos++;
      goto finish;
    }
  } else {
    if (peek(&sc) == '}') {
      sc.pos++;
      goto finish;
    }
    if (peek(&sc) != ',') return scan_fail(it, &sc, err, "expected ',' or '}'");
    sc.pos++;
    skip_ws(&sc);
  }
  size_t key_start = sc.pos;
  if (!skip_string(&sc)) return scan_fail(it, &sc, err, "expected a string key");
  out->key = it->text + key_start + 1;
  out->key_len = sc.pos - key_start - 2;
  skip_ws(&sc);
  if (peek(&sc) != ':') return scan_fail(it, &sc, err, "expected ':'");
  sc.pos++;
  skip_ws(&sc);
  size_t value_start = sc.pos;
  if (!skip_value(&sc, &out->type)) return scan_fail(it, &sc, err, "invalid value");
  out->value = it->text + value_start;
  out->value_len = sc.pos - value_start;
  it->pos = sc.pos;
  *out_has = true;
  return VOUCH_OK;

finish:
  skip_ws(&sc);
  if (!at_end(&sc)) return scan_fail(it, &sc, err, "unexpected data after the object");
  it->pos = sc.pos;
  it->done = true;
  return VOUCH_OK;
}

bool vouch_json_key_is(const vouch_json_member *m, const char *name) {
  size_t n = strlen(name);
  return m->key_len == n && memcmp(m->key, name, n) == 0;
}

vouch_status vouch_json_find(const char *text, size_t len, const char *key,
                             vouch_json_member *out, bool *out_found, vouch_err *err) {
  vouch_json_members it;
  vouch_json_members_init(&it, text, len);
  *out_found = false;
  for (;;) {
    bool has;
    VOUCH_GUARD(vouch_json_members_next(&it, out, &has, err));
    if (!has) return VOUCH_OK;
    if (vouch_json_key_is(out, key)) {
      *out_found = true;
      return VOUCH_OK;
    }
  }
}

/* read_u4 reads the four hex digits of a \u escape. */
static bool read_u4(const char *raw, size_t end, size_t *i, unsigned *out) {
  uint8_t b[2];
  if (end - *i < 4 || vouch_hex_decode(raw + *i, 4, b, 2) != VOUCH_OK) return false;
  *i += 4;
  *out = (unsigned)b[0] << 8 | b[1];
  return true;
}

vouch_status vouch_json_unescape(const char *raw, size_t raw_len, char *out, size_t out_cap,
                                 size_t *out_len) {
  VOUCH_ENSURE(raw_len >= 2 && raw[0] == '"' && raw[raw_len - 1] == '"', VOUCH_E_JSON);
  VOUCH_ENSURE(out_cap >= 1, VOUCH_E_LIMIT);
  size_t end = raw_len - 1, o = 0;
  for (size_t i = 1; i < end;) {
    unsigned char ch = (unsigned char)raw[i++];
    char enc[4];
    size_t n = 0;
    if (ch != '\\') {
      VOUCH_ENSURE(ch >= 0x20, VOUCH_E_JSON);
      enc[n++] = (char)ch;
    } else {
      VOUCH_ENSURE(i < end, VOUCH_E_JSON);
      char e = raw[i++];
      unsigned cp;
      switch (e) {
        case '"': enc[n++] = '"'; break;
        case '\\': enc[n++] = '\\'; break;
        case '/': enc[n++] = '/'; break;
        case 'b': enc[n++] = '\b'; break;
        case 'f': enc[n++] = '\f'; break;
        case 'n': enc[n++] = '\n'; break;
        case 'r': enc[n++] = '\r'; break;
        case 't': enc[n++] = '\t'; break;
        case 'u':
          VOUCH_ENSURE(read_u4(raw, end, &i, &cp), VOUCH_E_JSON);
          if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned lo;
            VOUCH_ENSURE(end - i >= 2 && raw[i] == '\\' && raw[i + 1] == 'u', VOUCH_E_JSON);
            i += 2;
            VOUCH_ENSURE(read_u4(raw, end, &i, &lo), VOUCH_E_JSON);
            VOUCH_ENSURE(lo >= 0xdc00 && lo <= 0xdfff, VOUCH_E_JSON);
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else {
            VOUCH_ENSURE(!(cp >= 0xdc00 && cp <= 0xdfff), VOUCH_E_JSON);
          }
          if (cp < 0x80) {
            enc[n++] = (char)cp;
          } else if (cp < 0x800) {
            enc[n++] = (char)(0xc0 | (cp >> 6));
            enc[n++] = (char)(0x80 | (cp & 0x3f));
          } else if (cp < 0x10000) {
            enc[n++] = (char)(0xe0 | (cp >> 12));
            enc[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            enc[n++] = (char)(0x80 | (cp & 0x3f));
          } else {
            enc[n++] = (char)(0xf0 | (cp >> 18));
            enc[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            enc[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            enc[n++] = (char)(0x80 | (cp & 0x3f));
          }
          break;
        default:
          return VOUCH_E_JSON;
      }
    }
    VOUCH_ENSURE(out_cap - 1 - o >= n, VOUCH_E_LIMIT);
    memcpy(out + o, enc, n);
    o += n;
  }
  out[o] = '\0';
  *out_len = o;
  return VOUCH_OK;
}
