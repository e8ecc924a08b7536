/* policy/internal.h - private to the policy module: the compiled form.
 *
 * Everything lives in flat arrays indexed by 32-bit offsets, so a compiled
 * policy is a handful of allocations and evaluation walks it without
 * pointer chasing.  Claim types named by the policy are interned: a test
 * `type == "x-ms-sgx-mrsigner"` is an integer comparison at run time. */
#ifndef VOUCH_POLICY_INTERNAL_H
#define VOUCH_POLICY_INTERNAL_H

#include <stdatomic.h>

#include "policy/policy.h"

typedef enum { SEC_CONFIG, SEC_AUTHZ, SEC_ISSUANCE, SEC_COUNT } pol_section;

typedef enum { PROP_TYPE, PROP_VALUE, PROP_ISSUER, PROP_VALUETYPE } pol_prop;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } pol_op;

typedef enum {
  FN_JMESPATH,
  FN_JSON_TO_CLAIM_VALUE,
  FN_IS_SUBSET_OF,
  FN_APPEND_STRING,
  FN_NEGATE_BOOL,
  FN_CONTAINS_ONLY_VALUE,
  FN_COUNT,
} pol_func;

typedef enum { EX_LITERAL, EX_REF, EX_CALL } pol_expr_kind;

typedef struct {
  pol_expr_kind kind;
  uint8_t prop;      /* EX_REF: which property of the bound claim */
  uint8_t func;      /* EX_CALL */
  uint8_t nargs;     /* EX_CALL */
  uint16_t slot;     /* EX_REF: the condition (index in its rule) that bound it */
  uint32_t args;     /* EX_CALL: index of the first argument in pol->args */
  vouch_pval lit;    /* EX_LITERAL; strings point into pol->strings */
  uint32_t str_off;  /* EX_LITERAL string: offset in pol->strings (lit.s is
                        set once parsing is over and the buffer is final) */
  uint16_t lit_type; /* EX_LITERAL string: its interned type id (type tests) */
  uint32_t line, col;
} pol_expr;

typedef struct {
  uint8_t prop, op;
  uint32_t expr;
} pol_test;

typedef struct {
  bool negated;      /* `![...]`: true iff no claim matches */
  bool labelled;
  uint16_t type_id;  /* a `type == "literal"` test (fast path), else NO_TYPE */
  uint32_t tests;    /* first test in pol->tests */
  uint16_t num_tests;
} pol_cond;

typedef enum { ACT_PERMIT, ACT_DENY, ACT_ADD, ACT_ISSUE, ACT_ISSUEPROPERTY } pol_action_kind;

typedef struct {
  pol_action_kind kind;
  bool copy_claim;   /* claim=LABEL */
  uint16_t slot;     /* copy_claim: the condition that bound it */
  uint32_t type_expr, value_expr;
  int8_t value_type; /* -1, or the vouch_pval_kind that valueType= asks for */
} pol_action;

typedef struct {
  uint32_t conds;    /* first condition in pol->conds */
  uint16_t num_conds;
  pol_action action;
  uint32_t line;     /* where the rule starts, for errors and the dump */
} pol_rule;

typedef struct {
  bool present;
  uint32_t rules, num_rules;
} pol_sec;

typedef struct {
  uint32_t off, len; /* in pol->strings */
  uint32_t hash;
} pol_type;

struct vouch_policy {
  atomic_int refs;
  char *text;
  size_t text_len;
  int version; /* 10, 11, 12 */
  bool reads_any_claim; /* a condition without a literal type test */
  char hash[VOUCH_POLICY_HASH_LEN + 1];
  pol_sec sections[SEC_COUNT];

  pol_rule *rules;
  size_t num_rules, cap_rules;
  pol_cond *conds;
  size_t num_conds, cap_conds;
  pol_test *tests;
  size_t num_tests, cap_tests;
  pol_expr *exprs;
  size_t num_exprs, cap_exprs;
  uint32_t *args;
  size_t num_args, cap_args;
  char *strings; /* decoded literals and interned type names */
  size_t strings_len, cap_strings;

  pol_type *types;
  size_t num_types, cap_types;
  uint16_t *type_index; /* open addressing over types, size type_index_cap */
  size_t type_index_cap;
};

/* Interning (policy.c). */
uint32_t pol_hash(const char *s, size_t len);
VOUCH_MUST_CHECK vouch_status pol_intern(struct vouch_policy *p, const char *s, size_t len,
                                         uint16_t *id);
const char *pol_type_name(const struct vouch_policy *p, uint16_t id, size_t *len);

/* The parser (parse.c) fills |p| from p->text. */
VOUCH_MUST_CHECK vouch_status pol_parse(struct vouch_policy *p, vouch_policy_pos *where,
                                        vouch_err *err);

const char *pol_func_name(pol_func f);
const char *pol_prop_name(pol_prop pr);
const char *pol_op_name(pol_op op);
const char *pol_pval_kind_name(vouch_pval_kind k); /* valueType names */

#endif /* VOUCH_POLICY_INTERNAL_H */
