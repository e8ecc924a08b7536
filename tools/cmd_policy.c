/* tools/cmd_policy.c - vouch policy check|compile|sign: attestation
 * policies in Azure Attestation's claim-rule language. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "tools/commands.h"

enum { P_OK = 0, P_INVALID = 1, P_USAGE = 3, P_SETUP = 4 };

static const char kPolicyHelp[] =
    "usage: vouch policy check [--json] [--policy-signer PEM]... FILE\n"
    "       vouch policy compile [--policy-signer PEM]... FILE\n"
    "       vouch policy sign (--key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
    "                          [--alg RS256|PS256|ES256|ES384] | --unsigned) FILE\n"
    "       vouch policy default TYPE\n"
    "\n"
    "Attestation policies in Azure Attestation's claim-rule language, versions 1.0, 1.1 and\n"
    "1.2 (sections configurationrules, authorizationrules, issuancerules; conditions,\n"
    "permit/deny/issue/add/issueproperty; the 1.2 functions JmesPath, JsonToClaimValue,\n"
    "IsSubsetOf, AppendString, NegateBool, ContainsOnlyValue).  'vouch verify --policy FILE'\n"
    "applies one to every verified item.\n"
    "\n"
    "  check FILE      parse and compile; print the version, rule counts and the policy\n"
    "                  hash (x-ms-policy-hash); errors as FILE:LINE:COL: message.  With --json,\n"
    "                  the result or the PolicyParsingError body of the REST API\n"
    "  compile FILE    print the compiled form: rules with their source lines, conditions\n"
    "                  with resolved tests, interned claim types\n"
    "  sign FILE       wrap the policy text in the JWS that PUT /policies/{type} takes:\n"
    "                  payload {\"AttestationPolicy\": base64url(text)}, signed with KEY and\n"
    "                  CERT (plus CHAIN) in the header's x5c; the alg follows the key (RSA:\n"
    "                  RS256, P-256: ES256, P-384: ES384) unless --alg says PS256.  --unsigned\n"
    "                  makes the alg \"none\" form\n"
    "  default TYPE    print the default policy of an attestation type (SgxEnclave,\n"
    "                  OpenEnclave, SevSnpVm, TdxVm, Tpm)\n"
    "\n"
    "FILE may be the policy text, or a policy JWS as PUT /policies/{type} takes it.  An\n"
    "unsigned JWS is read like the text; a signed one must verify and its signer must be\n"
    "one of the --policy-signer certificates (or chain to one).  '-' reads standard input.\n"
    "\n"
    "Incoming claims for SGX: x-ms-sgx-is-debuggable, -mrsigner, -mrenclave, -product-id,\n"
    "-svn, -report-data, -ehd (runtime data), -collateral, the KSS claims, x-ms-attestation-type,\n"
    "x-ms-ver, the legacy $is-debuggable, $sgx-mrsigner, $sgx-mrenclave, $product-id, $svn,\n"
    "$tee, and vouch's appraisal: vouch-status, vouch-tcb-status, vouch-advisory-ids,\n"
    "vouch-fmspc, vouch-tcb-evaluation-data-number, vouch-tcb-date.\n"
    "\n"
    "exit codes: 0 valid, 1 invalid policy, 3 bad command line, 4 cannot read FILE\n";

static vouch_status read_all(const char *path, uint8_t **out, size_t *len, vouch_err *err) {
  if (strcmp(path, "-") != 0)
    return vouch_read_file(path, VOUCH_POLICY_MAX_TEXT + 4096, out, len, err);
  size_t cap = 4096, n = 0;
  uint8_t *b = malloc(cap);
  if (!b) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  for (;;) {
    if (n == cap) {
      if (cap > VOUCH_POLICY_MAX_TEXT + 4096) {
        free(b);
        return vouch_fail(err, VOUCH_E_LIMIT, "standard input: more than %d bytes",
                          VOUCH_POLICY_MAX_TEXT);
      }
      uint8_t *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
      }
      b = nb;
      cap *= 2;
    }
    size_t r = fread(b + n, 1, cap - n, stdin);
    if (r == 0) break;
    n += r;
  }
  *out = b;
  *len = n;
  return VOUCH_OK;
}

/* Trusted policy signers given on the command line. */
static struct vouch_cert *g_signers[16];
static size_t g_num_signers;

