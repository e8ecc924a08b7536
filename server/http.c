/* server/http.c - the HTTP/1.1 layer of a connection, without sockets:
 * http-parser (callbacks API) over the received bytes, the request limits
 * (header bytes and count: 431, body: 413, protocol errors: 400, versions
 * other than 1.x: 505), the response queue that keeps pipelined responses
 * in request order, and response framing.
 *
 * The parser is paused at the end of each request (on_message_complete),
 * so requests are dispatched one at a time and parsing can stop between
 * two of them: when the connection's pipeline is full (the rest of the
 * bytes wait in the buffer), or after a request that closes the connection
 * (the rest is ignored). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "server/internal.h"

const char *http_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

req *req_new(conn *c) {
  req *r = calloc(1, sizeof(*r));
  if (r == NULL) return NULL;
  server *s = c->s;
  r->c = c;
  r->start_ns = s->now_ns;
  r->last_was_value = true;
  r->method = -1;
  /* An id per request: a random per-process prefix and a counter, shaped
   * like the GUIDs of the real service's x-ms-request-id. */
  uint64_t n = ++s->next_req;
  snprintf(r->id, sizeof r->id, "%.8s-%.4s-%.4s-%04x-%012llx", s->id_prefix, s->id_prefix + 8,
           s->id_prefix + 12, (unsigned)((n >> 48) & 0xffff),
           (unsigned long long)(n & 0xffffffffffffull));
  vouch_buf_init(&r->url, s->lim.max_header_bytes);
  vouch_buf_init(&r->body, s->lim.max_body_bytes);
  vouch_buf_init(&r->resp, 0);
  return r;
}

void req_free(req *r) {
  if (r == NULL) return;
  vouch_buf_free(&r->url);
  vouch_buf_free(&r->body);
  vouch_buf_free(&r->resp);
  free(r);
}

static void queue_push(conn *c, req *r) {
  r->next = NULL;
  if (c->tail)
    c->tail->next = r;
  else
    c->head = r;
  c->tail = r;
  c->queued++;
}

void req_respond(req *r, int status, const char *ctype, const char *body, size_t len,
                 const char *extra) {
  conn *c = r->c;
  server *s = c->s;
  if (s->draining || c->closing) r->close_after = true;
  if (r->close_after) c->stop_parsing = true;
  vouch_buf *b = &r->resp;
  vouch_buf_reset(b);
  vouch_buf_printf(b,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "x-ms-request-id: %s\r\n",
                   status, http_reason(status), ctype, len, r->id);
  if (r->close_after)
    vouch_buf_puts(b, "Connection: close\r\n");
  else if (r->http10)
    vouch_buf_puts(b, "Connection: keep-alive\r\n");
  if (extra) vouch_buf_puts(b, extra);
  vouch_buf_puts(b, "\r\n");
  if (r->method != HTTP_HEAD) vouch_buf_append(b, body, len);
  if (vouch_buf_status(b) != VOUCH_OK) {
    vouch_buf_reset(b);
    r->close_after = true;
    c->stop_parsing = true;
    vouch_buf_printf(b,
                     "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                     "x-ms-request-id: %s\r\nConnection: close\r\n\r\n",
                     r->id);
    status = 500;
  }
  r->status = status;
  r->done = true;
  conn_mark_dirty(c);
}

void req_error(req *r, int status, const char *code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vouch_buf body;
  vouch_buf_init(&body, 0);
  vouch_json j;
  vouch_json_init(&j, &body);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "error");
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "code");
  vouch_json_string(&j, code);
  vouch_json_key(&j, "message");
  vouch_json_string(&j, msg);
  vouch_json_end_object(&j);
  vouch_json_end_object(&j);
  char extra[256];
  int n = snprintf(extra, sizeof extra, "x-ms-error-code: %s\r\n", code);
  if (status == 503)
    snprintf(extra + n, sizeof extra - (size_t)n, "Retry-After: 1\r\n");
  else if (status == 401)
    snprintf(extra + n, sizeof extra - (size_t)n, "WWW-Authenticate: Bearer\r\n");
  req_respond(r, status, "application/json; charset=utf-8", vouch_buf_cstr(&body), body.len, extra);
  vouch_buf_free(&body);
}

/* ---- http-parser callbacks ------------------------------------------------------ */

static req *cur_req(http_parser *p) {
  return ((conn *)p->data)->cur;
}

/* refuse stops the parser with a status for the response. */
static int refuse(req *r, int status, const char *msg) {
  if (r->limit_status == 0) {
    r->limit_status = status;
    r->limit_msg = msg;
  }
  return -1;
}

