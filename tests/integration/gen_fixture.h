/* tests/integration/gen_fixture.h - one generated platform and everything
 * needed to verify its quotes: the test PKI, the platform, its collateral
 * (an UpToDate TCB Info and the QE identity, SGX or TDX) parsed as a bundle,
 * and the anchors holding the test root.  Include after <cmocka.h>. */
#ifndef VOUCH_TESTS_GEN_FIXTURE_H
#define VOUCH_TESTS_GEN_FIXTURE_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/dcap/dcap.h"

typedef struct {
  vouch_gen_pki *pki;
  vouch_gen_platform *pl;
  struct vouch_anchors *anchors;
  vouch_dcap_collateral coll;
} gen_fixture;

/* gen_fixture_init builds it at |now| from |seed| (a TDX platform, TD_QE
 * identity and TDX TCB Info when |tdx|); fails the test on any error. */
void gen_fixture_init(gen_fixture *f, int64_t now, uint64_t seed, bool tdx);
void gen_fixture_cleanup(gen_fixture *f);

#endif /* VOUCH_TESTS_GEN_FIXTURE_H */
