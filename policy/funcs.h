/* policy/funcs.h - private to the policy module: the version 1.2 functions
 * (spec/policy.md §11). */
#ifndef VOUCH_POLICY_FUNCS_H
#define VOUCH_POLICY_FUNCS_H

#include "policy/internal.h"

typedef struct {
  struct vouch_policy_eval *ev; /* for vouch_policy_eval_alloc */
  vouch_buf *scratch;           /* reused between calls */
  vouch_err *err;
} pol_call_ctx;

/* pol_call applies |f| to |argv| (|argro|: which arguments are read-only);
 * the result lives in the evaluation's arena.  A result is read-only when it
 * carries the content of a read-only argument.  VOUCH_E_POLICY_EVAL for an
 * argument the function does not accept. */
VOUCH_MUST_CHECK vouch_status pol_call(pol_call_ctx *cc, pol_func f, const vouch_pval *argv,
                                       const bool *argro, size_t argc, vouch_pval *out,
                                       bool *out_ro);

#endif /* VOUCH_POLICY_FUNCS_H */
