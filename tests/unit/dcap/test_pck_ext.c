/* tests/unit/dcap/test_pck_ext.c - vouch_pck_ext_parse on the PCK leaf
 * certificates of the shared vectors and on hand-built DER. */
#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/unit/dcap/dcap_vectors.h"
#include "verifiers/dcap/dcap.h"

/* ---- certificates ------------------------------------------------------ */

/* ext_from_pem returns a malloc'd copy of the SGX extension value of the
 * first certificate in the PEM text at |pem| (which may be followed by
 * anything). */
static uint8_t *ext_from_pem(const uint8_t *pem, size_t pem_len, size_t *out_len) {
  BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
  assert_non_null(bio);
  X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  BIO_free(bio);
  assert_non_null(x);
  ASN1_OBJECT *obj = OBJ_txt2obj(VOUCH_SGX_EXT_OID, 1);
  assert_non_null(obj);
  int idx = X509_get_ext_by_OBJ(x, obj, -1);
  ASN1_OBJECT_free(obj);
  assert_true(idx >= 0);
  const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
  assert_non_null(os);
  size_t n = (size_t)ASN1_STRING_length(os);
  uint8_t *out = malloc(n);
  assert_non_null(out);
  memcpy(out, ASN1_STRING_get0_data(os), n);
  X509_free(x);
  *out_len = n;
  return out;
}

/* ext_from_quote: the PCK leaf is the first certificate of the PEM chain
 * in the quote's certification data. */
static uint8_t *ext_from_quote(const uint8_t *quote, size_t quote_len, size_t *out_len) {
  static const char kBegin[] = "-----BEGIN CERTIFICATE-----";
  const uint8_t *p = memmem(quote, quote_len, kBegin, strlen(kBegin));
  assert_non_null(p);
  return ext_from_pem(p, quote_len - (size_t)(p - quote), out_len);
}

typedef struct {
  const char *dir;
  const char *fmspc;
  uint8_t comps[VOUCH_TCB_COMPONENTS];
  uint16_t pcesvn;
  const char *cpusvn;
  uint8_t sgx_type;
  bool platform; /* Platform CA: PlatformInstanceID + Configuration */
  bool dynamic_platform, cached_keys, smt_enabled;
} pck_expect;

static void check_ext(const uint8_t *der, size_t len, const pck_expect *e) {
  vouch_pck_ext ext;
  vouch_err err = {0};
  assert_int_equal(vouch_pck_ext_parse(der, len, &ext, &err), VOUCH_OK);
  uint8_t want[16];
  dcap_unhex(e->fmspc, want, 6);
  assert_memory_equal(ext.fmspc, want, 6);
  dcap_unhex("0000", want, 2);
  assert_memory_equal(ext.pceid, want, 2);
  assert_memory_equal(ext.comp_svn, e->comps, VOUCH_TCB_COMPONENTS);
  assert_int_equal(ext.pcesvn, e->pcesvn);
  dcap_unhex(e->cpusvn, want, 16);
  assert_memory_equal(ext.cpusvn, want, 16);
  assert_int_equal(ext.sgx_type, e->sgx_type);
  assert_int_equal(ext.has_platform_instance_id, e->platform);
  assert_int_equal(ext.has_configuration, e->platform);
  if (e->platform) {
    assert_true(ext.has_dynamic_platform && ext.has_cached_keys && ext.has_smt_enabled);
    assert_int_equal(ext.dynamic_platform, e->dynamic_platform);
    assert_int_equal(ext.cached_keys, e->cached_keys);
    assert_int_equal(ext.smt_enabled, e->smt_enabled);
  }
}

