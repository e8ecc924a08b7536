/* base/base.h - what every vouch module needs: status codes, guard macros,
 * the bounded byte cursor, the output builder (text and JSON), limits,
 * time and hex helpers, logging.  Nothing here depends on another module.
 *
 * Conventions (BoringSSL-like): fallible functions return vouch_status
 * (VOUCH_OK == 0) and write results through out_ parameters, which are
 * only meaningful on success.  Byte counts are *_len, element counts num_*.
 */
#ifndef VOUCH_BASE_H
#define VOUCH_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOUCH_VERSION "0.1.0"

#if defined(__GNUC__)
#define VOUCH_MUST_CHECK __attribute__((warn_unused_result))
#define VOUCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VOUCH_MUST_CHECK
#define VOUCH_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------------
 * Status codes.  One enum for the whole project, grouped by what the caller
 * can do about it.  The table gives each a stable name (used in results and
 * tests) and a one-line message.
 */
#define VOUCH_STATUS_LIST(X)                                                                 \
  X(OK, "ok")                                                                                \
  /* bad input: the evidence or collateral bytes are malformed */                            \
  X(E_TRUNCATED, "input ends before the structure does")                                     \
  X(E_TRAILING, "unexpected bytes after the structure")                                      \
  X(E_MALFORMED, "malformed input")                                                          \
  X(E_UNSUPPORTED, "unsupported format, version or algorithm")                               \
  X(E_BASE64, "invalid base64")                                                              \
  X(E_HEX, "invalid hex")                                                                    \
  X(E_JSON, "invalid JSON")                                                                  \
  X(E_TIME, "invalid time")                                                                  \
  X(E_ASN1, "invalid DER/ASN.1")                                                             \
  X(E_PEM, "invalid PEM")                                                                    \
  X(E_ARG, "invalid argument")                                                               \
  /* limits */                                                                               \
  X(E_LIMIT, "input exceeds a configured limit")                                             \
  /* collateral availability / time validity */                                              \
  X(E_COLLATERAL_MISSING, "required collateral not available")                               \
  X(E_COLLATERAL_MISMATCH, "collateral does not belong to this evidence")                    \
  X(E_EXPIRED, "expired at the verification instant")                                        \
  X(E_NOT_YET_VALID, "not yet valid at the verification instant")                            \
  /* cryptographic / trust failures */                                                       \
  X(E_SIGNATURE, "signature verification failed")                                            \
  X(E_CHAIN, "certificate chain verification failed")                                        \
  X(E_UNTRUSTED_ROOT, "chain does not end at a trusted root")                                \
  X(E_REVOKED, "certificate revoked")                                                        \
  X(E_CRL, "CRL verification failed")                                                        \
  X(E_BINDING, "a value bound by hash does not match")                                       \
  X(E_IDENTITY_MISMATCH, "enclave identity does not match")                                  \
  X(E_TCB_NOT_SUPPORTED, "no matching TCB level")                                            \
  /* policy */                                                                               \
  X(E_POLICY_DENY, "denied by policy")                                                       \
  X(E_POLICY_SYNTAX, "policy text does not parse")                                           \
  X(E_POLICY_EVAL, "policy evaluation failed")                                               \
  /* resource / internal */                                                                  \
  X(E_NOMEM, "out of memory")                                                                \
  X(E_IO, "I/O error")                                                                       \
  X(E_CRYPTO, "cryptographic library error")                                                 \
  X(E_INTERNAL, "internal error")                                                            \
  X(E_BUSY, "busy: every slot is taken, try again later")

typedef enum {
#define VOUCH_X_ENUM(name, msg) VOUCH_##name,
  VOUCH_STATUS_LIST(VOUCH_X_ENUM)
#undef VOUCH_X_ENUM
      VOUCH_STATUS_COUNT
} vouch_status;

/* vouch_status_name returns the stable identifier of |s| ("E_SIGNATURE"),
 * or "E_UNKNOWN" for a value outside the enum. */
const char *vouch_status_name(vouch_status s);
/* vouch_status_message returns a one-line description of |s|. */
const char *vouch_status_message(vouch_status s);

