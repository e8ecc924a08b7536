/* tests/integration/gen_fixture.c - see gen_fixture.h. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include "gen_fixture.h"

void gen_fixture_init(gen_fixture *f, int64_t now, uint64_t seed, bool tdx) {
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = now, .seed = seed};
  assert_int_equal(vouch_gen_pki_new(&po, &f->pki, &err), VOUCH_OK);
  vouch_gen_platform_opts plo;
  if (tdx) {
    vouch_gen_tdx_platform_opts_default(&plo);
  } else {
    vouch_gen_platform_opts_default(&plo);
  }
  assert_int_equal(vouch_gen_platform_new(f->pki, &plo, &f->pl, &err), VOUCH_OK);
  vouch_gen_tcb_info_opts to;
  if (tdx) {
    vouch_gen_tdx_tcb_info_opts_default(&to, f->pl, "UpToDate", "UpToDate");
  } else {
    vouch_gen_tcb_info_opts_default(&to, f->pl, "UpToDate");
  }
  vouch_gen_tcb_info *ti;
  assert_int_equal(vouch_gen_tcb_info_new(f->pki, &to, &ti, &err), VOUCH_OK);
  vouch_gen_qe_identity_opts qo;
  if (tdx) {
    vouch_gen_td_qe_identity_opts_default(&qo);
  } else {
    vouch_gen_qe_identity_opts_default(&qo);
  }
  vouch_gen_qe_identity *qe;
  assert_int_equal(vouch_gen_qe_identity_new(f->pki, &qo, &qe, &err), VOUCH_OK);
  vouch_buf bundle = {0}, anchor = {0};
  assert_int_equal(vouch_gen_bundle_json(f->pki, f->pl, ti, qe, NULL, &bundle, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_pki_root_pem(f->pki, &anchor), VOUCH_OK);
  f->anchors = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_pem(f->anchors, anchor.data, anchor.len, &err), VOUCH_OK);
  assert_int_equal(vouch_dcap_collateral_from_json(bundle.data, bundle.len, &f->coll, &err),
                   VOUCH_OK);
  vouch_buf_free(&bundle);
  vouch_buf_free(&anchor);
  vouch_gen_tcb_info_free(ti);
  vouch_gen_qe_identity_free(qe);
}

void gen_fixture_cleanup(gen_fixture *f) {
  vouch_dcap_collateral_cleanup(&f->coll);
  vouch_anchors_free(f->anchors);
  vouch_gen_platform_free(f->pl);
  vouch_gen_pki_free(f->pki);
}
