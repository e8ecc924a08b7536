/* tools/cmd_token.c - `vouch token`: the signing keys of the state
 * directory (print the JWKS, rotate), signing a claims object, and
 * checking a token as a relying party would. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token/token.h"
#include "tools/commands.h"

/* Exit codes: the CLI's (tools/vouch.c), plus 1 for a rejected token. */
enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 3, EXIT_SETUP = 4 };

static const char kTokenHelp[] =
    "usage: vouch token <subcommand> [options]\n"
    "\n"
    "Attestation tokens (JWTs, as Azure Attestation issues them) and their signing keys.\n"
    "\n"
    "subcommands:\n"
    "  jwks     print the JWKS: the public keys relying parties check tokens with\n"
    "  rotate   make a new signing key; the previous one stays published for a token lifetime\n"
    "  sign     sign a JSON claims object into a token (for tests and relying-party load tests)\n"
    "  verify   check a token as a relying party and print its claims\n"
    "\n"
    "Signing keys live in the state directory (--state-dir, default $VOUCH_STATE_DIR, else\n"
    "$XDG_DATA_HOME/vouch, else ~/.local/share/vouch), under keys/: one key per algorithm,\n"
    "made on first use (mode 0600), each with a self-signed certificate.  The key material\n"
    "is never printed or logged.\n"
    "\n"
    "Run 'vouch token <subcommand> --help' for its options.\n"
    "\n"
    "exit codes:\n"
    "  0  done (verify: the token is valid)\n"
    "  1  verify: the token is rejected\n"
    "  3  bad command line\n"
    "  4  cannot read or write the state directory or an input file\n";

static const char kJwksHelp[] =
    "usage: vouch token jwks [--state-dir D] [--public-url URL] [--lifetime S]\n"
    "\n"
    "Prints the JWKS ({\"keys\":[...]}, what GET /certs serves): every active key, and every\n"
    "retired key whose tokens may still be valid (retired less than a token lifetime ago).\n"
    "Each key has kid, kty, its public numbers (n/e, crv/x/y or crv/x), alg, use and x5c.\n"
    "If the store has no key yet, the default RS256 key is made first.\n"
    "\n"
    "options:\n"
    "  --state-dir D      the state directory (see 'vouch token --help')\n"
    "  --public-url URL   the service's public URL: the CN of a key made now\n"
    "  --lifetime S       the token lifetime in seconds (default 28800, 8 hours)\n"
    "  --help, -h         this help\n"
    "\n"
    "Note: Gramine's Azure Attestation client refuses a JWKS that holds any non-RSA key.\n"
    "Keys for ES256, ES384 or EdDSA exist only once tokens with them were asked for.\n";

static const char kRotateHelp[] =
    "usage: vouch token rotate [--state-dir D] [--alg ALG] [--public-url URL] [--lifetime S]\n"
    "\n"
    "Makes a new signing key for ALG and prints its kid.  The previous key is retired: it\n"
    "signs nothing more but stays in the JWKS for one token lifetime, so tokens it signed\n"
    "keep verifying until they expire; after that its files are deleted at the next\n"
    "rotation.  A running 'vouch serve' picks the new key up when restarted.\n"
    "\n"
    "options:\n"
    "  --state-dir D      the state directory (see 'vouch token --help')\n"
    "  --alg ALG          RS256 (default), PS256, ES256, ES384 or EdDSA\n"
    "  --public-url URL   the service's public URL: the CN of the new key's certificate\n"
    "  --lifetime S       the token lifetime in seconds (default 28800, 8 hours)\n"
    "  --help, -h         this help\n";

static const char kSignHelp[] =
    "usage: vouch token sign [--state-dir D] [--alg ALG] [--public-url URL] PAYLOAD.json|-\n"
    "\n"
    "Signs the JSON object in PAYLOAD.json (or standard input) as it is, claims and all, and\n"
    "prints the token.  Nothing is added: put iss, iat, nbf and exp in the payload yourself.\n"
    "The header is {\"alg\":ALG,\"jku\":\"<public URL>/certs\",\"kid\":...,\"typ\":\"JWT\"} (no\n"
    "jku without --public-url).  The key for ALG is made on first use.\n"
    "\n"
    "options:\n"
    "  --state-dir D      the state directory (see 'vouch token --help')\n"
    "  --alg ALG          RS256 (default), PS256, ES256, ES384 or EdDSA\n"
    "  --public-url URL   the service's public URL, for jku (and the CN of a key made now)\n"
    "  --help, -h         this help\n";

