/* tests/unit/dcap/test_tcb_info.c - vouch_tcb_info_parse and
 * vouch_qe_identity_parse on the shared vectors' collateral, on small
 * hand-written documents, and on mutations of those that must fail with a
 * message naming the field. */
#include <jansson.h>

#include "tests/unit/dcap/dcap_vectors.h"
#include "verifiers/dcap/dcap.h"

/* ---- helpers ------------------------------------------------------------ */

/* collateral_text loads <dir>/collateral.json and returns a malloc'd copy
 * of the string under |key| (the exact signed JSON text), or skips. */
static char *collateral_text(const char *dir, const char *key, size_t *out_len) {
  char rel[256];
  snprintf(rel, sizeof(rel), "%s/collateral.json", dir);
  size_t len = 0;
  uint8_t *buf;
  VECTOR_OR_SKIP(buf, len, rel);
  json_error_t je;
  json_t *root = json_loadb((const char *)buf, len, 0, &je);
  free(buf);
  assert_non_null(root);
  json_t *v = json_object_get(root, key);
  assert_true(json_is_string(v));
  *out_len = json_string_length(v);
  char *out = strdup(json_string_value(v));
  assert_non_null(out);
  json_decref(root);
  return out;
}

/* replace returns a malloc'd copy of |src| with the first |from| replaced
 * by |to|; |from| must occur. */
static char *replace(const char *src, const char *from, const char *to) {
  const char *at = strstr(src, from);
  if (at == NULL) {
    print_error("\"%s\" not found in the test document\n", from);
    fail();
  }
  size_t pre = (size_t)(at - src), fl = strlen(from), tl = strlen(to), sl = strlen(src);
  char *out = malloc(sl - fl + tl + 1);
  assert_non_null(out);
  memcpy(out, src, pre);
  memcpy(out + pre, to, tl);
  memcpy(out + pre + tl, at + fl, sl - pre - fl + 1);
  return out;
}

static void hex_eq(const uint8_t *got, const char *hex, size_t n) {
  uint8_t want[64];
  assert_true(n <= sizeof(want));
  dcap_unhex(hex, want, n);
  assert_memory_equal(got, want, n);
}

/* ---- hand-written documents ---------------------------------------------- */

#define SVN16(a, b)                                                                      \
  "[{\"svn\":" #a "},{\"svn\":" #b                                                       \
  "},{\"svn\":2},{\"svn\":2},{\"svn\":255},{\"svn\":1},"                                 \
  "{\"svn\":0},{\"svn\":3},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0}," \
  "{\"svn\":0},{\"svn\":0},{\"svn\":16}]"

static const char kSgxV3[] =
    "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2025-01-02T03:04:05Z\","
    "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"fmspc\":\"00A067110000\",\"pceId\":\"0000\","
    "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tcbLevels\":["
    "{\"tcb\":{\"sgxtcbcomponents\":" SVN16(11, 12) ",\"pcesvn\":13},"
    "\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"SWHardeningNeeded\","
    "\"advisoryIDs\":[\"INTEL-SA-00615\"]},"
    "{\"tcb\":{\"sgxtcbcomponents\":" SVN16(7, 7) ",\"pcesvn\":11},"
    "\"tcbDate\":\"2023-02-15T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
    "\"advisoryIDs\":[\"INTEL-SA-00828\",\"INTEL-SA-00615\"]}]}";

static const char kTdxV3[] =
    "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2025-01-02T03:04:05Z\","
    "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"fmspc\":\"b0c06f000000\",\"pceId\":\"0000\","
    "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
    "\"tdxModule\":{\"mrsigner\":\"" /* 48 bytes */
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
    "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
    "\"tdxModuleIdentities\":["
    "{\"id\":\"TDX_03\",\"mrsigner\":\"" /* 48 zero bytes */
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
    "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":3},\"tcbDate\":\"2024-03-13T00:00:00Z\","
    "\"tcbStatus\":\"UpToDate\"}]},"
    "{\"id\":\"TDX_01\",\"mrsigner\":\""
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
    "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\","
    "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2023-08-09T00:00:00Z\","
    "\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"INTEL-SA-01036\"]}]}],"
    "\"tcbLevels\":["
    "{\"tcb\":{\"sgxtcbcomponents\":" SVN16(2, 2) ",\"pcesvn\":11,"
    "\"tdxtcbcomponents\":" SVN16(5, 0) "},"
    "\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},"
    "{\"tcb\":{\"sgxtcbcomponents\":" SVN16(2, 2) ",\"pcesvn\":5,"
    "\"tdxtcbcomponents\":" SVN16(0, 0) "},"
    "\"tcbDate\":\"2018-01-04T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
    "\"advisoryIDs\":[\"INTEL-SA-00106\",\"INTEL-SA-00115\"]}]}";

static const char kSgxV2[] =
    "{\"version\":2,\"issueDate\":\"2019-09-05T07:47:07Z\",\"nextUpdate\":\"2029-09-05T07:47:07Z\","
    "\"fmspc\":\"00707F000000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":3,"
    "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomp01svn\":1,\"sgxtcbcomp02svn\":2,\"sgxtcbcomp03svn\":3,"
    "\"sgxtcbcomp04svn\":4,\"sgxtcbcomp05svn\":5,\"sgxtcbcomp06svn\":6,\"sgxtcbcomp07svn\":7,"
    "\"sgxtcbcomp08svn\":8,\"sgxtcbcomp09svn\":9,\"sgxtcbcomp10svn\":10,\"sgxtcbcomp11svn\":11,"
    "\"sgxtcbcomp12svn\":12,\"sgxtcbcomp13svn\":13,\"sgxtcbcomp14svn\":14,\"sgxtcbcomp15svn\":15,"
    "\"sgxtcbcomp16svn\":16,\"pcesvn\":300},\"tcbDate\":\"2019-09-01T00:00:00Z\","
    "\"tcbStatus\":\"ConfigurationNeeded\"}]}";

static const char kQe[] =
    "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2025-06-04T09:40:18Z\","
    "\"nextUpdate\":\"2025-07-04T09:40:18Z\",\"tcbEvaluationDataNumber\":17,"
    "\"miscselect\":\"01000000\",\"miscselectMask\":\"FFFFFFFF\","
    "\"attributes\":\"11000000000000000000000000000000\","
    "\"attributesMask\":\"fbffffffffffffff0000000000000000\","
    "\"mrsigner\":\"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\","
    "\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\","
    "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":65535},\"tcbDate\":\"2023-02-15T00:00:00Z\","
    "\"tcbStatus\":\"Revoked\",\"advisoryIDs\":[\"INTEL-SA-00615\",\"INTEL-SA-00828\"]}]}";