/* Guard macros: a tiny DSL for the linear happy path. */
#define VOUCH_GUARD(expr)                                                                    \
  do {                                                                                       \
    vouch_status vouch_guard_s_ = (expr);                                                    \
    if (vouch_guard_s_ != VOUCH_OK) return vouch_guard_s_;                                   \
  } while (0)
#define VOUCH_ENSURE(cond, code)                                                             \
  do {                                                                                       \
    if (!(cond)) return (code);                                                              \
  } while (0)
#define VOUCH_ENSURE_REF(p) VOUCH_ENSURE((p) != NULL, VOUCH_E_ARG)
#define VOUCH_BAIL(code) return (code)
/* Variants for functions with one cleanup label: set |s| and jump. */
#define VOUCH_GUARD_GOTO(s, expr, label)                                                     \
  do {                                                                                       \
    (s) = (expr);                                                                            \
    if ((s) != VOUCH_OK) goto label;                                                         \
  } while (0)
#define VOUCH_ENSURE_GOTO(s, cond, code, label)                                              \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      (s) = (code);                                                                          \
      goto label;                                                                            \
    }                                                                                        \
  } while (0)

/* An error with its context: the status plus a human sentence naming the
 * stage and the reason ("sgx: quote truncated at offset 436").  Zeroed is
 * "no error". */
#define VOUCH_ERR_MSG_MAX 320
typedef struct {
  vouch_status code;
  char msg[VOUCH_ERR_MSG_MAX];
} vouch_err;

/* vouch_fail records |code| and a formatted message in |err| (which may be
 * NULL) and returns |code|, so callers write `return vouch_fail(err, ...)`.
 * The first failure recorded wins: a later call does not overwrite it. */
vouch_status vouch_fail(vouch_err *err, vouch_status code, const char *fmt, ...)
    VOUCH_PRINTF(3, 4);
/* vouch_err_prefix puts formatted text in front of |err|'s message
 * (truncating the tail if the whole does not fit). */
void vouch_err_prefix(vouch_err *err, const char *fmt, ...) VOUCH_PRINTF(2, 3);
/* vouch_err_clear resets |err| to "no error". */
void vouch_err_clear(vouch_err *err);

/* ------------------------------------------------------------------------
 * Limits.  Every size or count read from untrusted bytes is checked against
 * one of these before it drives an allocation or a loop.
 */
enum {
  VOUCH_LIMIT_LINE = 1 << 20,          /* one NDJSON envelope line (default) */
  VOUCH_LIMIT_EVIDENCE = 256 * 1024,   /* decoded quote / report */
  VOUCH_LIMIT_CERT_DATA = 64 * 1024,   /* certification data inside a quote */
  VOUCH_LIMIT_QE_AUTH = 4096,          /* QE authentication data */
  VOUCH_LIMIT_PEM_CHAIN_CERTS = 8,     /* certificates in one PEM chain */
  VOUCH_LIMIT_COLLATERAL = 4 << 20,    /* one collateral document */
  VOUCH_LIMIT_TCB_LEVELS = 256,        /* levels in a TCB Info / identity */
  VOUCH_LIMIT_ADVISORIES = 64,         /* advisory IDs per result */
  VOUCH_LIMIT_ADVISORY_LEN = 32,       /* one advisory ID ("INTEL-SA-00615") */
  VOUCH_LIMIT_DER_DEPTH = 8,           /* nesting when walking DER */
  VOUCH_LIMIT_JSON_DEPTH = 32,         /* nesting in the JSON span scanner */
  VOUCH_LIMIT_CRL_BYTES = 8 << 20,     /* one CRL */
};

/* ------------------------------------------------------------------------
 * The bounded byte cursor: a borrowed view of untrusted bytes.  Every read
 * either succeeds and advances, or fails with VOUCH_E_TRUNCATED and leaves
 * the cursor unchanged.  |offset| is the absolute position of data[0] in the
 * outermost buffer, so errors can name where they happened.  This is the
 * only place in vouch that does pointer arithmetic on untrusted input.
 */
typedef struct {
  const uint8_t *data; /* borrowed; valid as long as the underlying buffer */
  size_t len;          /* bytes left */
  size_t offset;       /* absolute offset of data[0] */
} vouch_cur;