static void test_sgx_quote_leaf(void **state) {
  (void)state;
  size_t qlen = 0, len = 0;
  uint8_t *quote;
  VECTOR_OR_SKIP(quote, qlen, "sgx/phala-dcap-qvl-sgx-v3/quote.dat");
  uint8_t *der = ext_from_quote(quote, qlen, &len);
  /* comp 5 = 255 is encoded 02 02 00 FF in this certificate. */
  static const uint8_t k255[] = {0x02, 0x02, 0x00, 0xff};
  assert_non_null(memmem(der, len, k255, sizeof(k255)));
  pck_expect e = {.fmspc = "00a067110000",
                  .comps = {11, 11, 2, 2, 255, 1},
                  .pcesvn = 13,
                  .cpusvn = "0b0b0202ff0100000000000000000000",
                  .sgx_type = 0};
  check_ext(der, len, &e);
  free(der);
  free(quote);
}

static void test_synthetic_leaf(void **state) {
  (void)state;
  size_t clen = 0, len = 0;
  uint8_t *coll;
  VECTOR_OR_SKIP(coll, clen, "sgx/intel-qvl-synthetic-sgx/collateral.json");
  json_error_t je;
  json_t *root = json_loadb((const char *)coll, clen, 0, &je);
  assert_non_null(root);
  const char *pem = json_string_value(json_object_get(root, "pck_certificate_chain"));
  assert_non_null(pem);
  uint8_t *der = ext_from_pem((const uint8_t *)pem, strlen(pem), &len);
  pck_expect e = {.fmspc = "00707f000000",
                  .comps = {0, 3, 0, 0, 0, 1, 1},
                  .pcesvn = 3,
                  .cpusvn = "00030000000101000000000000000000",
                  .sgx_type = 0};
  check_ext(der, len, &e);
  free(der);
  json_decref(root);
  free(coll);
}

static const pck_expect kTdx[] = {
    {"tdx/automata-tdx-v4-outofdate",
     "00806f050000",
     {6, 6, 2, 2, 3, 1, 0, 3},
     11,
     "06060202030100030000000000000000",
     1,
     true,
     true,
     false,
     true},
    {"tdx/go-tdx-guest-v4-tcb-not-supported",
     "50806f000000",
     {3, 3, 2, 2, 2, 1, 0, 2},
     11,
     "03030202020100020000000000000000",
     1,
     true,
     true,
     false,
     true},
    {"tdx/phala-dcap-qvl-tdx-v4",
     "b0c06f000000",
     {3, 3, 2, 2, 4, 1, 0, 5},
     11,
     "03030202040100050000000000000000",
     1,
     true,
     true,
     true,
     true},
    {"tdx/phala-dcap-qvl-tdx-v5-no-tcb-level",
     "90c06f000000",
     {3, 3, 2, 2, 4, 1, 0, 3},
     13,
     "03030202040100030000000000000000",
     1,
     true,
     true,
     false,
     true},
    {"tdx/phala-near-gastest-tdx-v4",
     "20a06f000000",
     {4, 4, 2, 2, 5, 255, 0, 2},
     13,
     "0404020205ff00020000000000000000",
     1,
     true,
     true,
     true,
     true},
};

static void test_tdx_quote_leafs(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(kTdx) / sizeof(kTdx[0]); i++) {
    char rel[256];
    snprintf(rel, sizeof(rel), "%s/quote.dat", kTdx[i].dir);
    size_t qlen = 0, len = 0;
    uint8_t *quote;
    VECTOR_OR_SKIP(quote, qlen, rel);
    uint8_t *der = ext_from_quote(quote, qlen, &len);
    check_ext(der, len, &kTdx[i]);
    free(der);
    free(quote);
  }
}

/* ---- hand-built DER ------------------------------------------------------ */

typedef struct {
  uint8_t b[4096];
  size_t n;
} dbuf;

static void put(dbuf *d, const void *p, size_t n) {
  if (n == 0) return;
  assert_true(d->n + n <= sizeof(d->b));
  memcpy(d->b + d->n, p, n);
  d->n += n;
}

static void put_tlv(dbuf *d, uint8_t tag, const void *v, size_t n) {
  uint8_t h[4] = {tag};
  size_t hn;
  if (n < 0x80) {
    h[1] = (uint8_t)n, hn = 2;
  } else if (n < 0x100) {
    h[1] = 0x81, h[2] = (uint8_t)n, hn = 3;
  } else {
    h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hn = 4;
  }
  put(d, h, hn);
  put(d, v, n);
}

