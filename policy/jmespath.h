/* policy/jmespath.h - PRIVATE header of the policy module (not installed,
 * not for use outside policy/ and its tests): the JMESPath subset that
 * Azure Attestation policy 1.2's JmesPath(json, query) function needs.
 *
 * Supported grammar (JMESPath semantics; binding powers as in the
 * reference implementation, lowest first: | , ||, &&, comparators, [],
 * [*] / *, [?], ., !, [, ( ):
 *
 *   expr    = expr "|" expr                      pipe (ends a projection)
 *           / expr "||" expr / expr "&&" expr / "!" expr / "(" expr ")"
 *           / expr cmp expr                      cmp: == != < <= > >=
 *           / expr "." ( ident / "*" / func )    sub-expression
 *           / [expr] "[" number "]"              index, negative from the end
 *           / [expr] "[*]"                       list projection
 *           / [expr] "[]"                        flatten projection
 *           / [expr] "[?" expr "]"               filter projection
 *           / [expr "."] "*"                     object-values projection
 *           / ident / "@" / func / raw-string / literal
 *   ident   = [A-Za-z_][A-Za-z0-9_]* / JSON string in double quotes
 *   func    = length(x) / contains(x, y) / starts_with(x, y) / to_string(x)
 *   raw-string = ' ... '   (\' is a quote; any other backslash is kept)
 *   literal = ` JSON `     (\` is a backtick)
 *
 * Semantics follow the JMESPath specification and, where it is silent,
 * jmespath.py: a projection ([*], [], [?], *) applies the rest of the
 * expression up to a weaker token (|, ||, &&, a comparator, []) to each
 * element and drops nulls, and is null itself on the wrong type; && and
 * || yield an operand, not a boolean; false, null, "", [] and {} are
 * false; <, <=, >, >= compare numbers only (else null); 1 == 1.0 but
 * true != 1; ! binds tighter than '.', so !a.b is (!a).b.
 *
 * Outside the subset (VOUCH_E_UNSUPPORTED, naming the construct): any
 * other function, slices [a:b:c], multi-select lists [a, b] and hashes
 * {k: v}, expression references &expr.
 *
 * The JSON input is read by jansson; duplicate member names (ambiguous
 * between parsers), NUL in member names and integers outside int64 are
 * refused with VOUCH_E_MALFORMED.
 */
#ifndef VOUCH_POLICY_JMESPATH_H
#define VOUCH_POLICY_JMESPATH_H

#include <stddef.h>

#include "base/base.h"

enum {
  VOUCH_JMESPATH_MAX_QUERY = 4096,          /* bytes of query text */
  VOUCH_JMESPATH_MAX_DEPTH = 32,            /* expression nesting (parser and tree) */
  VOUCH_JMESPATH_MAX_STEPS = 1 << 20,       /* evaluation work units, see jmespath.c */
  VOUCH_JMESPATH_MAX_JSON = 16 << 20,       /* bytes of JSON input */
  VOUCH_JMESPATH_MAX_JSON_DEPTH = 64,       /* nesting of the JSON input and literals */
};

/* vouch_jmespath evaluates |query| (a JMESPath expression of the supported
 * subset) against the JSON text |json| and appends the JSON text of the
 * result to |out| (compact, "null" when the result is null).
 * VOUCH_E_UNSUPPORTED names the first construct outside the subset;
 * VOUCH_E_MALFORMED covers syntax errors (with the column) and invalid JSON
 * input, and also the run-time errors JMESPath defines (a function given
 * an argument of the wrong type); VOUCH_E_LIMIT when the work or nesting
 * limit is hit, or |out|'s own error when |out| fails (its cap).  On
 * failure nothing stays appended to |out|. */
vouch_status vouch_jmespath(const char *json, size_t json_len, const char *query,
                            size_t query_len, vouch_buf *out, vouch_err *err);

#endif /* VOUCH_POLICY_JMESPATH_H */