vouch_cur vouch_cur_make(const void *data, size_t len);
size_t vouch_cur_remaining(const vouch_cur *c);
size_t vouch_cur_offset(const vouch_cur *c);
VOUCH_MUST_CHECK vouch_status vouch_cur_u8(vouch_cur *c, uint8_t *out);
VOUCH_MUST_CHECK vouch_status vouch_cur_u16le(vouch_cur *c, uint16_t *out);
VOUCH_MUST_CHECK vouch_status vouch_cur_u32le(vouch_cur *c, uint32_t *out);
VOUCH_MUST_CHECK vouch_status vouch_cur_u64le(vouch_cur *c, uint64_t *out);
VOUCH_MUST_CHECK vouch_status vouch_cur_u16be(vouch_cur *c, uint16_t *out);
VOUCH_MUST_CHECK vouch_status vouch_cur_u32be(vouch_cur *c, uint32_t *out);
/* vouch_cur_bytes borrows the next |n| bytes: *out points into the buffer. */
VOUCH_MUST_CHECK vouch_status vouch_cur_bytes(vouch_cur *c, size_t n, const uint8_t **out);
/* vouch_cur_copy copies the next |n| bytes into |out|. */
VOUCH_MUST_CHECK vouch_status vouch_cur_copy(vouch_cur *c, void *out, size_t n);
VOUCH_MUST_CHECK vouch_status vouch_cur_skip(vouch_cur *c, size_t n);
/* vouch_cur_sub splits the next |n| bytes off into |child| and advances. */
VOUCH_MUST_CHECK vouch_status vouch_cur_sub(vouch_cur *c, size_t n, vouch_cur *child);
/* vouch_cur_peek_u8 reads the next byte without advancing. */
VOUCH_MUST_CHECK vouch_status vouch_cur_peek_u8(const vouch_cur *c, uint8_t *out);
/* vouch_cur_expect_empty fails with VOUCH_E_TRAILING if bytes are left. */
VOUCH_MUST_CHECK vouch_status vouch_cur_expect_empty(const vouch_cur *c);
/* vouch_cur_span returns the view of bytes consumed from |start| up to the
 * current position of |c|, where |c| was derived from |start| by reads. */
VOUCH_MUST_CHECK vouch_status vouch_cur_consumed(const vouch_cur *start, const vouch_cur *c,
                                                 const uint8_t **out, size_t *out_len);

/* DER (X.509/ASN.1) reading on top of the cursor.  vouch_der_next reads one
 * TLV: *out_tag is the identifier octet (multi-byte tags are rejected),
 * |content| is a child cursor over the value.  Indefinite lengths and
 * non-minimal length encodings are rejected (DER). */
VOUCH_MUST_CHECK vouch_status vouch_der_next(vouch_cur *c, uint8_t *out_tag, vouch_cur *content);
/* vouch_der_expect reads one TLV and requires its tag to be |tag|. */
VOUCH_MUST_CHECK vouch_status vouch_der_expect(vouch_cur *c, uint8_t tag, vouch_cur *content);
/* vouch_der_uint reads a non-negative DER INTEGER value (content bytes) of
 * at most 8 significant bytes. */
VOUCH_MUST_CHECK vouch_status vouch_der_uint(const vouch_cur *content, uint64_t *out);

enum {
  VOUCH_DER_BOOLEAN = 0x01,
  VOUCH_DER_INTEGER = 0x02,
  VOUCH_DER_BIT_STRING = 0x03,
  VOUCH_DER_OCTET_STRING = 0x04,
  VOUCH_DER_NULL = 0x05,
  VOUCH_DER_OID = 0x06,
  VOUCH_DER_ENUMERATED = 0x0a,
  VOUCH_DER_SEQUENCE = 0x30,
  VOUCH_DER_SET = 0x31,
};

/* ------------------------------------------------------------------------
 * Output builder: a growable byte buffer with a hard cap and a sticky
 * error.  After one failed append every later append is a no-op, so a chain
 * of appends is checked once, at the end, with vouch_buf_status.  A zeroed
 * builder is valid and empty (cap 0 means VOUCH_BUF_DEFAULT_MAX).
 */