/* put_uint writes a minimal DER INTEGER (or |tag|) of non-negative |v|. */
static void put_uint(dbuf *d, uint8_t tag, uint64_t v) {
  uint8_t tmp[9];
  size_t n = 0;
  do {
    tmp[8 - n++] = (uint8_t)v;
    v >>= 8;
  } while (v != 0);
  if (tmp[9 - n] & 0x80) tmp[8 - n++] = 0;
  put_tlv(d, tag, tmp + 9 - n, n);
}

/* put_oid writes the OID 1.2.840.113741.1.13.1[.a[.b]]. */
static void put_oid(dbuf *d, int a, int b) {
  uint8_t o[16] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
  size_t n = 9;
  if (a > 0) o[n++] = (uint8_t)a;
  if (b > 0) o[n++] = (uint8_t)b;
  put_tlv(d, VOUCH_DER_OID, o, n);
}

/* put_entry wraps {OID(a,b), value} in a SEQUENCE. */
static void put_entry(dbuf *d, int a, int b, const dbuf *value) {
  dbuf e = {0};
  put_oid(&e, a, b);
  put(&e, value->b, value->n);
  put_tlv(d, VOUCH_DER_SEQUENCE, e.b, e.n);
}

typedef struct {
  int64_t comp[VOUCH_TCB_COMPONENTS]; /* -1: omit */
  int64_t pcesvn;                     /* -1: omit */
  const uint8_t *raw_comp5;           /* raw TLV for component 5 */
  size_t raw_comp5_len;
  size_t ppid_len;
  bool omit_fmspc, omit_cpusvn;
  bool reverse;     /* entries (top level and TCB) in reverse order */
  bool unknown;     /* add entries with unknown OIDs */
  int dup_arc;      /* top-level arc to write twice */
  int dup_tcb_arc;  /* TCB arc to write twice */
  bool platform;    /* PlatformInstanceID + Configuration */
  uint8_t cfg_bool; /* raw BOOLEAN byte for dynamicPlatform */
} ext_spec;

static ext_spec default_spec(void) {
  ext_spec s = {.pcesvn = 13, .ppid_len = 16, .cfg_bool = 0xff};
  for (int i = 0; i < VOUCH_TCB_COMPONENTS; i++) s.comp[i] = i + 1;
  s.comp[4] = 255;
  return s;
}

static void tcb_item(dbuf *list, const ext_spec *s, int n) {
  dbuf v = {0};
  if (n <= VOUCH_TCB_COMPONENTS) {
    if (s->comp[n - 1] < 0) return;
    if (n == 5 && s->raw_comp5 != NULL) {
      put(&v, s->raw_comp5, s->raw_comp5_len);
    } else {
      put_uint(&v, VOUCH_DER_INTEGER, (uint64_t)s->comp[n - 1]);
    }
  } else if (n == 17) {
    if (s->pcesvn < 0) return;
    put_uint(&v, VOUCH_DER_INTEGER, (uint64_t)s->pcesvn);
  } else {
    if (s->omit_cpusvn) return;
    uint8_t cpusvn[16] = {1, 2, 3};
    put_tlv(&v, VOUCH_DER_OCTET_STRING, cpusvn, 16);
  }
  put_entry(list, 2, n, &v);
  if (n == s->dup_tcb_arc) put_entry(list, 2, n, &v);
}