vouch_status vouch_policy_add_signer(const char *pem_path, vouch_err *err) {
  uint8_t *pem;
  size_t len;
  VOUCH_GUARD(vouch_read_file(pem_path, 1 << 20, &pem, &len, err));
  size_t n = 0;
  vouch_status s = vouch_cert_chain_from_pem((const char *)pem, len, g_signers + g_num_signers,
                                             sizeof g_signers / sizeof g_signers[0] - g_num_signers,
                                             &n, err);
  free(pem);
  if (s == VOUCH_OK) g_num_signers += n;
  return s;
}

/* load_text turns a file's bytes into policy text: as is, or out of a
 * policy JWS.  *text is malloc'd. */
static vouch_status load_text(uint8_t *data, size_t len, char **text, size_t *text_len,
                              vouch_err *err) {
  if (!vouch_policy_looks_like_jws((const char *)data, len)) {
    *text = (char *)data;
    *text_len = len;
    return VOUCH_OK;
  }
  vouch_policy_jws pj;
  vouch_status s = vouch_policy_from_jws((const char *)data, len, g_signers, g_num_signers, true,
                                         (int64_t)time(NULL), &pj, err);
  free(data);
  if (s != VOUCH_OK) {
    if (s == VOUCH_E_UNTRUSTED_ROOT && g_num_signers == 0)
      vouch_err_prefix(err, "signed policy, and no --policy-signer certificate given: ");
    return s;
  }
  *text = pj.text;
  *text_len = pj.len;
  pj.text = NULL;
  vouch_policy_jws_cleanup(&pj);
  return VOUCH_OK;
}

vouch_status vouch_load_policy(const char *path, struct vouch_policy **out, vouch_err *err) {
  uint8_t *data;
  size_t len;
  VOUCH_GUARD(read_all(path, &data, &len, err));
  char *text;
  size_t tlen;
  VOUCH_GUARD(load_text(data, len, &text, &tlen, err));
  vouch_status s = vouch_policy_compile(text, tlen, out, NULL, err);
  free(text);
  return s;
}

/* with_file_prefix rewrites "policy:L:C: msg" as "FILE:L:C: msg". */
static void print_error(const char *path, const vouch_err *err) {
  const char *m = err->msg;
  if (strncmp(m, "policy:", 7) == 0 && m[7] >= '0' && m[7] <= '9')
    fprintf(stderr, "%s:%s\n", strcmp(path, "-") == 0 ? "<stdin>" : path, m + 7);
  else
    fprintf(stderr, "%s: %s\n", strcmp(path, "-") == 0 ? "<stdin>" : path, m);
}