#define VOUCH_BUF_DEFAULT_MAX (64u << 20)
typedef struct {
  char *data;   /* owned; NUL-terminated when len > 0 or after finish */
  size_t len;
  size_t cap;   /* allocated */
  size_t max;   /* hard cap on len; 0 = VOUCH_BUF_DEFAULT_MAX */
  vouch_status status;
} vouch_buf;

void vouch_buf_init(vouch_buf *b, size_t max);
void vouch_buf_free(vouch_buf *b);
/* vouch_buf_reset empties |b| and clears its error, keeping the memory. */
void vouch_buf_reset(vouch_buf *b);
void vouch_buf_append(vouch_buf *b, const void *data, size_t len);
void vouch_buf_puts(vouch_buf *b, const char *s);
void vouch_buf_putc(vouch_buf *b, char ch);
void vouch_buf_printf(vouch_buf *b, const char *fmt, ...) VOUCH_PRINTF(2, 3);
void vouch_buf_vprintf(vouch_buf *b, const char *fmt, va_list ap) VOUCH_PRINTF(2, 0);
/* vouch_buf_hex appends lower-case hex of |data|. */
void vouch_buf_hex(vouch_buf *b, const uint8_t *data, size_t len);
/* vouch_json_plain_prefix counts the bytes at the start of |s| that a JSON
 * string holds as they are and the writer never escapes: not '"', '\\', a
 * control byte or DEL.  Sixteen bytes per step where SSE2 is there (every
 * x86-64), eight (SWAR) elsewhere: evidence, tokens and base64 claims are
 * kilobytes of such bytes, written and scanned on every item. */
size_t vouch_json_plain_prefix(const char *s, size_t len);
/* vouch_buf_json_string appends |s| as a quoted, escaped JSON string. */
void vouch_buf_json_string(vouch_buf *b, const char *s, size_t len);
/* vouch_buf_cstr returns a NUL-terminated view ("" when empty). */
const char *vouch_buf_cstr(const vouch_buf *b);
VOUCH_MUST_CHECK vouch_status vouch_buf_status(const vouch_buf *b);

/* JSON writer on top of a builder: tracks nesting so commas and colons are
 * placed for the caller.  Misuse (value without key inside an object, too
 * deep) sets the builder's sticky error to VOUCH_E_INTERNAL. */
#define VOUCH_JSON_MAX_DEPTH 16
typedef struct {
  vouch_buf *out;       /* borrowed */
  int depth;
  bool in_object[VOUCH_JSON_MAX_DEPTH];
  bool need_comma[VOUCH_JSON_MAX_DEPTH];
  bool have_key;
} vouch_json;

void vouch_json_init(vouch_json *j, vouch_buf *out);
void vouch_json_begin_object(vouch_json *j);
void vouch_json_end_object(vouch_json *j);
void vouch_json_begin_array(vouch_json *j);
void vouch_json_end_array(vouch_json *j);
void vouch_json_key(vouch_json *j, const char *key);
void vouch_json_key_len(vouch_json *j, const char *key, size_t len);
void vouch_json_string(vouch_json *j, const char *s);
void vouch_json_string_len(vouch_json *j, const char *s, size_t len);
void vouch_json_hex(vouch_json *j, const uint8_t *data, size_t len);
void vouch_json_int(vouch_json *j, int64_t v);
void vouch_json_uint(vouch_json *j, uint64_t v);
void vouch_json_bool(vouch_json *j, bool v);
void vouch_json_null(vouch_json *j);
/* vouch_json_raw inserts already-serialized JSON |text| as one value. */
void vouch_json_raw(vouch_json *j, const char *text, size_t len);

/* ------------------------------------------------------------------------
 * JSON span scanner: a bounded single-pass reader of JSON text that yields
 * raw spans, not a tree.  Used for the per-item envelope (hot path) and to
 * take the exact signed bytes of "tcbInfo"/"enclaveIdentity" out of a PCS
 * body.  It validates the syntax of what it skips (strings, numbers,
 * literals, nesting up to VOUCH_LIMIT_JSON_DEPTH).
 */
typedef enum {
  VOUCH_JSON_T_STRING,
  VOUCH_JSON_T_NUMBER,
  VOUCH_JSON_T_OBJECT,
  VOUCH_JSON_T_ARRAY,
  VOUCH_JSON_T_TRUE,
  VOUCH_JSON_T_FALSE,
  VOUCH_JSON_T_NULL,
} vouch_json_type;

