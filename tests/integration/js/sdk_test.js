// The official Azure Attestation JS SDK (@azure/attestation, pinned in
// package.json / package-lock.json) against vouch serve.  Run by
// tests/integration/test_server_sdk.sh, which starts the servers and passes:
//   VOUCH_HTTP_URL   one backend's plain http URL (127.0.0.1)
//   VOUCH_HTTPS_URL  the nginx TLS front (NODE_EXTRA_CA_CERTS trusts its CA)
//   VOUCH_PUBLIC_URL the servers' --public-url: the tokens' issuer
//   VOUCH_PIDS       the backends' pids (SIGHUP after a policy change)
//   VOUCH_ADMIN      the admin bearer token
//   VOUCH_QUOTE      the real SGX vector's quote file; VOUCH_MRSIGNER its MRSIGNER
//   VOUCH_OTHER_CERT a PEM certificate that did not sign anything
// Prints "ok: ..." per check; exits 1 on the first failure.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const {
  AttestationClient,
  AttestationAdministrationClient,
  createAttestationPolicyToken
} = require("@azure/attestation");

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const HTTP = env("VOUCH_HTTP_URL");
const HTTPS = env("VOUCH_HTTPS_URL");
const PUBLIC = env("VOUCH_PUBLIC_URL");
const PIDS = env("VOUCH_PIDS").split(/\s+/).map(Number);
const ADMIN = env("VOUCH_ADMIN");
const QUOTE = fs.readFileSync(env("VOUCH_QUOTE"));
const MRSIGNER = env("VOUCH_MRSIGNER");
const OTHER_CERT = fs.readFileSync(env("VOUCH_OTHER_CERT"), "utf8");