typedef enum { DOC_TCB, DOC_QE } doc_kind;

/* expect_fail parses |text| as |kind| and requires |code| and a message
 * containing |needle|; it also checks the out struct was cleaned up. */
static void expect_fail(doc_kind kind, const char *text, size_t len, vouch_status code,
                        const char *needle) {
  vouch_err err = {0};
  vouch_status st;
  if (kind == DOC_TCB) {
    vouch_tcb_info ti;
    memset(&ti, 0x5a, sizeof(ti)); /* garbage in: must come back zeroed */
    st = vouch_tcb_info_parse(text, len, &ti, &err);
    assert_null(ti.levels);
    assert_null(ti.advisories);
    assert_null(ti.module_ids);
    assert_null(ti.module_levels);
    assert_int_equal(ti.num_levels, 0);
  } else {
    vouch_qe_identity qe;
    memset(&qe, 0x5a, sizeof(qe));
    st = vouch_qe_identity_parse(text, len, &qe, &err);
    assert_null(qe.levels);
    assert_null(qe.advisories);
    assert_int_equal(qe.num_levels, 0);
  }
  if (st != code || err.code != code || strstr(err.msg, needle) == NULL) {
    print_error("got %s \"%s\", want %s containing \"%s\"\n", vouch_status_name(st), err.msg,
                vouch_status_name(code), needle);
    fail();
  }
}

/* mutate replaces |from| by |to| in |base| and expects the failure. */
static void mutate(doc_kind kind, const char *base, const char *from, const char *to,
                   vouch_status code, const char *needle) {
  char *text = replace(base, from, to);
  expect_fail(kind, text, strlen(text), code, needle);
  free(text);
}

/* ---- statuses ---------------------------------------------------------- */

static void test_status_names(void **state) {
  (void)state;
  static const char *const kLevel[] = {"UpToDate",
                                       "SWHardeningNeeded",
                                       "ConfigurationNeeded",
                                       "ConfigurationAndSWHardeningNeeded",
                                       "OutOfDate",
                                       "OutOfDateConfigurationNeeded",
                                       "Revoked"};
  for (size_t i = 0; i < sizeof(kLevel) / sizeof(kLevel[0]); i++) {
    vouch_tcb_status s;
    assert_int_equal(vouch_tcb_status_parse(kLevel[i], strlen(kLevel[i]), &s), VOUCH_OK);
    assert_string_equal(vouch_tcb_status_name(s), kLevel[i]);
  }
  assert_string_equal(vouch_tcb_status_name(VOUCH_TCB_NOT_SUPPORTED), "TcbNotSupported");
  assert_string_equal(vouch_tcb_status_name(VOUCH_TCB_TD_RELAUNCH_ADVISED), "TDRelaunchAdvised");
  assert_string_equal(vouch_tcb_status_name(VOUCH_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED),
                      "TDRelaunchAdvisedConfigurationNeeded");
  assert_string_equal(vouch_tcb_status_name(VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED),
                      "ConfigurationAndSWHardeningNeeded");
  /* every status has a distinct name */
  for (int i = 0; i < VOUCH_TCB_STATUS_COUNT; i++) {
    for (int j = i + 1; j < VOUCH_TCB_STATUS_COUNT; j++) {
      assert_string_not_equal(vouch_tcb_status_name(i), vouch_tcb_status_name(j));
    }
  }
  /* results only, prefixes, case variants: not level statuses */
  static const char *const kBad[] = {"TcbNotSupported",
                                     "TDRelaunchAdvised",
                                     "TDRelaunchAdvisedConfigurationNeeded",
                                     "uptodate",
                                     "UpToDat",
                                     "UpToDateX",
                                     "",
                                     "OutOfDate "};
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    vouch_tcb_status s;
    assert_int_not_equal(vouch_tcb_status_parse(kBad[i], strlen(kBad[i]), &s), VOUCH_OK);
  }
  vouch_tcb_status s;
  assert_int_equal(vouch_tcb_status_parse("RevokedXYZ", 7, &s), VOUCH_OK); /* length-bounded */
  assert_int_equal(s, VOUCH_TCB_REVOKED);
}

/* ---- vectors ------------------------------------------------------------- */

typedef struct {
  const char *dir;
  /* TCB Info */
  int version;
  const char *id;
  const char *fmspc;
  uint32_t eval;
  int64_t issue, next;
  size_t num_levels;
  vouch_tcb_status first_status;
  int64_t first_date;
  const char *first_adv; /* NULL: none on level 0 */
  size_t num_adv;
  size_t num_module_ids, num_module_levels;
  /* QE identity */
  const char *qe_id;
  uint32_t qe_eval;
  int64_t qe_issue;
  size_t qe_levels;
  uint16_t qe_isvprodid, qe_first_isvsvn;
  size_t qe_adv;
  uint8_t first_tdx_comp0; /* TDX only: level 0 tdxtcbcomponents[0].svn */
} vec_expect;