static const char kVerifyHelp[] =
    "usage: vouch token verify [--jwks FILE | --state-dir D] [--alg-allow LIST] [--skew S]\n"
    "                          [--iss URL] TOKEN|-\n"
    "\n"
    "Checks a token (the compact JWS itself, or '-' to read it from standard input) as a\n"
    "careful relying party does, and prints its claims (the payload JSON) when it is valid:\n"
    "  - compact JWS syntax, strict base64url;\n"
    "  - the alg is on the allow-list; 'none' (unsigned) is always refused;\n"
    "  - the header's kid names a key of the JWKS (the key comes from the JWKS entry's\n"
    "    x5c[0], or its n/e or crv/x/y; never from the token), whose alg, if stated, is\n"
    "    the token's;\n"
    "  - the signature;\n"
    "  - exp (required) and nbf (if present) against the clock, with the skew;\n"
    "  - iss, when --iss is given.\n"
    "\n"
    "options:\n"
    "  --jwks FILE        the JWKS document (what GET /certs returns)\n"
    "  --state-dir D      or: the published keys of this state directory (read-only; the\n"
    "                     default when --jwks is not given)\n"
    "  --alg-allow LIST   comma-separated algs to accept (default: RS256,PS256,ES256,ES384,\n"
    "                     EdDSA); none cannot be allowed\n"
    "  --skew S           clock skew tolerated on exp and nbf, in seconds (default 60)\n"
    "  --iss URL          require this exact iss claim\n"
    "  --lifetime S       with --state-dir: the token lifetime that bounds how long retired\n"
    "                     keys stay published (default 28800)\n"
    "  --help, -h         this help\n"
    "\n"
    "exit codes:\n"
    "  0  the token is valid; its claims are on standard output\n"
    "  1  the token is rejected; the reason is on standard error\n"
    "  3  bad command line\n"
    "  4  cannot read the JWKS, the state directory or standard input\n";

static void usage_error(const char *sub, const char *fmt, ...) VOUCH_PRINTF(2, 3);
static void usage_error(const char *sub, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "vouch token%s%s: ", sub ? " " : "", sub ? sub : "");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nRun 'vouch token%s%s --help' for usage.\n", sub ? " " : "", sub ? sub : "");
  va_end(ap);
}

/* The options of all subcommands; each subcommand accepts a subset. */
enum {
  O_STATE_DIR = 256,
  O_PUBLIC_URL,
  O_ALG,
  O_LIFETIME,
  O_JWKS,
  O_ALG_ALLOW,
  O_SKEW,
  O_ISS,
};

typedef struct {
  const char *state_dir, *public_url, *jwks, *iss;
  vouch_jws_alg alg;
  int64_t lifetime;
  int64_t skew;
  vouch_jws_alg allow[VOUCH_JWS_ALG_COUNT];
  size_t num_allow;
  bool allow_given;
  const char *arg; /* the one positional argument, if any */
} token_opts;

/* parse_alg reads a signing alg name; none is refused. */
static bool parse_alg(const char *sub, const char *s, vouch_jws_alg *out) {
  if (vouch_jws_alg_from_name(s, strlen(s), out) != VOUCH_OK || *out == VOUCH_JWS_NONE) {
    usage_error(sub, "unknown alg '%s': give RS256, PS256, ES256, ES384 or EdDSA%s", s,
                strcmp(s, "none") == 0 ? " (unsigned tokens are never made or accepted)" : "");
    return false;
  }
  return true;
}