static void top_item(dbuf *list, const ext_spec *s, int arc) {
  dbuf v = {0};
  static const uint8_t kPpid[32] = {0xaa, 0xbb};
  static const uint8_t kFmspc[6] = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00};
  static const uint8_t kPceid[2] = {0x00, 0x00};
  switch (arc) {
    case 1:
      put_tlv(&v, VOUCH_DER_OCTET_STRING, kPpid, s->ppid_len);
      break;
    case 2: {
      dbuf list2 = {0};
      if (s->unknown) {
        dbuf u = {0};
        put_uint(&u, VOUCH_DER_INTEGER, 7);
        put_entry(&list2, 2, 19, &u);
      }
      for (int k = 1; k <= 18; k++) tcb_item(&list2, s, s->reverse ? 19 - k : k);
      put_tlv(&v, VOUCH_DER_SEQUENCE, list2.b, list2.n);
      break;
    }
    case 3:
      put_tlv(&v, VOUCH_DER_OCTET_STRING, kPceid, 2);
      break;
    case 4:
      if (s->omit_fmspc) return;
      put_tlv(&v, VOUCH_DER_OCTET_STRING, kFmspc, 6);
      break;
    case 5:
      put_uint(&v, VOUCH_DER_ENUMERATED, 1);
      break;
    case 6:
      if (!s->platform) return;
      put_tlv(&v, VOUCH_DER_OCTET_STRING, kPpid, 16);
      break;
    case 7: {
      if (!s->platform) return;
      dbuf cfg = {0};
      for (int k = 1; k <= 3; k++) {
        dbuf b = {0};
        uint8_t val = k == 1 ? s->cfg_bool : k == 2 ? 0x00 : 0xff;
        put_tlv(&b, VOUCH_DER_BOOLEAN, &val, 1);
        put_entry(&cfg, 7, k, &b);
      }
      put_tlv(&v, VOUCH_DER_SEQUENCE, cfg.b, cfg.n);
      break;
    }
  }
  put_entry(list, arc, 0, &v);
  if (arc == s->dup_arc) put_entry(list, arc, 0, &v);
}

static void build(const ext_spec *s, dbuf *out) {
  dbuf list = {0};
  if (s->unknown) {
    /* an unknown SGX arc and an unrelated OID (2.5.29.19) */
    dbuf u = {0};
    put_tlv(&u, VOUCH_DER_NULL, NULL, 0);
    put_entry(&list, 42, 0, &u);
    dbuf e = {0};
    static const uint8_t kOther[] = {0x55, 0x1d, 0x13};
    put_tlv(&e, VOUCH_DER_OID, kOther, sizeof(kOther));
    put_tlv(&e, VOUCH_DER_BOOLEAN, "\xff", 1);
    put_tlv(&list, VOUCH_DER_SEQUENCE, e.b, e.n);
  }
  for (int k = 1; k <= 7; k++) top_item(&list, s, s->reverse ? 8 - k : k);
  memset(out, 0, sizeof(*out));
  put_tlv(out, VOUCH_DER_SEQUENCE, list.b, list.n);
}

static vouch_status parse_spec(const ext_spec *s, vouch_pck_ext *ext, vouch_err *err) {
  dbuf d;
  build(s, &d);
  vouch_err_clear(err);
  return vouch_pck_ext_parse(d.b, d.n, ext, err);
}

static void check_default_values(const vouch_pck_ext *ext) {
  for (int i = 0; i < VOUCH_TCB_COMPONENTS; i++) {
    assert_int_equal(ext->comp_svn[i], i == 4 ? 255 : i + 1);
  }
  assert_int_equal(ext->pcesvn, 13);
  assert_int_equal(ext->cpusvn[2], 3);
  assert_int_equal(ext->fmspc[2], 0x6e);
  assert_int_equal(ext->ppid[1], 0xbb);
  assert_int_equal(ext->sgx_type, 1);
}

static void expect_fail(const ext_spec *s, vouch_status code, const char *needle) {
  vouch_pck_ext ext;
  vouch_err err;
  vouch_status st = parse_spec(s, &ext, &err);
  if (st != code || strstr(err.msg, needle) == NULL) {
    print_error("got %s \"%s\", want %s containing \"%s\"\n", vouch_status_name(st), err.msg,
                vouch_status_name(code), needle);
    fail();
  }
}

static void test_built_valid(void **state) {
  (void)state;
  ext_spec s = default_spec();
  vouch_pck_ext ext;
  vouch_err err;
  assert_int_equal(parse_spec(&s, &ext, &err), VOUCH_OK);
  check_default_values(&ext);
  assert_false(ext.has_platform_instance_id);
  assert_false(ext.has_configuration);
}