static const vec_expect kVectors[] = {
    {"sgx/intel-qvl-synthetic-sgx",
     2,
     "",
     "00707F000000",
     3,
     1567669627,
     1883288827,
     6,
     VOUCH_TCB_UP_TO_DATE,
     1567296000,
     NULL,
     0,
     0,
     0,
     "QE",
     0,
     1567669628,
     1,
     1,
     1,
     0,
     0},
    {"sgx/phala-dcap-qvl-sgx-v3",
     3,
     "SGX",
     "00A067110000",
     17,
     1750330571,
     1752922571,
     11,
     VOUCH_TCB_SW_HARDENING_NEEDED,
     1710288000,
     "INTEL-SA-00615",
     68,
     0,
     0,
     "QE",
     17,
     1750327278,
     6,
     1,
     8,
     17,
     0},
    {"tdx/automata-tdx-v4-outofdate",
     3,
     "TDX",
     "00806f050000",
     17,
     1749030698,
     1751622698,
     4,
     VOUCH_TCB_UP_TO_DATE,
     1710288000,
     NULL,
     24,
     2,
     3,
     "TD_QE",
     17,
     1749030018,
     1,
     2,
     4,
     0,
     5},
    {"tdx/go-tdx-guest-v4-tcb-not-supported",
     3,
     "TDX",
     "50806f000000",
     15,
     1687077778,
     1689669778,
     2,
     VOUCH_TCB_UP_TO_DATE,
     1676419200,
     NULL,
     13,
     0,
     0,
     "TD_QE",
     15,
     1686209099,
     1,
     2,
     4,
     0,
     3},
    {"tdx/phala-dcap-qvl-tdx-v4",
     3,
     "TDX",
     "B0C06F000000",
     17,
     1750328163,
     1752920163,
     2,
     VOUCH_TCB_UP_TO_DATE,
     1710288000,
     NULL,
     14,
     2,
     3,
     "TD_QE",
     17,
     1750329147,
     1,
     2,
     4,
     0,
     5},
    {"tdx/phala-dcap-qvl-tdx-v5-no-tcb-level",
     3,
     "TDX",
     "90C06F000000",
     18,
     1771412331,
     1774004331,
     3,
     VOUCH_TCB_UP_TO_DATE,
     1731456000,
     NULL,
     24 + 4,
     2,
     4,
     "TD_QE",
     18,
     1771411335,
     1,
     2,
     4,
     0,
     5},
    {"tdx/phala-near-gastest-tdx-v4",
     3,
     "TDX",
     "20a06f000000",
     17,
     1756798919,
     1759390919,
     2,
     VOUCH_TCB_UP_TO_DATE,
     1710288000,
     NULL,
     0,
     2,
     3,
     "TD_QE",
     17,
     1756797003,
     1,
     2,
     4,
     0,
     5},
};

static const char *level_adv(const vouch_tcb_info *ti, const vouch_tcb_level *lv, size_t k) {
  assert_true(k < lv->adv_count);
  assert_true(lv->adv_first + lv->adv_count <= ti->num_advisories);
  return ti->advisories[lv->adv_first + k];
}

static void check_vector(const vec_expect *e) {
  size_t len = 0;
  char *text = collateral_text(e->dir, "tcb_info", &len);
  vouch_tcb_info ti;
  vouch_err err = {0};
  if (vouch_tcb_info_parse(text, len, &ti, &err) != VOUCH_OK) {
    print_error("%s: %s\n", e->dir, err.msg);
    fail();
  }
  assert_int_equal(ti.version, e->version);
  assert_string_equal(ti.id, e->id);
  hex_eq(ti.fmspc, e->fmspc, 6);
  hex_eq(ti.pce_id, "0000", 2);
  assert_int_equal(ti.tcb_type, 0);
  assert_int_equal(ti.tcb_evaluation_data_number, e->eval);
  assert_int_equal(ti.issue_date, e->issue);
  assert_int_equal(ti.next_update, e->next);
  assert_int_equal(ti.num_levels, e->num_levels);
  assert_int_equal(ti.levels[0].status, e->first_status);
  assert_int_equal(ti.levels[0].tcb_date, e->first_date);
  if (e->first_adv != NULL) {
    assert_int_equal(ti.levels[0].adv_count, 1);
    assert_string_equal(level_adv(&ti, &ti.levels[0], 0), e->first_adv);
  } else {
    assert_int_equal(ti.levels[0].adv_count, 0);
  }
  /* module-level advisories share the document's pool */
  assert_int_equal(ti.num_advisories, e->num_adv);
  bool tdx = strcmp(e->id, "TDX") == 0;
  assert_int_equal(ti.has_tdx_module, tdx);
  for (size_t i = 0; i < ti.num_levels; i++) assert_int_equal(ti.levels[i].has_tdx, tdx);
  if (tdx) {
    /* every TDX TCB Info seen has an all-zero module mrsigner, mask all ones */
    static const uint8_t kZero[48];
    assert_memory_equal(ti.tdx_module_mrsigner, kZero, 48);
    hex_eq(ti.tdx_module_attributes_mask, "FFFFFFFFFFFFFFFF", 8);
    assert_int_equal(ti.levels[0].tdx_svn[0], e->first_tdx_comp0);
  }
  assert_int_equal(ti.num_module_ids, e->num_module_ids);
  assert_int_equal(ti.num_module_levels, e->num_module_levels);
  size_t sum = 0;
  for (size_t i = 0; i < ti.num_module_ids; i++) {
    assert_int_equal(ti.module_ids[i].level_first, sum);
    sum += ti.module_ids[i].level_count;
  }
  assert_int_equal(sum, ti.num_module_levels);
  vouch_tcb_info_cleanup(&ti);
  vouch_tcb_info_cleanup(&ti); /* idempotent */
  free(text);

  text = collateral_text(e->dir, "qe_identity", &len);
  vouch_qe_identity qe;
  if (vouch_qe_identity_parse(text, len, &qe, &err) != VOUCH_OK) {
    print_error("%s: %s\n", e->dir, err.msg);
    fail();
  }
  assert_string_equal(qe.id, e->qe_id);
  assert_int_equal(qe.version, 2);
  assert_int_equal(qe.tcb_evaluation_data_number, e->qe_eval);
  assert_int_equal(qe.issue_date, e->qe_issue);
  assert_int_equal(qe.num_levels, e->qe_levels);
  assert_int_equal(qe.isvprodid, e->qe_isvprodid);
  assert_int_equal(qe.levels[0].isvsvn, e->qe_first_isvsvn);
  assert_int_equal(qe.levels[0].status, VOUCH_TCB_UP_TO_DATE);
  assert_int_equal(qe.num_advisories, e->qe_adv);
  hex_eq(qe.mrsigner,
         strcmp(e->qe_id, "QE") == 0
             ? "8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF"
             : "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5",
         32);
  vouch_qe_identity_cleanup(&qe);
  vouch_qe_identity_cleanup(&qe);
  free(text);
}

static void test_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(kVectors) / sizeof(kVectors[0]); i++) check_vector(&kVectors[i]);
}