static bool parse_allow(const char *sub, const char *list, token_opts *o) {
  o->allow_given = true;
  o->num_allow = 0;
  const char *p = list;
  for (;;) {
    size_t len = strcspn(p, ",");
    char name[16];
    if (len == 0 || len >= sizeof(name)) {
      usage_error(sub, "--alg-allow '%s': give a comma-separated list such as RS256,ES256", list);
      return false;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    vouch_jws_alg a;
    if (!parse_alg(sub, name, &a)) return false;
    bool dup = false;
    for (size_t i = 0; i < o->num_allow; i++) dup = dup || o->allow[i] == a;
    if (!dup) o->allow[o->num_allow++] = a;
    if (p[len] == '\0') break;
    p += len + 1;
  }
  return true;
}

/* parse_opts reads the options |sub| accepts (|accepts| lists O_* values,
 * 0-terminated) and at most one positional argument. */
static int parse_opts(const char *sub, const int *accepts, int argc, char **argv, token_opts *o,
                      const char *help) {
  static const struct option kOpts[] = {{"state-dir", required_argument, NULL, O_STATE_DIR},
                                        {"public-url", required_argument, NULL, O_PUBLIC_URL},
                                        {"alg", required_argument, NULL, O_ALG},
                                        {"lifetime", required_argument, NULL, O_LIFETIME},
                                        {"jwks", required_argument, NULL, O_JWKS},
                                        {"alg-allow", required_argument, NULL, O_ALG_ALLOW},
                                        {"skew", required_argument, NULL, O_SKEW},
                                        {"iss", required_argument, NULL, O_ISS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof(*o));
  o->alg = VOUCH_JWS_RS256;
  o->lifetime = VOUCH_TOKEN_DEFAULT_LIFETIME;
  o->skew = VOUCH_TOKEN_DEFAULT_SKEW;
  uint64_t v = 0;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", kOpts, NULL)) != -1) {
    bool ok = c == 'h' || c == ':' || c == '?';
    for (const int *a = accepts; *a && !ok; a++) ok = *a == c;
    if (!ok) {
      usage_error(sub, "option '%s' does not apply to 'token %s'", argv[optind - 1], sub);
      return EXIT_USAGE;
    }
    switch (c) {
      case O_STATE_DIR:
        o->state_dir = optarg;
        break;
      case O_PUBLIC_URL:
        o->public_url = optarg;
        break;
      case O_ALG:
        if (!parse_alg(sub, optarg, &o->alg)) return EXIT_USAGE;
        break;
      case O_LIFETIME:
        if (!vouch_parse_count(optarg, 1, UINT64_C(31536000), &v)) {
          usage_error(sub, "--lifetime '%s': give seconds from 1 to 31536000 (a year)", optarg);
          return EXIT_USAGE;
        }
        o->lifetime = (int64_t)v;
        break;
      case O_JWKS:
        o->jwks = optarg;
        break;
      case O_ALG_ALLOW:
        if (!parse_allow(sub, optarg, o)) return EXIT_USAGE;
        break;
      case O_SKEW:
        if (!vouch_parse_count(optarg, 0, 86400, &v)) {
          usage_error(sub, "--skew '%s': give seconds from 0 to 86400", optarg);
          return EXIT_USAGE;
        }
        o->skew = (int64_t)v;
        break;
      case O_ISS:
        o->iss = optarg;
        break;
      case 'h':
        fputs(help, stdout);
        return EXIT_OK;
      case ':':
        usage_error(sub, "%s needs a value", argv[optind - 1]);
        return EXIT_USAGE;
      default:
        usage_error(sub, "unknown option '%s'", argv[optind - 1]);
        return EXIT_USAGE;
    }
  }
  if (optind < argc) o->arg = argv[optind++];
  if (optind < argc) {
    usage_error(sub, "unexpected argument '%s'", argv[optind]);
    return EXIT_USAGE;
  }
  return -1; /* go on */
}

/* state_dir returns --state-dir or the default one. */
static const char *state_dir(const token_opts *o, char *buf, size_t cap) {
  if (o->state_dir != NULL) return o->state_dir;
  vouch_err err = {0};
  if (vouch_default_state_dir(buf, cap, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token: %s\n", err.msg);
    return NULL;
  }
  return buf;
}

/* read_input reads a file, or standard input for "-", with leading and
 * trailing whitespace cut. */
static vouch_status read_input(const char *path, size_t max, vouch_buf *out, vouch_err *err) {
  if (strcmp(path, "-") == 0) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
      if (out->len + n > max) {
        return vouch_fail(err, VOUCH_E_LIMIT, "standard input is larger than %zu bytes", max);
      }
      vouch_buf_append(out, chunk, n);
    }
    if (ferror(stdin)) return vouch_fail(err, VOUCH_E_IO, "cannot read standard input");
  } else {
    uint8_t *data = NULL;
    size_t len = 0;
    VOUCH_GUARD(vouch_read_file(path, max, &data, &len, err));
    vouch_buf_append(out, data, len);
    free(data);
  }
  if (vouch_buf_status(out) != VOUCH_OK) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  size_t a = 0, b = out->len;
  while (a < b && strchr(" \t\r\n", out->data[a]) != NULL) a++;
  while (b > a && strchr(" \t\r\n", out->data[b - 1]) != NULL) b--;
  if (a > 0) memmove(out->data, out->data + a, b - a);
  out->len = b - a;
  if (out->data != NULL) out->data[out->len] = '\0';
  return VOUCH_OK;
}