typedef struct {
  const char *text; /* borrowed */
  size_t len;
  size_t pos;
  bool started;
  bool done;
} vouch_json_members;

typedef struct {
  const char *key;   /* raw key bytes between the quotes (escapes not decoded) */
  size_t key_len;
  vouch_json_type type;
  const char *value; /* raw value span: for strings, including the quotes */
  size_t value_len;
} vouch_json_member;

/* vouch_json_members_init starts iterating the members of the object that
 * is the whole of |text| (leading/trailing whitespace allowed). */
void vouch_json_members_init(vouch_json_members *it, const char *text, size_t len);
/* vouch_json_members_next yields the next member.  Returns VOUCH_OK with
 * *out_has = false at the end (after checking nothing but whitespace
 * follows the object), or VOUCH_E_JSON with |err| naming the offset. */
VOUCH_MUST_CHECK vouch_status vouch_json_members_next(vouch_json_members *it,
                                                      vouch_json_member *out, bool *out_has,
                                                      vouch_err *err);
/* vouch_json_unescape decodes a raw JSON string span (with its quotes)
 * into |out| (NUL-terminated, at most out_cap - 1 bytes).  \u escapes are
 * decoded to UTF-8; surrogates must pair. */
VOUCH_MUST_CHECK vouch_status vouch_json_unescape(const char *raw, size_t raw_len, char *out,
                                                  size_t out_cap, size_t *out_len);
/* vouch_json_find scans the object |text| for the first member called
 * |key| (*out_found false when there is none, after checking the whole
 * object's syntax up to that point). */
VOUCH_MUST_CHECK vouch_status vouch_json_find(const char *text, size_t len, const char *key,
                                              vouch_json_member *out, bool *out_found,
                                              vouch_err *err);
/* vouch_json_key_is compares a raw member key with |name|. */
bool vouch_json_key_is(const vouch_json_member *m, const char *name);

/* ------------------------------------------------------------------------
 * Time: Unix seconds (int64, UTC).  vouch_time_parse accepts RFC 3339
 * ("2025-07-19T10:01:17Z", fractional seconds, numeric offsets) and plain
 * Unix seconds ("1752919277").
 */
VOUCH_MUST_CHECK vouch_status vouch_time_parse(const char *s, size_t len, int64_t *out);
/* vouch_time_format writes "YYYY-MM-DDThh:mm:ssZ" (needs 21 bytes). */
#define VOUCH_TIME_STR_LEN 32
void vouch_time_format(int64_t t, char out[VOUCH_TIME_STR_LEN]);
/* vouch_time_from_civil converts a UTC calendar date to Unix seconds. */
int64_t vouch_time_from_civil(int year, int month, int day, int hour, int min, int sec);

/* Hex: vouch_hex_decode accepts upper and lower case, requires an even
 * length and exactly |out_len| bytes of output. */
VOUCH_MUST_CHECK vouch_status vouch_hex_decode(const char *hex, size_t hex_len, uint8_t *out,
                                               size_t out_len);
/* vouch_hex_encode writes 2*len lower-case chars plus NUL; _upper writes
 * upper case (Intel's spelling of FMSPCs and identities). */
void vouch_hex_encode(const uint8_t *data, size_t len, char *out);
void vouch_hex_encode_upper(const uint8_t *data, size_t len, char *out);

/* Files: read a whole file (at most |max| bytes) into a malloc'd buffer
 * with a NUL after the data. */
VOUCH_MUST_CHECK vouch_status vouch_read_file(const char *path, size_t max, uint8_t **out,
                                              size_t *out_len, vouch_err *err);

/* ------------------------------------------------------------------------
 * Logging to stderr, filtered by level (default: warn).
 */
typedef enum { VOUCH_LOG_ERROR, VOUCH_LOG_WARN, VOUCH_LOG_INFO, VOUCH_LOG_DEBUG } vouch_log_level;
void vouch_log_set_level(vouch_log_level level);
void vouch_log(vouch_log_level level, const char *fmt, ...) VOUCH_PRINTF(2, 3);

#endif /* VOUCH_BASE_H */