static void test_reordered(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.reverse = true;
  s.platform = true;
  vouch_pck_ext ext;
  vouch_err err;
  assert_int_equal(parse_spec(&s, &ext, &err), VOUCH_OK);
  check_default_values(&ext);
  assert_true(ext.has_platform_instance_id && ext.has_configuration);
  assert_true(ext.dynamic_platform);
  assert_false(ext.cached_keys);
  assert_true(ext.smt_enabled);
}

static void test_unknown_ignored(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.unknown = true;
  vouch_pck_ext ext;
  vouch_err err;
  assert_int_equal(parse_spec(&s, &ext, &err), VOUCH_OK);
  check_default_values(&ext);
}

static void test_duplicates(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.dup_arc = 4;
  expect_fail(&s, VOUCH_E_MALFORMED, "duplicate FMSPC");
  s = default_spec();
  s.dup_tcb_arc = 7;
  expect_fail(&s, VOUCH_E_MALFORMED, "duplicate TCB component 7 SVN");
  s = default_spec();
  s.dup_tcb_arc = 17;
  expect_fail(&s, VOUCH_E_MALFORMED, "duplicate PCESVN");
  s = default_spec();
  s.platform = true;
  s.dup_arc = 7;
  expect_fail(&s, VOUCH_E_MALFORMED, "duplicate Configuration");
}

static void test_missing(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.omit_fmspc = true;
  expect_fail(&s, VOUCH_E_MALFORMED, "missing FMSPC");
  s = default_spec();
  s.comp[6] = -1;
  expect_fail(&s, VOUCH_E_MALFORMED, "missing TCB component 7 SVN");
  s = default_spec();
  s.pcesvn = -1;
  expect_fail(&s, VOUCH_E_MALFORMED, "missing PCESVN");
  s = default_spec();
  s.omit_cpusvn = true;
  expect_fail(&s, VOUCH_E_MALFORMED, "missing CPUSVN");
}

static void test_svn_ranges(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.comp[6] = 256;
  expect_fail(&s, VOUCH_E_MALFORMED, "TCB component 7 SVN out of range at offset ");
  s = default_spec();
  s.pcesvn = 65535;
  vouch_pck_ext ext;
  vouch_err err;
  assert_int_equal(parse_spec(&s, &ext, &err), VOUCH_OK);
  assert_int_equal(ext.pcesvn, 65535);
  s.pcesvn = 65536;
  expect_fail(&s, VOUCH_E_MALFORMED, "PCESVN out of range");

  /* 255 must carry its leading 00; a negative or padded value is not DER. */
  static const uint8_t k255[] = {0x02, 0x02, 0x00, 0xff};
  static const uint8_t kNeg[] = {0x02, 0x01, 0xff};
  static const uint8_t kPadded[] = {0x02, 0x02, 0x00, 0x05};
  static const uint8_t kEmpty[] = {0x02, 0x00};
  static const uint8_t kOctets[] = {0x04, 0x01, 0x05};
  s = default_spec();
  s.raw_comp5 = k255, s.raw_comp5_len = sizeof(k255);
  assert_int_equal(parse_spec(&s, &ext, &err), VOUCH_OK);
  assert_int_equal(ext.comp_svn[4], 255);
  s.raw_comp5 = kNeg, s.raw_comp5_len = sizeof(kNeg);
  expect_fail(&s, VOUCH_E_MALFORMED, "TCB component 5 SVN: negative or non-minimal INTEGER");
  s.raw_comp5 = kPadded, s.raw_comp5_len = sizeof(kPadded);
  expect_fail(&s, VOUCH_E_MALFORMED, "TCB component 5 SVN: negative or non-minimal INTEGER");
  s.raw_comp5 = kEmpty, s.raw_comp5_len = sizeof(kEmpty);
  expect_fail(&s, VOUCH_E_MALFORMED, "TCB component 5 SVN");
  s.raw_comp5 = kOctets, s.raw_comp5_len = sizeof(kOctets);
  expect_fail(&s, VOUCH_E_ASN1, "TCB component 5 SVN: expected INTEGER");
}

