/* token/internal.h - private to vouch_token: the key store's layout,
 * shared by keys.c (the store, issuance), jwks.c (publication) and
 * verify.c (lookup by kid).  Never include from outside token/. */
#ifndef VOUCH_TOKEN_INTERNAL_H
#define VOUCH_TOKEN_INTERNAL_H

#include <pthread.h>

#include "token/token.h"

/* One key of the store.  Immutable once made, except |retired|,
 * |retired_at| and |dropped|, which change only under the store's write
 * lock. */
typedef struct {
  vouch_jws_alg alg;
  struct vouch_signer *signer; /* owned */
  struct vouch_cert **chain;   /* owned; [0] holds the key; published as x5c */
  size_t chain_len;
  char kid[VOUCH_TOKEN_KID_LEN + 1];
  char stem[32]; /* file name stem "<ALG>-<hex16>"; "" if external */
  int64_t created;
  bool external; /* from add_external: memory only */
  bool retired;
  int64_t retired_at;
  bool dropped;     /* publication over and pruned from the index */
  char *header_b64; /* owned: base64url of the JWS header */
  size_t header_b64_len;
} vouch_ks_key;

struct vouch_keystore {
  char *keys_dir; /* <state_dir>/keys */
  char *issuer;   /* normalized public URL, "" when none */
  int64_t lifetime;
  int64_t fixed_now; /* 0: real clock */
  bool read_only;
  pthread_rwlock_t lock; /* guards the fields below */
  vouch_ks_key **keys;   /* never shrinks before close */
  size_t num_keys, cap_keys;
  vouch_ks_key *active[VOUCH_JWS_ALG_COUNT];
};

int64_t vouch_ks_now(const struct vouch_keystore *ks);
/* vouch_ks_published: the key is in the JWKS at |now| (read lock held). */
bool vouch_ks_published(const struct vouch_keystore *ks, const vouch_ks_key *k, int64_t now);

#endif /* VOUCH_TOKEN_INTERNAL_H */
