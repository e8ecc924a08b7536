/* tools/gen/pckext.c - DER of the PCK certificate SGX extension
 * (1.2.840.113741.1.13.1), byte-compatible with Intel's certificates:
 *
 *   SEQUENCE {
 *     SEQUENCE { OID .1, OCTET STRING ppid(16) }
 *     SEQUENCE { OID .2, SEQUENCE {
 *       SEQUENCE { OID .2.1, INTEGER comp01 } ... { OID .2.16, INTEGER comp16 }
 *       SEQUENCE { OID .2.17, INTEGER pcesvn }
 *       SEQUENCE { OID .2.18, OCTET STRING cpusvn(16) } } }
 *     SEQUENCE { OID .3, OCTET STRING pceid(2) }
 *     SEQUENCE { OID .4, OCTET STRING fmspc(6) }
 *     SEQUENCE { OID .5, ENUMERATED sgx_type }
 *     -- Platform CA certificates only:
 *     SEQUENCE { OID .6, OCTET STRING platform_instance_id(16) }
 *     SEQUENCE { OID .7, SEQUENCE {
 *       SEQUENCE { OID .7.1, BOOLEAN dynamicPlatform }
 *       SEQUENCE { OID .7.2, BOOLEAN cachedKeys }
 *       SEQUENCE { OID .7.3, BOOLEAN SMTEnabled } } }
 *   }
 *
 * Children are built in scratch builders and wrapped, so lengths (short or
 * long form) never need patching. */
#include <string.h>

#include "tools/gen/internal.h"

static const uint8_t kSgxOid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

static void der_header(vouch_buf *b, uint8_t tag, size_t len) {
  uint8_t h[10];
  size_t n = 0;
  h[n++] = tag;
  if (len < 0x80) {
    h[n++] = (uint8_t)len;
  } else {
    uint8_t be[8];
    size_t k = 0;
    for (size_t v = len; v > 0; v >>= 8) be[k++] = (uint8_t)v;
    h[n++] = (uint8_t)(0x80 | k);
    while (k > 0) h[n++] = be[--k];
  }
  vouch_buf_append(b, h, n);
}

static void der_tlv(vouch_buf *b, uint8_t tag, const void *content, size_t len) {
  der_header(b, tag, len);
  vouch_buf_append(b, content, len);
}

/* wrap appends |child| as the content of a |tag| TLV and empties |child|.
 * A child's sticky error is carried over to the parent. */
static void wrap(vouch_buf *parent, uint8_t tag, vouch_buf *child) {
  if (child->status != VOUCH_OK) {
    if (parent->status == VOUCH_OK) parent->status = child->status;
    return;
  }
  der_tlv(parent, tag, child->data, child->len);
  vouch_buf_reset(child);
}

/* der_uint appends a minimally encoded non-negative INTEGER/ENUMERATED. */
static void der_uint(vouch_buf *b, uint8_t tag, uint64_t v) {
  uint8_t be[9];
  size_t k = 0;
  do {
    be[k++] = (uint8_t)v;
    v >>= 8;
  } while (v > 0);
  if (be[k - 1] & 0x80) be[k++] = 0; /* keep it positive */
  uint8_t content[9];
  for (size_t i = 0; i < k; i++) content[i] = be[k - 1 - i];
  der_tlv(b, tag, content, k);
}

/* der_oid appends the OID 1.2.840.113741.1.13.1.<a>[.<b>] (arcs < 128). */
static void der_oid(vouch_buf *b, uint8_t a, uint8_t sub) {
  uint8_t oid[sizeof(kSgxOid) + 2];
  size_t n = sizeof(kSgxOid);
  memcpy(oid, kSgxOid, n);
  oid[n++] = a;
  if (sub != 0) oid[n++] = sub;
  der_tlv(b, VOUCH_DER_OID, oid, n);
}

/* entry_* append SEQUENCE { OID, value } to |out| through scratch |e|. */
static void entry_octets(vouch_buf *out, vouch_buf *e, uint8_t a, uint8_t sub, const uint8_t *v,
                         size_t len) {
  der_oid(e, a, sub);
  der_tlv(e, VOUCH_DER_OCTET_STRING, v, len);
  wrap(out, VOUCH_DER_SEQUENCE, e);
}

static void entry_uint(vouch_buf *out, vouch_buf *e, uint8_t tag, uint8_t a, uint8_t sub,
                       uint64_t v) {
  der_oid(e, a, sub);
  der_uint(e, tag, v);
  wrap(out, VOUCH_DER_SEQUENCE, e);
}

static void entry_bool(vouch_buf *out, vouch_buf *e, uint8_t a, uint8_t sub, bool v) {
  uint8_t byte = v ? 0xFF : 0x00;
  der_oid(e, a, sub);
  der_tlv(e, VOUCH_DER_BOOLEAN, &byte, 1);
  wrap(out, VOUCH_DER_SEQUENCE, e);
}

vouch_status vouch_gen_pck_ext_encode(const vouch_gen_pck_fields *f, vouch_buf *out) {
  VOUCH_ENSURE_REF(f);
  VOUCH_ENSURE_REF(out);
  vouch_buf top, inner, e;
  vouch_buf_init(&top, 0);
  vouch_buf_init(&inner, 0);
  vouch_buf_init(&e, 0);

  entry_octets(&top, &e, 1, 0, f->ppid, sizeof(f->ppid));

  for (uint8_t i = 0; i < 16; i++)
    entry_uint(&inner, &e, VOUCH_DER_INTEGER, 2, i + 1, f->comp_svn[i]);
  entry_uint(&inner, &e, VOUCH_DER_INTEGER, 2, 17, f->pcesvn);
  entry_octets(&inner, &e, 2, 18, f->cpusvn, sizeof(f->cpusvn));
  der_oid(&e, 2, 0);
  wrap(&e, VOUCH_DER_SEQUENCE, &inner);
  wrap(&top, VOUCH_DER_SEQUENCE, &e);

  entry_octets(&top, &e, 3, 0, f->pceid, sizeof(f->pceid));
  entry_octets(&top, &e, 4, 0, f->fmspc, sizeof(f->fmspc));
  entry_uint(&top, &e, VOUCH_DER_ENUMERATED, 5, 0, f->sgx_type);

  if (f->has_platform_fields) {
    entry_octets(&top, &e, 6, 0, f->platform_instance_id, sizeof(f->platform_instance_id));
    entry_bool(&inner, &e, 7, 1, f->dynamic_platform);
    entry_bool(&inner, &e, 7, 2, f->cached_keys);
    entry_bool(&inner, &e, 7, 3, f->smt_enabled);
    der_oid(&e, 7, 0);
    wrap(&e, VOUCH_DER_SEQUENCE, &inner);
    wrap(&top, VOUCH_DER_SEQUENCE, &e);
  }

  wrap(out, VOUCH_DER_SEQUENCE, &top);
  vouch_status s = vouch_buf_status(out);
  vouch_buf_free(&top);
  vouch_buf_free(&inner);
  vouch_buf_free(&e);
  return s;
}