static int open_store(const char *sub, const token_opts *o, bool read_only,
                      struct vouch_keystore **ks) {
  char buf[4096];
  const char *dir = state_dir(o, buf, sizeof(buf));
  if (dir == NULL) return EXIT_SETUP;
  vouch_keystore_opts ko = {
      .public_url = o->public_url, .lifetime_s = o->lifetime, .read_only = read_only};
  vouch_err err = {0};
  if (vouch_keystore_open(dir, &ko, ks, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token %s: %s\n", sub, err.msg);
    return EXIT_SETUP;
  }
  return -1;
}

static int token_jwks(int argc, char **argv) {
  static const int kAccepts[] = {O_STATE_DIR, O_PUBLIC_URL, O_LIFETIME, 0};
  token_opts o;
  int rc = parse_opts("jwks", kAccepts, argc, argv, &o, kJwksHelp);
  if (rc >= 0) return rc;
  if (o.arg != NULL) {
    usage_error("jwks", "unexpected argument '%s'", o.arg);
    return EXIT_USAGE;
  }
  struct vouch_keystore *ks = NULL;
  if ((rc = open_store("jwks", &o, false, &ks)) >= 0) return rc;
  vouch_err err = {0};
  vouch_buf out;
  vouch_buf_init(&out, 0);
  rc = EXIT_SETUP;
  if (vouch_keystore_algs(ks, NULL, 0) == 0 &&
      vouch_keystore_signer(ks, VOUCH_JWS_RS256, NULL, NULL, NULL, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token jwks: %s\n", err.msg);
  } else if (vouch_keystore_jwks(ks, &out) != VOUCH_OK) {
    fprintf(stderr, "vouch token jwks: cannot build the JWKS\n");
  } else {
    printf("%s\n", vouch_buf_cstr(&out));
    rc = EXIT_OK;
  }
  vouch_buf_free(&out);
  vouch_keystore_close(ks);
  return rc;
}

static int token_rotate(int argc, char **argv) {
  static const int kAccepts[] = {O_STATE_DIR, O_PUBLIC_URL, O_ALG, O_LIFETIME, 0};
  token_opts o;
  int rc = parse_opts("rotate", kAccepts, argc, argv, &o, kRotateHelp);
  if (rc >= 0) return rc;
  if (o.arg != NULL) {
    usage_error("rotate", "unexpected argument '%s'", o.arg);
    return EXIT_USAGE;
  }
  struct vouch_keystore *ks = NULL;
  if ((rc = open_store("rotate", &o, false, &ks)) >= 0) return rc;
  vouch_err err = {0};
  const char *kid = NULL;
  if (vouch_keystore_rotate(ks, o.alg, &kid, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token rotate: %s\n", err.msg);
    rc = EXIT_SETUP;
  } else {
    printf("%s %s\n", vouch_jws_alg_name(o.alg), kid);
    rc = EXIT_OK;
  }
  vouch_keystore_close(ks);
  return rc;
}

/* is_json_object checks |text| is one JSON object (the base scanner
 * validates the syntax of every member as it goes). */
static bool is_json_object(const char *text, size_t len, vouch_err *err) {
  vouch_json_members it;
  vouch_json_members_init(&it, text, len);
  for (;;) {
    vouch_json_member m;
    bool has = false;
    if (vouch_json_members_next(&it, &m, &has, err) != VOUCH_OK) return false;
    if (!has) return true;
  }
}

static int token_sign(int argc, char **argv) {
  static const int kAccepts[] = {O_STATE_DIR, O_PUBLIC_URL, O_ALG, 0};
  token_opts o;
  int rc = parse_opts("sign", kAccepts, argc, argv, &o, kSignHelp);
  if (rc >= 0) return rc;
  if (o.arg == NULL) {
    usage_error("sign", "give the payload: a JSON file, or - for standard input");
    return EXIT_USAGE;
  }
  vouch_err err = {0};
  vouch_buf payload, out;
  vouch_buf_init(&payload, 0);
  vouch_buf_init(&out, 0);
  struct vouch_keystore *ks = NULL;
  rc = EXIT_SETUP;
  if (read_input(o.arg, VOUCH_JWS_MAX_LEN / 2, &payload, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token sign: %s\n", err.msg);
    goto done;
  }
  if (payload.len == 0 || !is_json_object(payload.data, payload.len, &err)) {
    fprintf(stderr, "vouch token sign: the payload is not a JSON object%s%s\n",
            err.msg[0] ? ": " : "", err.msg);
    rc = EXIT_USAGE;
    goto done;
  }
  if ((rc = open_store("sign", &o, false, &ks)) >= 0) goto done;
  rc = EXIT_SETUP;
  if (vouch_token_sign(ks, o.alg, (const uint8_t *)payload.data, payload.len, &out, &err) !=
      VOUCH_OK) {
    fprintf(stderr, "vouch token sign: %s\n", err.msg);
    goto done;
  }
  printf("%s\n", vouch_buf_cstr(&out));
  rc = EXIT_OK;
done:
  vouch_keystore_close(ks);
  vouch_buf_free(&payload);
  vouch_buf_free(&out);
  return rc;
}

static int token_verify(int argc, char **argv) {
  static const int kAccepts[] = {O_STATE_DIR, O_JWKS, O_ALG_ALLOW, O_SKEW, O_ISS, O_LIFETIME, 0};
  token_opts o;
  int rc = parse_opts("verify", kAccepts, argc, argv, &o, kVerifyHelp);
  if (rc >= 0) return rc;
  if (o.arg == NULL) {
    usage_error("verify", "give the token, or - to read it from standard input");
    return EXIT_USAGE;
  }
  if (o.jwks != NULL && o.state_dir != NULL) {
    usage_error("verify", "give --jwks FILE or --state-dir D, not both");
    return EXIT_USAGE;
  }
  vouch_err err = {0};
  vouch_buf token, jwks, claims;
  vouch_buf_init(&token, 0);
  vouch_buf_init(&jwks, 0);
  vouch_buf_init(&claims, 0);
  struct vouch_keystore *ks = NULL;
  vouch_token_verify_opts vo;
  vouch_token_verify_opts_default(&vo);
  vo.skew_s = o.skew;
  vo.issuer = o.iss;
  if (o.allow_given) {
    vo.allowed_algs = o.allow;
    vo.num_allowed_algs = o.num_allow;
  }
  rc = EXIT_SETUP;
  if (strcmp(o.arg, "-") == 0) {
    if (read_input("-", VOUCH_JWS_MAX_LEN, &token, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch token verify: %s\n", err.msg);
      goto done;
    }
  } else {
    vouch_buf_puts(&token, o.arg);
  }
  if (o.jwks != NULL) {
    if (read_input(o.jwks, VOUCH_JWKS_MAX_LEN, &jwks, &err) != VOUCH_OK) {
      fprintf(stderr, "vouch token verify: %s\n", err.msg);
      goto done;
    }
    vo.jwks_json = jwks.data ? jwks.data : "";
    vo.jwks_len = jwks.len;
  } else {
    if ((rc = open_store("verify", &o, true, &ks)) >= 0) goto done;
    vo.keystore = ks;
  }
  if (vouch_buf_status(&token) != VOUCH_OK) {
    fprintf(stderr, "vouch token verify: out of memory\n");
    rc = EXIT_SETUP;
    goto done;
  }
  if (vouch_token_verify(token.data ? token.data : "", token.len, &vo, &claims, &err) != VOUCH_OK) {
    fprintf(stderr, "vouch token verify: rejected: %s\n", err.msg);
    if (strcmp(o.arg, "-") != 0 && access(o.arg, R_OK) == 0) {
      fprintf(stderr,
              "vouch token verify: note: '%s' is a file; TOKEN is the token itself (to read it "
              "from a file: vouch token verify - < %s)\n",
              o.arg, o.arg);
    }
    rc = err.code == VOUCH_E_NOMEM || err.code == VOUCH_E_ARG ? EXIT_SETUP : EXIT_REJECTED;
    goto done;
  }
  printf("%s\n", vouch_buf_cstr(&claims));
  rc = EXIT_OK;
done:
  vouch_keystore_close(ks);
  vouch_buf_free(&token);
  vouch_buf_free(&jwks);
  vouch_buf_free(&claims);
  return rc;
}

int vouch_cmd_token(int argc, char **argv) {
  if (argc < 2) {
    fputs(kTokenHelp, stderr);
    return EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
    fputs(kTokenHelp, stdout);
    return EXIT_OK;
  }
  if (strcmp(sub, "jwks") == 0) return token_jwks(argc - 1, argv + 1);
  if (strcmp(sub, "rotate") == 0) return token_rotate(argc - 1, argv + 1);
  if (strcmp(sub, "sign") == 0) return token_sign(argc - 1, argv + 1);
  if (strcmp(sub, "verify") == 0) return token_verify(argc - 1, argv + 1);
  usage_error(NULL, "unknown subcommand '%s' (jwks, rotate, sign, verify)", sub);
  return EXIT_USAGE;
}