static void test_sizes_and_bools(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.ppid_len = 15;
  expect_fail(&s, VOUCH_E_MALFORMED, "PPID: 15 bytes, expected 16");
  s.ppid_len = 17;
  expect_fail(&s, VOUCH_E_MALFORMED, "PPID: 17 bytes, expected 16");
  s = default_spec();
  s.platform = true;
  s.cfg_bool = 0x01;
  expect_fail(&s, VOUCH_E_MALFORMED, "dynamicPlatform: invalid DER BOOLEAN");
}

static void test_truncated_every_length(void **state) {
  (void)state;
  ext_spec s = default_spec();
  s.platform = true;
  dbuf d;
  build(&s, &d);
  vouch_pck_ext ext;
  vouch_err err;
  assert_int_equal(vouch_pck_ext_parse(d.b, d.n, &ext, &err), VOUCH_OK);
  for (size_t n = 0; n < d.n; n++) {
    /* a heap copy of exactly n bytes, so ASAN sees any over-read */
    uint8_t *cut = malloc(n ? n : 1);
    assert_non_null(cut);
    memcpy(cut, d.b, n);
    vouch_err_clear(&err);
    memset(&ext, 0x5a, sizeof(ext));
    vouch_status st = vouch_pck_ext_parse(cut, n, &ext, &err);
    assert_int_not_equal(st, VOUCH_OK);
    assert_int_equal(err.code, st);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(ext.pcesvn, 0); /* cleared on failure */
    free(cut);
  }
}

static void test_trailing(void **state) {
  (void)state;
  ext_spec s = default_spec();
  dbuf d;
  build(&s, &d);
  d.b[d.n++] = 0x00;
  vouch_pck_ext ext;
  vouch_err err = {0};
  assert_int_equal(vouch_pck_ext_parse(d.b, d.n, &ext, &err), VOUCH_E_TRAILING);
  assert_non_null(strstr(err.msg, "trailing"));

  /* an extra element after the value inside a known entry */
  dbuf v = {0}, list = {0}, full = {0};
  static const uint8_t kFmspc[6] = {1, 2, 3, 4, 5, 6};
  put_tlv(&v, VOUCH_DER_OCTET_STRING, kFmspc, 6);
  put_tlv(&v, VOUCH_DER_NULL, NULL, 0);
  put_entry(&list, 4, 0, &v);
  put_tlv(&full, VOUCH_DER_SEQUENCE, list.b, list.n);
  vouch_err_clear(&err);
  assert_int_equal(vouch_pck_ext_parse(full.b, full.n, &ext, &err), VOUCH_E_TRAILING);
  assert_non_null(strstr(err.msg, "after FMSPC"));
}

static void test_args(void **state) {
  (void)state;
  vouch_pck_ext ext;
  vouch_err err = {0};
  assert_int_equal(vouch_pck_ext_parse(NULL, 4, &ext, &err), VOUCH_E_ARG);
  vouch_err_clear(&err);
  assert_int_not_equal(vouch_pck_ext_parse(NULL, 0, &ext, &err), VOUCH_OK);
  static const uint8_t kEmptySeq[] = {0x30, 0x00};
  vouch_err_clear(&err);
  assert_int_equal(vouch_pck_ext_parse(kEmptySeq, 2, &ext, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "missing PPID"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sgx_quote_leaf),
      cmocka_unit_test(test_synthetic_leaf),
      cmocka_unit_test(test_tdx_quote_leafs),
      cmocka_unit_test(test_built_valid),
      cmocka_unit_test(test_reordered),
      cmocka_unit_test(test_unknown_ignored),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_svn_ranges),
      cmocka_unit_test(test_sizes_and_bools),
      cmocka_unit_test(test_truncated_every_length),
      cmocka_unit_test(test_trailing),
      cmocka_unit_test(test_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
