/* tools/commands.h - the vouch subcommands that live in their own files.
 * Each takes argv with argv[0] = the subcommand name and returns the exit
 * code. */
#ifndef VOUCH_TOOLS_COMMANDS_H
#define VOUCH_TOOLS_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "engine/engine.h"

/* vouch_parse_count reads a command-line count: decimal digits only, in
 * [lo, hi] (tools/vouch.c). */
bool vouch_parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* vouch gen sgx ...: synthetic evidence (tools/cmd_gen.c). */
int vouch_cmd_gen(int argc, char **argv);
/* vouch gen tpm ...: TPM quotes with software AKs (tools/cmd_gen_tpm.c). */
int vouch_cmd_gen_tpm(int argc, char **argv);
/* vouch gen snp ...: SEV-SNP reports, VCEKs and their collateral directory
 * (tools/cmd_gen_snp.c). */
int vouch_cmd_gen_snp(int argc, char **argv);

/* vouch token jwks|rotate|sign|verify: signing keys and tokens (tools/cmd_token.c). */
int vouch_cmd_token(int argc, char **argv);

/* vouch policy check|compile|sign (tools/cmd_policy.c). */
int vouch_cmd_policy(int argc, char **argv);

struct vouch_policy;
/* vouch_load_policy reads and compiles a policy file: policy text, or a
 * policy JWS as PUT /policies takes it (tools/cmd_policy.c).  Errors name
 * the line and column. */
vouch_status vouch_load_policy(const char *path, struct vouch_policy **out, vouch_err *err);
/* vouch_policy_add_signer trusts the certificates of a PEM file as policy
 * signers for vouch_load_policy. */
vouch_status vouch_policy_add_signer(const char *pem_path, vouch_err *err);

/* vouch serve ...: the Azure Attestation-compatible HTTP API (tools/cmd_serve.c). */
int vouch_cmd_serve(int argc, char **argv);

/* vouch loadgen ...: open-loop load against a server or a relying party (tools/cmd_loadgen.c). */
int vouch_cmd_loadgen(int argc, char **argv);

/* What verify and serve load before verifying (tools/setup.c). */
typedef struct {
  struct vouch_anchors *anchors;
  vouch_dcap_collateral bundle;
  bool has_bundle;
  struct vouch_colldir *dir;
  vouch_dcap_source source;
  vouch_snp_source snp_source; /* the directory's VCEKs/VLEKs (with |dir|) */
} vouch_verify_setup;

/* vouch_setup_load loads the built-in Intel SGX Root CA and the PEM files
 * |anchors| (--trust-anchor), and the collateral (--collateral): one
 * collateral.json bundle, one collateral directory, or several bundles or
 * PCS documents (merged through a temporary collateral directory, so each
 * quote finds its own by FMSPC, CA type and instant).  Errors name the
 * option and the file. */
vouch_status vouch_setup_load(vouch_verify_setup *s, const char *const *anchors,
                              size_t num_anchors, const char *const *collateral,
                              size_t num_collateral, vouch_err *err);
void vouch_setup_free(vouch_verify_setup *s);

#endif /* VOUCH_TOOLS_COMMANDS_H */