let failed = 0;
function ok(msg) {
  console.log(`ok: ${msg}`);
}
function check(cond, msg, detail) {
  if (cond) return ok(msg);
  failed++;
  console.error(`FAIL: ${msg}${detail !== undefined ? ": " + JSON.stringify(detail) : ""}`);
}
async function throws(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every check the SDK makes, on: signature with the /certs signer picked by
// kid, exp and nbf (no slack), issuer.  The callback records which signer
// the SDK found, so a pass is known to come from a verified signature.
const seen = [];
const validationOptions = {
  validateToken: true,
  validateExpirationTime: true,
  validateNotBeforeTime: true,
  validateIssuer: true,
  expectedIssuer: PUBLIC,
  validateAttestationToken: (token, signer) => {
    seen.push({ alg: token.algorithm, kid: token.keyId, signer: signer && signer.keyId });
    return [];
  }
};
const lastSeen = () => seen[seen.length - 1] || {};

async function attestationClient() {
  // ---- AttestationClient over plain http: allowInsecureConnection ----------------------
  const client = new AttestationClient(HTTP, { allowInsecureConnection: true, validationOptions });

  const meta = await client.getOpenIdMetadata();
  check(meta.issuer === PUBLIC && meta.jwks_uri === PUBLIC + "/certs",
        "getOpenIdMetadata: issuer and jwks_uri name the public URL", meta);

  const signers = await client.getAttestationSigners();
  check(signers.length >= 1 && signers.every((s) => s.keyId && s.certificates.length >= 1),
        `getAttestationSigners: ${signers.length} signer(s), each with a kid and a certificate`);

  const res = await client.attestSgxEnclave(QUOTE);
  const body = res.body;
  const s = lastSeen();
  check(s.alg === "RS256" && s.kid && s.signer === s.kid &&
        signers.some((x) => x.keyId === s.kid),
        "attestSgxEnclave: the SDK verified the RS256 token with the /certs signer of its kid", s);
  check(body.verifierType === "sgx" && body.mrSigner === MRSIGNER && body.isDebuggable === false &&
        body.issuer === PUBLIC && body.version === "1.0",
        "attestSgxEnclave: the SDK's AttestationResult has the vector's claims",
        { verifierType: body.verifierType, mrSigner: body.mrSigner, issuer: body.issuer });
  check(res.token.algorithm === "RS256" && res.token.issuer === PUBLIC &&
        res.token.expiresOn > new Date() && res.token.notBefore <= new Date(),
        "attestSgxEnclave: the token's exp and nbf are about now (real time, not --at)");

  // The same token against the signers: accepted; against a certificate that
  // did not sign it: refused.  The SDK's validation is a real check.
  check(res.token.getTokenProblems(signers, validationOptions).length === 0,
        "the token checks out against getAttestationSigners()");
  const forged = [{ keyId: res.token.keyId, certificates: [OTHER_CERT] }];
  const problems = res.token.getTokenProblems(forged, { validateToken: true });
  check(problems.some((p) => /not properly signed/.test(p)),
        "against another certificate under the same kid the SDK refuses it", problems);
  const wrongIss = new AttestationClient(HTTP, {
    allowInsecureConnection: true,
    validationOptions: { ...validationOptions, expectedIssuer: "https://someone-else.example" }
  });
  let e = await throws(wrongIss.attestSgxEnclave(QUOTE));
  check(e && /issuer/.test(e.message), "a client expecting another issuer refuses the token",
        e && e.message);

  // Open Enclave: the OE report is a 16-byte header (version 1, type 2 =
  // remote, the quote's size), then the quote.
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32LE(1, 0);
  hdr.writeUInt32LE(2, 4);
  hdr.writeBigUInt64LE(BigInt(QUOTE.length), 8);
  const oe = await client.attestOpenEnclave(Buffer.concat([hdr, QUOTE]));
  check(oe.body.mrSigner === MRSIGNER && lastSeen().signer === oe.token.keyId,
        "attestOpenEnclave (OE report around the quote): a verified token, the same claims");

  // A draft policy: an unsigned token (alg none), which the SDK accepts as such.
  const draft = await client.attestSgxEnclave(QUOTE, {
    draftPolicyForAttestation:
      'version=1.0; authorizationrules { => permit(); }; issuancerules { ' +
      'c:[type=="x-ms-sgx-mrsigner"] => issue(type="draft-signer", value=c.value); };'
  });
  check(draft.token.algorithm === "none" && draft.token.getBody()["draft-signer"] === MRSIGNER,
        "draftPolicyForAttestation: an unsigned (alg none) token with the draft's claim");

  // runtimeData: the vector's REPORTDATA is "Hello, world!" zero-padded, so no
  // runtime data can bind to it: the SDK gets vouch's 400 as a RestError.
  e = await throws(client.attestSgxEnclave(QUOTE, { runTimeData: Buffer.from("not bound") }));
  check(e && e.statusCode === 400 && e.code === "InvalidParameter",
        "runTimeData not bound in REPORTDATA: RestError 400 InvalidParameter",
        e && { statusCode: e.statusCode, code: e.code, message: e.message });

  // The SDK itself refuses a bearer token over plain http: why the
  // administration client goes through the TLS front.
  const credential = { getToken: async () => ({ token: ADMIN, expiresOnTimestamp: Date.now() + 3600e3 }) };
  e = await throws(new AttestationAdministrationClient(HTTP, credential, { allowInsecureConnection: false })
    .getPolicy("SgxEnclave"));
  check(e && /TLS|https/i.test(e.message),
        "AttestationAdministrationClient over plain http: the SDK refuses to send the bearer token",
        e && e.message);
}

async function reloadAll() {
  // What `systemctl reload 'vouch@*'` does: every instance rereads the
  // policies the one that took the write stored in the shared state dir.
  for (const pid of PIDS) process.kill(pid, "SIGHUP");
  await sleep(300);
}

async function administrationClient() {
  // ---- through the nginx TLS front, with a credential giving the admin token ----------
  let asked = 0;
  const credential = {
    getToken: async (scopes) => {
      asked++;
      return { token: ADMIN, expiresOnTimestamp: Date.now() + 3600e3 };
    }
  };
  const admin = new AttestationAdministrationClient(HTTPS, credential, { validationOptions });

  const before = await admin.getPolicy("SgxEnclave");
  check(typeof before.body === "string" && /authorizationrules/.test(before.body) &&
        lastSeen().signer === before.token.keyId && asked >= 1,
        "getPolicy over https with the credential: the default policy, in a verified token");

  const POLICY =
    'version=1.0; authorizationrules { => permit(); }; issuancerules { ' +
    'c:[type=="x-ms-sgx-mrsigner"] => issue(type="sdk-test-signer", value=c.value); };';
  const set = await admin.setPolicy("SgxEnclave", POLICY);
  const sent = createAttestationPolicyToken(POLICY).serialize();
  const hash = crypto.createHash("sha256").update(sent).digest();
  check(set.body.policyResolution === "Updated" &&
        Buffer.from(set.body.policyTokenHash).equals(hash) &&
        lastSeen().signer === set.token.keyId,
        "setPolicy: Updated, x-ms-policy-token-hash = SHA-256 of the JWS the SDK sent",
        { resolution: set.body.policyResolution });

  await reloadAll();
  // Two reads: nginx's round robin sends them to both backends.
  for (const i of [1, 2]) {
    const got = await admin.getPolicy("SgxEnclave");
    check(got.body === POLICY, `getPolicy after setPolicy (#${i}): the policy byte for byte`, got.body);
  }

  // The SDK's AttestationClient over https (no allowInsecureConnection) gets
  // tokens issued under the new policy, with every check on.
  const tls = new AttestationClient(HTTPS, { validationOptions });
  for (const i of [1, 2]) {
    const r = await tls.attestSgxEnclave(QUOTE);
    check(r.token.getBody()["sdk-test-signer"] === MRSIGNER && lastSeen().signer === r.token.keyId,
          `attestSgxEnclave over https (#${i}): verified, with the new policy's claim`);
  }

  const reset = await admin.resetPolicy("SgxEnclave");
  check(reset.body.policyResolution === "Removed" && lastSeen().signer === reset.token.keyId,
        "resetPolicy: Removed, in a verified token", reset.body.policyResolution);
  await reloadAll();
  for (const i of [1, 2]) {
    const got = await admin.getPolicy("SgxEnclave");
    check(got.body === before.body, `getPolicy after resetPolicy (#${i}): the default again`);
  }

  const wrong = new AttestationAdministrationClient(HTTPS, {
    getToken: async () => ({ token: "not-the-admin-token", expiresOnTimestamp: Date.now() + 3600e3 })
  }, { validationOptions });
  const e = await throws(wrong.setPolicy("SgxEnclave", POLICY));
  check(e && e.statusCode === 401, "setPolicy with a wrong bearer token: RestError 401",
        e && { statusCode: e.statusCode, code: e.code, message: e.message });
}

(async () => {
  await attestationClient();
  await administrationClient();
  if (failed) {
    console.error(`${failed} SDK check(s) failed`);
    process.exit(1);
  }
  console.log("all SDK checks passed");
})().catch((e) => {
  console.error("FAIL: the SDK threw:", e && e.stack ? e.stack : e);
  if (e && e.statusCode) console.error("status", e.statusCode, "code", e.code);
  process.exit(1);
});
