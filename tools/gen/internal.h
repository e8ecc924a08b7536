/* tools/gen/internal.h - private to vouch_gen: object layouts and helpers
 * shared by pki.c, pckext.c, platform.c, quote.c, tcbjson.c and bundle.c. */
#ifndef VOUCH_GEN_INTERNAL_H
#define VOUCH_GEN_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tools/gen/gen.h"

#define GEN_DAY INT64_C(86400)
#define GEN_YEAR (365 * GEN_DAY)
#define GEN_SERIAL_LEN 20 /* Intel's serials are 20 bytes */
#define GEN_MAX_SERIAL 32

/* A certificate with its key.  Everything is owned. */
typedef struct {
  X509 *x509;
  EVP_PKEY *key; /* private key */
  uint8_t *der;  /* OPENSSL_malloc'd */
  size_t der_len;
  char *pem; /* malloc'd, NUL-terminated */
  size_t pem_len;
  uint8_t skid[20];
  uint8_t serial[GEN_SERIAL_LEN];
  int64_t not_before, not_after;
} gen_cert;

typedef struct {
  uint8_t bytes[GEN_MAX_SERIAL];
  size_t len;
} gen_serial;

/* A CRL: the revoked serials and the current signed DER. */
typedef struct {
  gen_serial *revoked; /* malloc'd array */
  size_t num_revoked;
  uint64_t number; /* CRL Number of |der| */
  uint8_t *der;    /* OPENSSL_malloc'd */
  size_t der_len;
  int64_t this_update, next_update;
} gen_crl;

struct vouch_gen_pki {
  int64_t now;
  uint64_t seed;
  char org[128];
  vouch_gen_validity validity[VOUCH_GEN_PKI_ITEM_COUNT];
  gen_cert certs[4];      /* indexed by ROOT_CA .. TCB_SIGNING */
  gen_crl crls[3];        /* indexed by item - ROOT_CRL */
  uint64_t num_platforms; /* creation counter: the derivation index */
};

struct vouch_gen_platform {
  const vouch_gen_pki *pki; /* borrowed; outlives the platform */
  uint64_t index;
  vouch_gen_pki_item ca;
  vouch_gen_pck_fields pck;
  uint16_t qe_svn;
  uint16_t cert_data_type;
  gen_cert cert;       /* the PCK certificate and key */
  EVP_PKEY *att_key;   /* attestation private key */
  uint8_t att_pub[64]; /* X || Y */
  uint8_t qe_id[16];   /* header user_data[0:16] */
  uint8_t qe_report[VOUCH_GEN_REPORT_LEN];
  uint8_t qe_report_sig[64];
  /* sig_data after the quote signature (att key .. certification data),
   * identical in every quote of the platform.  TDX: att key || type-6
   * header || QE report .. inner certification data. */
  uint8_t *tail;
  size_t tail_len;
  size_t tail_qe_report; /* offset of the QE report in |tail| (64; TDX 70) */
  bool tdx;
  uint8_t tee_tcb_svn[16];
};

/* Signed JSON documents: the exact text and its raw signature. */
struct vouch_gen_tcb_info {
  char *text; /* malloc'd, NUL-terminated: the exact signed bytes */
  size_t text_len;
  uint8_t sig[64];
  int version;
  char id[16];
  uint8_t fmspc[6];
  uint32_t eval_number;
  int64_t issue_date, next_update;
};

struct vouch_gen_qe_identity {
  char *text;
  size_t text_len;
  uint8_t sig[64];
  char id[16];
  uint32_t eval_number;
};

/* gen_window computes an item's [start, end] for |now|, |span|, |v|. */
void gen_window(int64_t now, int64_t span, vouch_gen_validity v, int64_t *out_start,
                int64_t *out_end);
/* gen_derive fills |out| with SHA-256(label || seed || index || counter)
 * output: every "random-looking" value the generator makes. */
void gen_derive(uint64_t seed, const char *label, uint64_t index, uint8_t *out, size_t len);
/* gen_keygen makes a fresh P-256 key. */
vouch_status gen_keygen(EVP_PKEY **out);
/* gen_pub_raw writes the X||Y of |key|. */
vouch_status gen_pub_raw(const EVP_PKEY *key, uint8_t out[64]);
/* gen_sign_raw signs |msg| (ECDSA P-256, SHA-256) into raw r||s. */
vouch_status gen_sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t out[64]);
/* gen_sign_ctx_new prepares a signing context for |key| (sign_init done),
 * so repeated signatures skip the per-call setup; one thread at a time. */
vouch_status gen_sign_ctx_new(EVP_PKEY *key, EVP_PKEY_CTX **out);
/* gen_sign_ctx_raw is gen_sign_raw with a context from gen_sign_ctx_new. */
vouch_status gen_sign_ctx_raw(EVP_PKEY_CTX *ctx, const uint8_t *msg, size_t len, uint8_t out[64]);
/* gen_ossl_fail clears OpenSSL's error queue and records a failure. */
vouch_status gen_ossl_fail(vouch_err *err, const char *what);

/* pki.c: gen_finish_cert serializes |c->x509| into |c->der| and |c->pem|
 * (both malloc'd, owned by |c|); false when OpenSSL or malloc fails. */
bool gen_finish_cert(gen_cert *c);
/* pki.c: issue a PCK certificate for platform |index| from |ca| with the
 * SGX extension |ext_der|. */
vouch_status gen_pki_issue_pck(const vouch_gen_pki *pki, vouch_gen_pki_item ca, uint64_t index,
                               vouch_gen_validity validity, const uint8_t *ext_der, size_t ext_len,
                               gen_cert *out, vouch_err *err);
void gen_cert_cleanup(gen_cert *c);
const gen_cert *gen_pki_cert(const vouch_gen_pki *pki, vouch_gen_pki_item item);

/* quote.c: gen_quote_build is vouch_gen_quote with options for bulk use:
 * |sign_ctx| (NULL: make one) is a gen_sign_ctx_new context for |pl|'s
 * attestation key; without |with_tail| only the first
 * VOUCH_GEN_QUOTE_PREFIX_LEN bytes are appended (the rest is pl->tail, the
 * same in every quote of the platform; QE corruptions need the tail). */
#define VOUCH_GEN_QUOTE_PREFIX_LEN (VOUCH_GEN_QUOTE_SIGNED_LEN + 4 + 64)
vouch_status gen_quote_build(const vouch_gen_platform *pl, const vouch_gen_quote_opts *opts,
                             EVP_PKEY_CTX *sign_ctx, bool with_tail, vouch_buf *out);

/* quote.c: gen_td_quote_build is vouch_gen_td_quote with the same bulk
 * options; without |with_tail| it appends only the quote's own part,
 * gen_td_quote_prefix_len(opts) bytes (header .. quote signature). */
vouch_status gen_td_quote_build(const vouch_gen_platform *pl, const vouch_gen_td_quote_opts *opts,
                                EVP_PKEY_CTX *sign_ctx, bool with_tail, vouch_buf *out);
size_t gen_td_quote_prefix_len(const vouch_gen_td_quote_opts *opts);

/* quote.c: build the QE report, its signature and the per-platform tail. */
vouch_status gen_platform_build_qe(vouch_gen_platform *pl, const vouch_gen_platform_opts *opts,
                                   vouch_err *err);

#endif /* VOUCH_GEN_INTERNAL_H */