static int count_header_bytes(req *r, size_t n) {
  r->header_bytes += n;
  if (r->header_bytes > r->c->s->lim.max_header_bytes)
    return refuse(r, 431, "the request line and headers exceed the header size limit");
  return 0;
}

static int on_message_begin(http_parser *p) {
  conn *c = p->data;
  if (c->cur == NULL) {
    c->cur = req_new(c);
    if (c->cur == NULL) return -1;
  }
  /* The request line's fixed parts (method, version, CRLF). */
  return count_header_bytes(c->cur, 16);
}

static int on_url(http_parser *p, const char *at, size_t len) {
  req *r = cur_req(p);
  if (count_header_bytes(r, len)) return -1;
  vouch_buf_append(&r->url, at, len);
  return vouch_buf_status(&r->url) == VOUCH_OK ? 0
                                               : refuse(r, 431, "the request target is too long");
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  req *r = cur_req(p);
  if (r->last_was_value) {
    r->last_was_value = false;
    r->hname_len = 0;
    r->cur_header = H_OTHER;
    if (++r->num_headers > r->c->s->lim.max_headers)
      return refuse(r, 431, "too many header fields");
    if (count_header_bytes(r, 4)) return -1; /* ": " and CRLF */
  }
  if (count_header_bytes(r, len)) return -1;
  size_t room = sizeof r->hname - 1 - r->hname_len;
  size_t n = len < room ? len : room;
  memcpy(r->hname + r->hname_len, at, n);
  r->hname_len += n;
  if (len > room) r->hname_len = sizeof r->hname - 1; /* too long to be one we read */
  return 0;
}

static void append_capped(char *dst, size_t cap, size_t *have, const char *at, size_t len,
                          bool *overflow) {
  if (*have + len >= cap) {
    if (overflow) *overflow = true;
    len = *have < cap - 1 ? cap - 1 - *have : 0;
  }
  memcpy(dst + *have, at, len);
  *have += len;
  dst[*have] = '\0';
}

static bool name_is(const req *r, const char *name) {
  return r->hname_len == strlen(name) && strncasecmp(r->hname, name, r->hname_len) == 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  req *r = cur_req(p);
  if (!r->last_was_value) {
    /* The first piece of this header's value: which header is it? */
    r->last_was_value = true;
    if (name_is(r, "authorization")) {
      r->cur_header = H_AUTHORIZATION;
      if (r->has_auth) r->auth_bad = true; /* repeated: ambiguous, never accepted */
      r->has_auth = true;
      r->auth_len = 0;
    } else if (name_is(r, "expect")) {
      r->cur_header = H_EXPECT;
    } else {
      r->cur_header = H_OTHER;
    }
  }
  if (count_header_bytes(r, len)) return -1;
  switch (r->cur_header) {
    case H_AUTHORIZATION:
      append_capped(r->auth, sizeof r->auth, &r->auth_len, at, len, &r->auth_bad);
      break;
    case H_EXPECT:
      append_capped(r->expect, sizeof r->expect, &r->expect_len, at, len, NULL);
      break;
    case H_OTHER:
      break;
  }
  return 0;
}

static int on_headers_complete(http_parser *p) {
  conn *c = p->data;
  req *r = c->cur;
  server *s = c->s;
  r->headers_done = true;
  r->headers_ns = s->now_ns;
  r->method = (int)p->method;
  r->keep_alive = http_should_keep_alive(p) != 0;
  r->http10 = p->http_major == 1 && p->http_minor == 0;
  if (p->http_major != 1) return refuse(r, 505, "only HTTP/1.0 and HTTP/1.1 are served");
  if (p->method == HTTP_CONNECT) return refuse(r, 405, "CONNECT is not served");
  /* A declared body over the limit is refused before it is read. */
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > s->lim.max_body_bytes)
    return refuse(r, 413, "the request body exceeds the body size limit");
  if (r->expect_len > 0) {
    if (strcasecmp(r->expect, "100-continue") != 0)
      return refuse(r, 417, "unsupported Expect header (only 100-continue)");
    /* The interim response may only go out before this request's final
     * one; with earlier responses pending the client's own timeout sends
     * the body anyway. */
    if (c->head == NULL && c->out.len == 0 && !c->send_armed)
      vouch_buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  req *r = cur_req(p);
  if (r->body.len + len > r->c->s->lim.max_body_bytes)
    return refuse(r, 413, "the request body exceeds the body size limit");
  vouch_buf_append(&r->body, at, len);
  return vouch_buf_status(&r->body) == VOUCH_OK ? 0 : refuse(r, 500, "out of memory");
}