/* The level each MANIFEST names as matched, with its advisories. */
static void test_vector_details(void **state) {
  (void)state;
  size_t len = 0;
  vouch_err err = {0};
  vouch_tcb_info ti;

  char *text = collateral_text("sgx/phala-dcap-qvl-sgx-v3", "tcb_info", &len);
  assert_int_equal(vouch_tcb_info_parse(text, len, &ti, &err), VOUCH_OK);
  static const uint8_t kComps0[16] = {11, 11, 2, 2, 255, 1, 12};
  assert_memory_equal(ti.levels[0].sgx_svn, kComps0, 16);
  assert_int_equal(ti.levels[0].pcesvn, 13);
  const vouch_tcb_level *lv = &ti.levels[1];
  assert_int_equal(lv->status, VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
  assert_int_equal(lv->tcb_date, 1710288000);
  assert_int_equal(lv->adv_count, 2);
  assert_string_equal(level_adv(&ti, lv, 0), "INTEL-SA-00289");
  assert_string_equal(level_adv(&ti, lv, 1), "INTEL-SA-00615");
  assert_int_equal(ti.levels[10].adv_count, 20);
  vouch_tcb_info_cleanup(&ti);
  free(text);

  text = collateral_text("tdx/automata-tdx-v4-outofdate", "tcb_info", &len);
  assert_int_equal(vouch_tcb_info_parse(text, len, &ti, &err), VOUCH_OK);
  lv = &ti.levels[1];
  assert_int_equal(lv->status, VOUCH_TCB_OUT_OF_DATE);
  assert_int_equal(lv->tcb_date, 1691539200);
  assert_int_equal(lv->adv_count, 3);
  assert_string_equal(level_adv(&ti, lv, 0), "INTEL-SA-00960");
  assert_string_equal(level_adv(&ti, lv, 1), "INTEL-SA-00982");
  assert_string_equal(level_adv(&ti, lv, 2), "INTEL-SA-00986");
  assert_string_equal(ti.module_ids[0].id, "TDX_03");
  assert_string_equal(ti.module_ids[1].id, "TDX_01");
  const vouch_tdx_module_identity *m = &ti.module_ids[1];
  assert_int_equal(m->level_count, 2);
  assert_int_equal(ti.module_levels[m->level_first].isvsvn, 4);
  assert_int_equal(ti.module_levels[m->level_first].status, VOUCH_TCB_UP_TO_DATE);
  assert_int_equal(ti.module_levels[m->level_first + 1].isvsvn, 2);
  assert_int_equal(ti.module_levels[m->level_first + 1].status, VOUCH_TCB_OUT_OF_DATE);
  static const uint8_t kTdx0[16] = {5, 0, 7};
  assert_memory_equal(ti.levels[0].tdx_svn, kTdx0, 16);
  vouch_tcb_info_cleanup(&ti);
  free(text);

  text = collateral_text("tdx/phala-dcap-qvl-tdx-v5-no-tcb-level", "tcb_info", &len);
  assert_int_equal(vouch_tcb_info_parse(text, len, &ti, &err), VOUCH_OK);
  m = &ti.module_ids[1];
  assert_string_equal(m->id, "TDX_01");
  assert_int_equal(m->level_count, 3);
  lv = &ti.module_levels[m->level_first + 1];
  assert_int_equal(lv->isvsvn, 4);
  assert_int_equal(lv->adv_count, 2);
  assert_string_equal(level_adv(&ti, lv, 0), "INTEL-SA-01036");
  assert_string_equal(level_adv(&ti, lv, 1), "INTEL-SA-01099");
  vouch_tcb_info_cleanup(&ti);
  free(text);

  text = collateral_text("sgx/intel-qvl-synthetic-sgx", "tcb_info", &len);
  assert_int_equal(vouch_tcb_info_parse(text, len, &ti, &err), VOUCH_OK);
  static const uint8_t kSyn0[16] = {0, 3, 0, 0, 0, 1, 1};
  assert_memory_equal(ti.levels[0].sgx_svn, kSyn0, 16);
  assert_int_equal(ti.levels[0].pcesvn, 3);
  assert_false(ti.levels[0].has_tdx);
  assert_int_equal(ti.levels[4].status, VOUCH_TCB_REVOKED);
  assert_int_equal(ti.levels[3].status, VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
  vouch_tcb_info_cleanup(&ti);
  free(text);

  vouch_qe_identity qe;
  text = collateral_text("sgx/phala-dcap-qvl-sgx-v3", "qe_identity", &len);
  assert_int_equal(vouch_qe_identity_parse(text, len, &qe, &err), VOUCH_OK);
  hex_eq(qe.miscselect, "00000000", 4);
  hex_eq(qe.miscselect_mask, "FFFFFFFF", 4);
  hex_eq(qe.attributes, "11000000000000000000000000000000", 16);
  hex_eq(qe.attributes_mask, "FBFFFFFFFFFFFFFF0000000000000000", 16);
  assert_int_equal(qe.next_update, 1752919278);
  assert_int_equal(qe.levels[1].status, VOUCH_TCB_OUT_OF_DATE);
  vouch_qe_identity_cleanup(&qe);
  free(text);
}

/* ---- hand-written documents: valid ---------------------------------------- */

static void test_sgx_v3(void **state) {
  (void)state;
  vouch_tcb_info ti;
  vouch_err err = {0};
  assert_int_equal(vouch_tcb_info_parse(kSgxV3, strlen(kSgxV3), &ti, &err), VOUCH_OK);
  assert_int_equal(ti.version, 3);
  assert_string_equal(ti.id, "SGX");
  assert_int_equal(ti.issue_date, vouch_time_from_civil(2025, 1, 2, 3, 4, 5));
  assert_int_equal(ti.num_levels, 2);
  assert_int_equal(ti.levels[0].sgx_svn[0], 11);
  assert_int_equal(ti.levels[0].sgx_svn[1], 12);
  assert_int_equal(ti.levels[0].sgx_svn[4], 255);
  assert_int_equal(ti.levels[0].sgx_svn[15], 16);
  assert_false(ti.levels[0].has_tdx);
  assert_false(ti.has_tdx_module);
  assert_int_equal(ti.num_advisories, 3);
  assert_int_equal(ti.levels[1].adv_first, 1);
  assert_int_equal(ti.levels[1].adv_count, 2);
  assert_string_equal(ti.advisories[2], "INTEL-SA-00615");
  vouch_tcb_info_cleanup(&ti);

  /* lower-case hex and surrounding whitespace are fine */
  char *text = replace(kSgxV3, "00A067110000", "00a067110000");
  char *spaced = malloc(strlen(text) + 8);
  assert_non_null(spaced);
  sprintf(spaced, " \n%s\r\n\t ", text);
  assert_int_equal(vouch_tcb_info_parse(spaced, strlen(spaced), &ti, &err), VOUCH_OK);
  hex_eq(ti.fmspc, "00A067110000", 6);
  vouch_tcb_info_cleanup(&ti);
  free(spaced);
  free(text);

  /* unknown keys are ignored */
  text = replace(kSgxV3, "\"tcbType\":0,", "\"tcbType\":0,\"futureKey\":{\"x\":[1,2]},");
  assert_int_equal(vouch_tcb_info_parse(text, strlen(text), &ti, &err), VOUCH_OK);
  vouch_tcb_info_cleanup(&ti);
  free(text);
}

static void test_tdx_v3(void **state) {
  (void)state;
  vouch_tcb_info ti;
  vouch_err err = {0};
  assert_int_equal(vouch_tcb_info_parse(kTdxV3, strlen(kTdxV3), &ti, &err), VOUCH_OK);
  assert_string_equal(ti.id, "TDX");
  assert_true(ti.has_tdx_module);
  assert_int_equal(ti.tdx_module_mrsigner[47], 0x2f);
  assert_int_equal(ti.tdx_module_attributes_mask[7], 0xff);
  assert_int_equal(ti.num_module_ids, 2);
  assert_int_equal(ti.num_module_levels, 3);
  assert_int_equal(ti.module_ids[1].level_first, 1);
  assert_int_equal(ti.module_levels[2].isvsvn, 2);
  assert_int_equal(ti.module_levels[2].adv_count, 1);
  assert_string_equal(ti.advisories[ti.module_levels[2].adv_first], "INTEL-SA-01036");
  assert_true(ti.levels[1].has_tdx);
  assert_int_equal(ti.levels[0].tdx_svn[0], 5);
  assert_int_equal(ti.levels[1].pcesvn, 5);
  assert_int_equal(ti.num_advisories, 3);
  vouch_tcb_info_cleanup(&ti);

  /* tdxModuleIdentities is optional (older TDX TCB Info) */
  const char *start = strstr(kTdxV3, "\"tdxModuleIdentities\"");
  const char *end = strstr(kTdxV3, "\"tcbLevels\":[{\"tcb\":{\"sgx");
  assert_non_null(start);
  assert_non_null(end);
  char *text = malloc(strlen(kTdxV3) + 1);
  assert_non_null(text);
  memcpy(text, kTdxV3, (size_t)(start - kTdxV3));
  strcpy(text + (start - kTdxV3), end);
  assert_int_equal(vouch_tcb_info_parse(text, strlen(text), &ti, &err), VOUCH_OK);
  assert_int_equal(ti.num_module_ids, 0);
  assert_null(ti.module_ids);
  assert_int_equal(ti.num_advisories, 2);
  vouch_tcb_info_cleanup(&ti);
  free(text);
}

static void test_sgx_v2(void **state) {
  (void)state;
  vouch_tcb_info ti;
  vouch_err err = {0};
  assert_int_equal(vouch_tcb_info_parse(kSgxV2, strlen(kSgxV2), &ti, &err), VOUCH_OK);
  assert_int_equal(ti.version, 2);
  assert_string_equal(ti.id, "");
  for (int i = 0; i < 16; i++) assert_int_equal(ti.levels[0].sgx_svn[i], i + 1);
  assert_int_equal(ti.levels[0].pcesvn, 300);
  assert_int_equal(ti.levels[0].status, VOUCH_TCB_CONFIGURATION_NEEDED);
  assert_int_equal(ti.tcb_evaluation_data_number, 3);
  vouch_tcb_info_cleanup(&ti);
}

static void test_qe(void **state) {
  (void)state;
  vouch_qe_identity qe;
  vouch_err err = {0};
  assert_int_equal(vouch_qe_identity_parse(kQe, strlen(kQe), &qe, &err), VOUCH_OK);
  assert_string_equal(qe.id, "TD_QE");
  hex_eq(qe.miscselect, "01000000", 4);
  hex_eq(qe.attributes_mask, "FBFFFFFFFFFFFFFF0000000000000000", 16);
  hex_eq(qe.mrsigner, "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF", 32);
  assert_int_equal(qe.isvprodid, 2);
  assert_int_equal(qe.num_levels, 2);
  assert_int_equal(qe.levels[1].isvsvn, 65535);
  assert_int_equal(qe.levels[1].status, VOUCH_TCB_REVOKED);
  assert_int_equal(qe.num_advisories, 2);
  assert_string_equal(qe.advisories[qe.levels[1].adv_first + 1], "INTEL-SA-00828");
  vouch_qe_identity_cleanup(&qe);

  static const char *const kIds[] = {"\"QE\"", "\"QVE\""};
  for (size_t i = 0; i < 2; i++) {
    char *text = replace(kQe, "\"TD_QE\"", kIds[i]);
    assert_int_equal(vouch_qe_identity_parse(text, strlen(text), &qe, &err), VOUCH_OK);
    vouch_qe_identity_cleanup(&qe);
    free(text);
  }
}

/* ---- mutations: must fail naming the field ----------------------------- */

static void test_tcb_mutations(void **state) {
  (void)state;
  const vouch_status M = VOUCH_E_MALFORMED;
  /* missing key */
  mutate(DOC_TCB, kSgxV3, "\"pceId\":\"0000\",", "", M, "tcb info: pceId: missing");
  mutate(DOC_TCB, kSgxV3, "\"tcbEvaluationDataNumber\"", "\"tcbEvalDataNumber\"", M,
         "tcbEvaluationDataNumber: missing");
  mutate(DOC_TCB, kSgxV3, "\"id\":\"SGX\",", "", M, "tcb info: id: missing");
  mutate(DOC_TCB, kSgxV3, ",\"pcesvn\":13", "", M, "tcbLevels[0].tcb.pcesvn: missing");
  mutate(DOC_TCB, kSgxV3, "\"tcbDate\":\"2023-02-15T00:00:00Z\",", "", M,
         "tcbLevels[1].tcbDate: missing");
  mutate(DOC_TCB, kSgxV3, "{\"svn\":16}", "{\"sv\":16}", M,
         "tcbLevels[0].tcb.sgxtcbcomponents[15].svn: missing");
  /* wrong type */
  mutate(DOC_TCB, kSgxV3, "\"tcbType\":0", "\"tcbType\":\"0\"", M, "tcbType: expected an integer");
  mutate(DOC_TCB, kSgxV3, "\"version\":3", "\"version\":3.0", M, "version: expected an integer");
  mutate(DOC_TCB, kSgxV3, "\"pcesvn\":13", "\"pcesvn\":13.5", M,
         "tcbLevels[0].tcb.pcesvn: expected an integer");
  mutate(DOC_TCB, kSgxV3, "\"fmspc\":\"00A067110000\"", "\"fmspc\":null", M,
         "fmspc: expected a string");
  mutate(DOC_TCB, kSgxV3, "\"tcbLevels\":[", "\"tcbLevels\":7,\"x\":[", M,
         "tcbLevels: expected an array");
  mutate(DOC_TCB, kSgxV3, "{\"svn\":2}", "2", M, "sgxtcbcomponents[2]: expected an object");
  mutate(DOC_TCB, kSgxV3, "\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":\"INTEL\"", M,
         "tcbLevels[0].advisoryIDs: expected an array");
  mutate(DOC_TCB, kSgxV3, "[\"INTEL-SA-00615\"]", "[615]", M, "tcbLevels[0].advisoryIDs[0]");
  /* hex */
  mutate(DOC_TCB, kSgxV3, "00A067110000", "00A0671100", M, "fmspc: 10 hex digits, expected 12");
  mutate(DOC_TCB, kSgxV3, "00A067110000", "00A06711000000", M, "fmspc: 14 hex digits");
  mutate(DOC_TCB, kSgxV3, "00A067110000", "00A06711000G", M, "fmspc: invalid hex");
  mutate(DOC_TCB, kSgxV3, "\"pceId\":\"0000\"", "\"pceId\":\"000\"", M, "pceId: 3 hex digits");
  /* statuses */
  mutate(DOC_TCB, kSgxV3, "\"OutOfDate\"", "\"OutofDate\"", M,
         "tcbLevels[1].tcbStatus: unknown status \"OutofDate\"");
  mutate(DOC_TCB, kSgxV3, "\"OutOfDate\"", "\"TcbNotSupported\"", M, "tcbLevels[1].tcbStatus");
  mutate(DOC_TCB, kSgxV3, "\"OutOfDate\"", "\"TDRelaunchAdvised\"", M, "tcbLevels[1].tcbStatus");
  /* component counts and ranges */
  mutate(DOC_TCB, kSgxV3, ",{\"svn\":16}", "", M,
         "tcbLevels[0].tcb.sgxtcbcomponents: 15 components, expected 16");
  mutate(DOC_TCB, kSgxV3, "{\"svn\":16}", "{\"svn\":16},{\"svn\":17}", M, "17 components");
  mutate(DOC_TCB, kSgxV3, "{\"svn\":255}", "{\"svn\":256}", M,
         "tcbLevels[0].tcb.sgxtcbcomponents[4].svn: 256 out of range 0..255");
  mutate(DOC_TCB, kSgxV3, "{\"svn\":255}", "{\"svn\":-1}", M, "svn: -1 out of range");
  mutate(DOC_TCB, kSgxV3, "\"pcesvn\":13", "\"pcesvn\":65536", M, "pcesvn: 65536 out of range");
  mutate(DOC_TCB, kSgxV3, "\"tcbEvaluationDataNumber\":17",
         "\"tcbEvaluationDataNumber\":4294967296", M,
         "tcbEvaluationDataNumber: 4294967296 out of range");
  /* dates */
  mutate(DOC_TCB, kSgxV3, "2024-03-13T00:00:00Z", "2024-13-13T00:00:00Z", M,
         "tcbLevels[0].tcbDate: invalid date");
  mutate(DOC_TCB, kSgxV3, "\"issueDate\":\"2025-01-02T03:04:05Z\"", "\"issueDate\":\"yesterday\"",
         M, "issueDate: invalid date");
  mutate(DOC_TCB, kSgxV3, "\"nextUpdate\":\"2025-02-01T00:00:00Z\"", "\"nextUpdate\":20250201", M,
         "nextUpdate: expected a string");
  /* advisories */
  mutate(DOC_TCB, kSgxV3, "\"INTEL-SA-00615\"]}", "\"INTEL-SA-00615-0123456789ABCDEFG\"]}", M,
         "tcbLevels[0].advisoryIDs[0]: expected 1..31 printable");
  mutate(DOC_TCB, kSgxV3, "\"INTEL-SA-00615\"]}", "\"\"]}", M, "advisoryIDs[0]");
  mutate(DOC_TCB, kSgxV3, "\"INTEL-SA-00615\"]}", "\"INTEL\\tSA\"]}", M, "advisoryIDs[0]");
  /* versions and ids */
  mutate(DOC_TCB, kSgxV3, "\"version\":3", "\"version\":4", VOUCH_E_UNSUPPORTED,
         "version: 4 not supported");
  mutate(DOC_TCB, kSgxV3, "\"version\":3", "\"version\":1", VOUCH_E_UNSUPPORTED, "version");
  mutate(DOC_TCB, kSgxV3, "\"SGX\"", "\"SGXX\"", VOUCH_E_UNSUPPORTED, "id: \"SGXX\" not supported");
  mutate(DOC_TCB, kSgxV3, "\"SGX\"", "\"sgx\"", VOUCH_E_UNSUPPORTED, "tcb info: id");
  /* v3 component layout under version 2 and vice versa */
  mutate(DOC_TCB, kSgxV3, "\"version\":3", "\"version\":2", M,
         "tcbLevels[0].tcb.sgxtcbcomp01svn: missing");
  mutate(DOC_TCB, kSgxV2, "\"version\":2", "\"id\":\"SGX\",\"version\":3", M,
         "tcbLevels[0].tcb.sgxtcbcomponents: missing");
  /* v2: 15 components */
  mutate(DOC_TCB, kSgxV2, "\"sgxtcbcomp16svn\":16,", "", M,
         "tcbLevels[0].tcb.sgxtcbcomp16svn: missing");
  mutate(DOC_TCB, kSgxV2, "\"sgxtcbcomp09svn\":9", "\"sgxtcbcomp09svn\":900", M,
         "sgxtcbcomp09svn: 900 out of range");
  /* level arrays */
  {
    const char *start = strstr(kSgxV3, "\"tcbLevels\":[") + strlen("\"tcbLevels\":[");
    char *text = malloc(strlen(kSgxV3) + 1);
    assert_non_null(text);
    memcpy(text, kSgxV3, (size_t)(start - kSgxV3));
    strcpy(text + (start - kSgxV3), "]}");
    expect_fail(DOC_TCB, text, strlen(text), M, "tcbLevels: 0 elements, expected at least 1");
    free(text);
  }
  mutate(DOC_TCB, kSgxV3, "\"tcbLevels\":[{", "\"tcbLevels\":[7,{", M,
         "tcbLevels[0]: expected an object");
}

static void test_tdx_mutations(void **state) {
  (void)state;
  const vouch_status M = VOUCH_E_MALFORMED;
  mutate(DOC_TCB, kTdxV3, ",\"tdxtcbcomponents\":" SVN16(0, 0), "", M,
         "tcbLevels[1].tcb.tdxtcbcomponents: missing");
  mutate(DOC_TCB, kTdxV3, "\"tdxtcbcomponents\":" SVN16(5, 0), "\"tdxtcbcomponents\":[]", M,
         "tcbLevels[0].tcb.tdxtcbcomponents: 0 components, expected 16");
  mutate(DOC_TCB, kTdxV3, "\"tdxModule\":", "\"tdxModuleX\":", M, "tcb info: tdxModule: missing");
  mutate(DOC_TCB, kTdxV3, "2c2d2e2f\"", "2c2d2e\"", M, "tdxModule.mrsigner: 94 hex digits");
  mutate(DOC_TCB, kTdxV3, "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},",
         "\"attributesMask\":\"FFFFFFFFFFFFFFF\"},", M, "tdxModule.attributesMask");
  mutate(DOC_TCB, kTdxV3, "{\"isvsvn\":3}", "{\"isvsv\":3}", M,
         "tdxModuleIdentities[0].tcbLevels[0].tcb.isvsvn: missing");
  mutate(DOC_TCB, kTdxV3, "{\"isvsvn\":2}", "{\"isvsvn\":65536}", M,
         "tdxModuleIdentities[1].tcbLevels[1].tcb.isvsvn: 65536 out of range");
  mutate(DOC_TCB, kTdxV3, "\"TDX_01\"", "\"TDX_0123456789ABCDEF\"", M,
         "tdxModuleIdentities[1].id: expected 1..15 printable");
  mutate(DOC_TCB, kTdxV3, "\"id\":\"TDX_03\",", "", M, "tdxModuleIdentities[0].id: missing");
  mutate(DOC_TCB, kTdxV3, "\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"INTEL-SA-01036\"]",
         "\"tcbStatus\":\"Outdated\",\"advisoryIDs\":[\"INTEL-SA-01036\"]", M,
         "tdxModuleIdentities[1].tcbLevels[1].tcbStatus: unknown status");
  mutate(DOC_TCB, kTdxV3, "\"tdxModuleIdentities\":[", "\"tdxModuleIdentities\":[{},", M,
         "tdxModuleIdentities[0].tcbLevels: missing");
  mutate(DOC_TCB, kTdxV3,
         "{\"tcb\":{\"isvsvn\":3},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}",
         "\"x\"", M, "tdxModuleIdentities[0].tcbLevels[0]: expected an object");
}

static void test_json_level(void **state) {
  (void)state;
  /* duplicate keys, at the root and nested */
  mutate(DOC_TCB, kSgxV3, "\"version\":3,", "\"version\":3,\"version\":3,", VOUCH_E_JSON,
         "duplicate");
  mutate(DOC_TCB, kSgxV3, "\"pcesvn\":13", "\"pcesvn\":13,\"pcesvn\":14", VOUCH_E_JSON,
         "duplicate");
  mutate(DOC_QE, kQe, "\"isvprodid\":2,", "\"isvprodid\":2,\"isvprodid\":2,", VOUCH_E_JSON,
         "duplicate");
  /* trailing garbage */
  static const char *const kTails[] = {"x", "}", "{}", ",", "\x01"};
  for (size_t i = 0; i < sizeof(kTails) / sizeof(kTails[0]); i++) {
    size_t n = strlen(kSgxV3) + strlen(kTails[i]);
    char *text = malloc(n + 1);
    assert_non_null(text);
    strcpy(text, kSgxV3);
    strcat(text, kTails[i]);
    expect_fail(DOC_TCB, text, n, VOUCH_E_JSON, "tcb info: invalid JSON");
    free(text);
  }
  /* an embedded NUL counts as garbage, as does truncation */
  {
    size_t n = strlen(kSgxV3);
    char *text = malloc(n + 2);
    assert_non_null(text);
    memcpy(text, kSgxV3, n);
    text[n] = '\0';
    text[n + 1] = ' ';
    expect_fail(DOC_TCB, text, n + 2, VOUCH_E_JSON, "invalid JSON");
    for (size_t cut = 0; cut < n; cut += 7) {
      expect_fail(DOC_TCB, kSgxV3, cut, VOUCH_E_JSON, "invalid JSON");
    }
    free(text);
  }
  expect_fail(DOC_TCB, "[1,2]", 5, VOUCH_E_MALFORMED, "tcb info: document: expected an object");
  expect_fail(DOC_QE, "[]", 2, VOUCH_E_MALFORMED, "qe identity: document: expected an object");
  expect_fail(DOC_TCB, "\"SGX\"", 5, VOUCH_E_JSON, "invalid JSON");
  expect_fail(DOC_TCB, "", 0, VOUCH_E_JSON, "invalid JSON");
  expect_fail(DOC_TCB, NULL, 0, VOUCH_E_JSON, "invalid JSON");
  expect_fail(DOC_TCB, NULL, 5, VOUCH_E_ARG, "invalid argument");
  mutate(DOC_TCB, kSgxV3, "\"INTEL-SA-00615\"]}", "\"INTEL\\u0000\"]}", VOUCH_E_JSON,
         "invalid JSON");
}

static void test_limits(void **state) {
  (void)state;
  /* VOUCH_LIMIT_TCB_LEVELS + 1 levels */
  static const char kLevel[] =
      "{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2024-03-13T00:00:00Z\","
      "\"tcbStatus\":\"UpToDate\"}";
  const char *head = strstr(kQe, "\"tcbLevels\":[");
  assert_non_null(head);
  size_t pre = (size_t)(head - kQe) + strlen("\"tcbLevels\":[");
  size_t cap = pre + (VOUCH_LIMIT_TCB_LEVELS + 1) * (sizeof(kLevel) + 1) + 8;
  char *text = malloc(cap);
  assert_non_null(text);
  for (int n = VOUCH_LIMIT_TCB_LEVELS; n <= VOUCH_LIMIT_TCB_LEVELS + 1; n++) {
    memcpy(text, kQe, pre);
    size_t len = pre;
    for (int i = 0; i < n; i++) {
      if (i > 0) text[len++] = ',';
      memcpy(text + len, kLevel, sizeof(kLevel) - 1);
      len += sizeof(kLevel) - 1;
    }
    memcpy(text + len, "]}", 2);
    len += 2;
    if (n == VOUCH_LIMIT_TCB_LEVELS) {
      vouch_qe_identity qe;
      vouch_err err = {0};
      assert_int_equal(vouch_qe_identity_parse(text, len, &qe, &err), VOUCH_OK);
      assert_int_equal(qe.num_levels, VOUCH_LIMIT_TCB_LEVELS);
      vouch_qe_identity_cleanup(&qe);
    } else {
      expect_fail(DOC_QE, text, len, VOUCH_E_LIMIT, "tcbLevels: 257 elements, limit 256");
    }
  }
  free(text);

  /* more than VOUCH_LIMIT_ADVISORIES advisories on one level */
  char adv[4096] = "[";
  for (int i = 0; i <= VOUCH_LIMIT_ADVISORIES; i++) {
    char one[32];
    snprintf(one, sizeof(one), "%s\"INTEL-SA-%05d\"", i ? "," : "", i);
    strcat(adv, one);
  }
  strcat(adv, "]}");
  mutate(DOC_TCB, kSgxV3, "[\"INTEL-SA-00615\"]}", adv, VOUCH_E_LIMIT,
         "tcbLevels[0].advisoryIDs: 65 elements, limit 64");

  /* input over VOUCH_LIMIT_COLLATERAL is refused before parsing */
  size_t big = (size_t)VOUCH_LIMIT_COLLATERAL + 1;
  char *huge = malloc(big);
  assert_non_null(huge);
  memset(huge, ' ', big);
  memcpy(huge, kQe, strlen(kQe));
  expect_fail(DOC_QE, huge, big, VOUCH_E_LIMIT, "qe identity: ");
  expect_fail(DOC_TCB, huge, big, VOUCH_E_LIMIT, "tcb info: ");
  /* the same text just under the limit parses */
  vouch_qe_identity qe;
  vouch_err err = {0};
  assert_int_equal(vouch_qe_identity_parse(huge, big - 1, &qe, &err), VOUCH_OK);
  vouch_qe_identity_cleanup(&qe);
  free(huge);
}

static void test_qe_mutations(void **state) {
  (void)state;
  const vouch_status M = VOUCH_E_MALFORMED;
  mutate(DOC_QE, kQe, "\"TD_QE\"", "\"XE\"", VOUCH_E_UNSUPPORTED, "qe identity: id: \"XE\"");
  mutate(DOC_QE, kQe, "\"id\":\"TD_QE\",", "", M, "qe identity: id: missing");
  mutate(DOC_QE, kQe, "\"id\":\"TD_QE\"", "\"id\":1", M, "qe identity: id: expected a string");
  mutate(DOC_QE, kQe, "\"version\":2", "\"version\":3", VOUCH_E_UNSUPPORTED,
         "version: 3 not supported");
  mutate(DOC_QE, kQe, "\"miscselect\":\"01000000\",", "", M, "miscselect: missing");
  mutate(DOC_QE, kQe, "\"miscselect\":\"01000000\"", "\"miscselect\":\"0100000\"", M,
         "miscselect: 7 hex digits, expected 8");
  mutate(DOC_QE, kQe, "\"attributes\":\"11000000000000000000000000000000\"",
         "\"attributes\":\"110000000000000000000000000000\"", M, "attributes: 30 hex digits");
  mutate(DOC_QE, kQe, "\"mrsigner\":\"00", "\"mrsigner\":\"", M, "mrsigner: 62 hex digits");
  mutate(DOC_QE, kQe, "aabbccddeeff\"", "aabbccddeefz\"", M, "mrsigner: invalid hex");
  mutate(DOC_QE, kQe, "\"isvprodid\":2", "\"isvprodid\":65536", M, "isvprodid: 65536 out of range");
  mutate(DOC_QE, kQe, "\"isvprodid\":2", "\"isvprodid\":true", M, "isvprodid: expected an integer");
  mutate(DOC_QE, kQe, "{\"isvsvn\":65535}", "{\"isvsvn\":65536}", M,
         "tcbLevels[1].tcb.isvsvn: 65536 out of range");
  mutate(DOC_QE, kQe, "\"Revoked\"", "\"revoked\"", M, "tcbLevels[1].tcbStatus: unknown status");
  mutate(DOC_QE, kQe, "\"tcbDate\":\"2024-03-13T00:00:00Z\"", "\"tcbDate\":\"2024-03-13\"", M,
         "tcbLevels[0].tcbDate");
  mutate(DOC_QE, kQe, "\"tcb\":{\"isvsvn\":4}", "\"tcb\":[4]", M,
         "tcbLevels[0].tcb: expected an object");
  mutate(DOC_QE, kQe, "\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":-17", M,
         "tcbEvaluationDataNumber: -17 out of range");
}

static void test_cleanup(void **state) {
  (void)state;
  vouch_tcb_info ti;
  memset(&ti, 0, sizeof(ti));
  vouch_tcb_info_cleanup(&ti);
  vouch_tcb_info_cleanup(&ti);
  vouch_tcb_info_cleanup(NULL);
  vouch_qe_identity qe;
  memset(&qe, 0, sizeof(qe));
  vouch_qe_identity_cleanup(&qe);
  vouch_qe_identity_cleanup(NULL);

  /* a failure after allocations (late in the last level) leaks nothing and
   * leaves the struct zeroed, even when it held garbage before */
  char *text = replace(kTdxV3, "\"INTEL-SA-00115\"", "\"INTEL-SA-00115\",7");
  expect_fail(DOC_TCB, text, strlen(text), VOUCH_E_MALFORMED, "tcbLevels[1].advisoryIDs[2]");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_names),
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_vector_details),
      cmocka_unit_test(test_sgx_v3),
      cmocka_unit_test(test_tdx_v3),
      cmocka_unit_test(test_sgx_v2),
      cmocka_unit_test(test_qe),
      cmocka_unit_test(test_tcb_mutations),
      cmocka_unit_test(test_tdx_mutations),
      cmocka_unit_test(test_json_level),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_qe_mutations),
      cmocka_unit_test(test_cleanup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