static int cmd_check(int argc, char **argv, bool compile) {
  static const struct option kOpts[] = {{"json", no_argument, NULL, 'j'},
                                        {"policy-signer", required_argument, NULL, 's'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", kOpts, NULL)) != -1) {
    if (c == 'j' && !compile) json = true;
    else if (c == 's') {
      vouch_err e = {0};
      if (vouch_policy_add_signer(optarg, &e) != VOUCH_OK) {
        fprintf(stderr, "vouch policy: --policy-signer %s: %s\n", optarg, e.msg);
        return P_SETUP;
      }
    } else if (c == 'h') {
      fputs(kPolicyHelp, stdout);
      return P_OK;
    } else {
      fprintf(stderr, "vouch policy: unknown option (see 'vouch policy --help')\n");
      return P_USAGE;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "vouch policy %s: give one policy FILE (or -)\n", argv[0]);
    return P_USAGE;
  }
  const char *path = argv[optind];
  uint8_t *data;
  size_t len;
  vouch_err err = {0};
  if (read_all(path, &data, &len, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch policy: %s\n", err.msg);
    return P_SETUP;
  }
  struct vouch_policy *p = NULL;
  vouch_policy_pos where = {0, 0};
  char *text;
  size_t tlen;
  vouch_status s = load_text(data, len, &text, &tlen, &err);
  if (s == VOUCH_OK) {
    s = vouch_policy_compile(text, tlen, &p, &where, &err);
    free(text);
  }
  vouch_buf b;
  vouch_buf_init(&b, 0);
  int rc = P_OK;
  if (s != VOUCH_OK) {
    if (json) {
      vouch_json j;
      vouch_json_init(&j, &b);
      vouch_json_begin_object(&j);
      vouch_json_key(&j, "error");
      vouch_json_begin_object(&j);
      vouch_json_key(&j, "code");
      vouch_json_string(&j, "PolicyParsingError");
      vouch_json_key(&j, "message");
      vouch_json_string(&j, err.msg);
      vouch_json_key(&j, "line");
      vouch_json_uint(&j, where.line);
      vouch_json_key(&j, "column");
      vouch_json_uint(&j, where.col);
      vouch_json_end_object(&j);
      vouch_json_end_object(&j);
      printf("%s\n", vouch_buf_cstr(&b));
    } else {
      print_error(path, &err);
    }
    rc = P_INVALID;
  } else if (compile) {
    vouch_policy_dump(p, &b);
    fputs(vouch_buf_cstr(&b), stdout);
  } else if (json) {
    vouch_json j;
    vouch_json_init(&j, &b);
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "valid");
    vouch_json_bool(&j, true);
    vouch_json_key(&j, "version");
    char v[32];
    snprintf(v, sizeof v, "%d.%d", vouch_policy_version(p) / 10, vouch_policy_version(p) % 10);
    vouch_json_string(&j, v);
    vouch_json_key(&j, "x-ms-policy-hash");
    vouch_json_string(&j, vouch_policy_hash(p));
    vouch_json_end_object(&j);
    printf("%s\n", vouch_buf_cstr(&b));
  } else {
    vouch_policy_dump(p, &b);
    /* The first three lines of the dump are the summary. */
    const char *t = vouch_buf_cstr(&b);
    const char *e = t;
    for (int i = 0; i < 3 && e; i++) {
      e = strchr(e, '\n');
      if (e) e++;
    }
    printf("%s: valid\n%.*s", strcmp(path, "-") == 0 ? "<stdin>" : path,
           (int)(e ? (size_t)(e - t) : strlen(t)), t);
  }
  vouch_buf_free(&b);
  vouch_policy_free(p);
  return rc;
}

static int cmd_sign(int argc, char **argv) {
  static const struct option kOpts[] = {{"key", required_argument, NULL, 'k'},
                                        {"cert", required_argument, NULL, 'c'},
                                        {"chain", required_argument, NULL, 'C'},
                                        {"alg", required_argument, NULL, 'a'},
                                        {"unsigned", no_argument, NULL, 'u'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *key = NULL, *cert = NULL, *chain = NULL, *alg_name = NULL;
  bool unsigned_jws = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", kOpts, NULL)) != -1) {
    switch (c) {
      case 'k': key = optarg; break;
      case 'c': cert = optarg; break;
      case 'C': chain = optarg; break;
      case 'a': alg_name = optarg; break;
      case 'u': unsigned_jws = true; break;
      case 'h': fputs(kPolicyHelp, stdout); return P_OK;
      default: fprintf(stderr, "vouch policy sign: unknown option\n"); return P_USAGE;
    }
  }
  if (optind != argc - 1 || (unsigned_jws ? (key || cert) : (!key || !cert))) {
    fprintf(stderr, "vouch policy sign: give --key KEY.pem --cert CERT.pem (or --unsigned) and "
                    "one policy FILE\n");
    return P_USAGE;
  }
  vouch_err err = {0};
  uint8_t *text = NULL, *kpem = NULL, *cpem = NULL, *chpem = NULL;
  size_t tlen, klen, clen, chlen = 0;
  struct vouch_signer *signer = NULL;
  struct vouch_cert *certs[9];
  size_t ncerts = 0;
  int rc = P_SETUP;
  vouch_buf out;
  vouch_buf_init(&out, 0);
  if (read_all(argv[optind], &text, &tlen, &err) != VOUCH_OK) goto fail;
  /* Sign only what compiles: a signed policy that the service would
   * refuse helps nobody. */
  struct vouch_policy *p = NULL;
  if (vouch_policy_compile((const char *)text, tlen, &p, NULL, &err) != VOUCH_OK) {
    print_error(argv[optind], &err);
    rc = P_INVALID;
    goto done;
  }
  vouch_policy_free(p);
  if (!unsigned_jws) {
    if (vouch_read_file(key, 1 << 20, &kpem, &klen, &err) != VOUCH_OK) goto fail;
    if (vouch_read_file(cert, 1 << 20, &cpem, &clen, &err) != VOUCH_OK) goto fail;
    if (chain && vouch_read_file(chain, 1 << 20, &chpem, &chlen, &err) != VOUCH_OK) goto fail;
    static const vouch_jws_alg kTry[] = {VOUCH_JWS_RS256, VOUCH_JWS_ES256, VOUCH_JWS_ES384};
    if (alg_name) {
      vouch_jws_alg a;
      if (vouch_jws_alg_from_name(alg_name, strlen(alg_name), &a) != VOUCH_OK ||
          a == VOUCH_JWS_NONE || a == VOUCH_JWS_EDDSA) {
        fprintf(stderr, "vouch policy sign: --alg takes RS256, PS256, ES256 or ES384\n");
        rc = P_USAGE;
        goto done;
      }
      if (vouch_signer_from_pem((const char *)kpem, klen, a, &signer, &err) != VOUCH_OK) goto fail;
    } else {
      for (size_t i = 0; i < 3 && !signer; i++) {
        vouch_err e = {0};
        if (vouch_signer_from_pem((const char *)kpem, klen, kTry[i], &signer, &e) != VOUCH_OK)
          signer = NULL; /* not this algorithm's key: try the next */
      }
      if (!signer) {
        vouch_fail(&err, VOUCH_E_UNSUPPORTED,
                   "%s: not an unencrypted RSA (2048 bits or more), P-256 or P-384 private key",
                   key);
        goto fail;
      }
    }
    if (vouch_cert_chain_from_pem((const char *)cpem, clen, certs, 1, &ncerts, &err) != VOUCH_OK)
      goto fail;
    if (chpem) {
      size_t more = 0;
      if (vouch_cert_chain_from_pem((const char *)chpem, chlen, certs + 1, 8, &more, &err) !=
          VOUCH_OK)
        goto fail;
      ncerts += more;
    }
    /* The certificate must be the key's: a mismatch would make a JWS that
     * no verifier accepts. */
    struct vouch_pubkey *ck = NULL;
    bool match = false;
    if (vouch_cert_pubkey(certs[0], &ck) == VOUCH_OK) {
      match = vouch_pubkey_equal(ck, vouch_signer_pubkey(signer));
      vouch_pubkey_free(ck);
    }
    if (!match) {
      vouch_fail(&err, VOUCH_E_ARG, "%s is not the certificate of the key in %s", cert, key);
      goto fail;
    }
  }
  if (vouch_policy_to_jws((const char *)text, tlen, signer, certs, ncerts, &out, &err) !=
      VOUCH_OK)
    goto fail;
  printf("%s\n", vouch_buf_cstr(&out));
  rc = P_OK;
  goto done;
fail:
  fprintf(stderr, "vouch policy sign: %s\n", err.msg);
done:
  free(text);
  if (kpem) {
    memset(kpem, 0, klen);
    free(kpem);
  }
  free(cpem);
  free(chpem);
  for (size_t i = 0; i < ncerts; i++) vouch_cert_free(certs[i]);
  vouch_signer_free(signer);
  vouch_buf_free(&out);
  return rc;
}

int vouch_cmd_policy(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(kPolicyHelp, argc < 2 ? stderr : stdout);
    return argc < 2 ? P_USAGE : P_OK;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "check") == 0) return cmd_check(argc - 1, argv + 1, false);
  if (strcmp(sub, "compile") == 0) return cmd_check(argc - 1, argv + 1, true);
  if (strcmp(sub, "sign") == 0) return cmd_sign(argc - 1, argv + 1);
  if (strcmp(sub, "default") == 0) {
    const char *t = argc == 3 ? vouch_policy_default_text(argv[2]) : NULL;
    if (!t) {
      fprintf(stderr, "vouch policy default: give one of SgxEnclave, OpenEnclave, SevSnpVm, "
                      "TdxVm, Tpm\n");
      return P_USAGE;
    }
    fputs(t, stdout);
    return P_OK;
  }
  fprintf(stderr, "vouch policy: unknown subcommand '%s' (check, compile, sign, default)\n", sub);
  return P_USAGE;
}