static int on_message_complete(http_parser *p) {
  /* One request at a time: conn_parse dispatches it, then resumes. */
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings kSettings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void conn_init_parser(conn *c) {
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
}

void conn_refuse(conn *c, int status, const char *code, const char *msg) {
  req *r = c->cur;
  c->cur = NULL;
  if (r == NULL) r = req_new(c);
  if (r == NULL) {
    c->stop_parsing = true;
    c->close_after_flush = true;
    return;
  }
  /* The method is known only once the request line was read; an error
   * response never omits its body. */
  if (!r->headers_done) r->method = -1;
  r->route = R_NONE;
  r->close_after = true;
  c->stop_parsing = true;
  queue_push(c, r);
  req_error(r, status, code, "%s", msg);
}

static void request_complete(conn *c) {
  req *r = c->cur;
  c->cur = NULL;
  server *s = c->s;
  queue_push(c, r);
  c->requests++;
  if (!r->keep_alive || c->requests >= s->lim.max_requests_per_conn || s->draining ||
      c->parser.upgrade) {
    r->close_after = true;
    c->stop_parsing = true;
  }
  route_request(s, r);
}

void conn_parse(conn *c) {
  while (c->rpos < c->rlen && !c->stop_parsing && !c->closing) {
    if (c->queued >= c->s->lim.max_pipeline) {
      c->parse_blocked = true;
      break;
    }
    c->parse_blocked = false;
    size_t n = http_parser_execute(&c->parser, &kSettings, c->rbuf + c->rpos, c->rlen - c->rpos);
    c->rpos += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_PAUSED) {
      http_parser_pause(&c->parser, 0);
      request_complete(c);
      continue;
    }
    if (e != HPE_OK) {
      req *r = c->cur;
      if (r && r->limit_status) {
        int st = r->limit_status;
        const char *code = st == 431   ? "RequestHeaderFieldsTooLarge"
                           : st == 413 ? "RequestEntityTooLarge"
                           : st == 505 ? "HttpVersionNotSupported"
                           : st == 405 ? "MethodNotAllowed"
                           : st == 417 ? "ExpectationFailed"
                           : st == 500 ? "InternalError"
                                       : "BadRequest";
        conn_refuse(c, st, code, r->limit_msg);
      } else if (e == HPE_HEADER_OVERFLOW) {
        conn_refuse(c, 431, "RequestHeaderFieldsTooLarge",
                    "the request line and headers exceed the header size limit");
      } else {
        char msg[160];
        snprintf(msg, sizeof msg, "malformed HTTP request: %s (%s)", http_errno_description(e),
                 http_errno_name(e));
        conn_refuse(c, 400, "BadRequest", msg);
      }
      break;
    }
    if (c->parser.upgrade) {
      /* Protocol switches are not served; what follows is not HTTP/1.1. */
      c->stop_parsing = true;
      break;
    }
  }
  if (c->rpos == c->rlen) {
    c->rpos = c->rlen = 0;
  } else if (c->rpos > 0 && !c->recv_armed) {
    memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
    c->rlen -= c->rpos;
    c->rpos = 0;
  }
}

void conn_eof(conn *c) {
  c->peer_eof = true;
  /* A request cut short is not answered: its client is gone or gave up. */
  req_free(c->cur);
  c->cur = NULL;
  c->stop_parsing = true;
  conn_mark_dirty(c);
}

void conn_timeout(conn *c) {
  c->s->m.timeouts++;
  conn_refuse(c, 408, "RequestTimeout",
              c->cur && c->cur->headers_done
                  ? "the request body did not arrive within the body timeout"
                  : "the request headers did not arrive within the header timeout");
}

void conn_pump(conn *c) {
  server *s = c->s;
  while (c->head != NULL && c->head->done) {
    req *r = c->head;
    c->head = r->next;
    if (c->head == NULL) c->tail = NULL;
    c->queued--;
    vouch_buf_append(&c->out, r->resp.data, r->resp.len);
    metrics_record(s, r, s->now_ns);
    access_log(s, r, s->now_ns);
    if (r->close_after) c->close_after_flush = true;
    req_free(r);
  }
}

void conn_drop_requests(conn *c) {
  req_free(c->cur);
  c->cur = NULL;
  req *r = c->head;
  while (r) {
    req *next = r->next;
    if (r->in_engine) {
      r->orphan = true; /* freed by its callback */
      r->next = NULL;
    } else {
      req_free(r);
    }
    r = next;
  }
  c->head = c->tail = NULL;
  c->queued = 0;
}
