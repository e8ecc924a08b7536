/* base/time.c - RFC 3339 / Unix-seconds parsing and formatting, UTC only,
 * without the C library's locale- and TZ-dependent functions. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm), valid for all years we accept. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t vouch_time_from_civil(int year, int month, int day, int hour, int min, int sec) {
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

/* digits reads exactly |n| decimal digits at s[*i]. */
static bool digits(const char *s, size_t len, size_t *i, int n, int *out) {
  if (len - *i < (size_t)n) return false;
  int v = 0;
  for (int k = 0; k < n; k++) {
    char ch = s[*i + (size_t)k];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *i += (size_t)n;
  *out = v;
  return true;
}

static bool expect_char(const char *s, size_t len, size_t *i, char a, char b) {
  if (*i >= len || (s[*i] != a && s[*i] != b)) return false;
  (*i)++;
  return true;
}

static vouch_status parse_unix(const char *s, size_t len, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (len > 0 && s[0] == '-') {
    neg = true;
    i = 1;
  }
  VOUCH_ENSURE(i < len && len - i <= 12, VOUCH_E_TIME); /* up to year ~33658 */
  int64_t v = 0;
  for (; i < len; i++) {
    VOUCH_ENSURE(s[i] >= '0' && s[i] <= '9', VOUCH_E_TIME);
    v = v * 10 + (s[i] - '0');
  }
  *out = neg ? -v : v;
  return VOUCH_OK;
}

vouch_status vouch_time_parse(const char *s, size_t len, int64_t *out) {
  VOUCH_ENSURE(s != NULL && len > 0 && len <= 64, VOUCH_E_TIME);
  bool all_digits = true;
  for (size_t k = 0; k < len; k++) {
    if (!((s[k] >= '0' && s[k] <= '9') || (k == 0 && s[k] == '-'))) all_digits = false;
  }
  if (all_digits) return parse_unix(s, len, out);

  size_t i = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  VOUCH_ENSURE(digits(s, len, &i, 4, &y) && expect_char(s, len, &i, '-', '-') &&
                   digits(s, len, &i, 2, &mo) && expect_char(s, len, &i, '-', '-') &&
                   digits(s, len, &i, 2, &d) && expect_char(s, len, &i, 'T', 't') &&
                   digits(s, len, &i, 2, &h) && expect_char(s, len, &i, ':', ':') &&
                   digits(s, len, &i, 2, &mi) && expect_char(s, len, &i, ':', ':') &&
                   digits(s, len, &i, 2, &se),
               VOUCH_E_TIME);
  VOUCH_ENSURE(mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo), VOUCH_E_TIME);
  /* 60 is allowed for a leap second and folded into the next minute. */
  VOUCH_ENSURE(h <= 23 && mi <= 59 && se <= 60, VOUCH_E_TIME);
  if (i < len && s[i] == '.') {
    i++;
    size_t start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    VOUCH_ENSURE(i > start, VOUCH_E_TIME); /* fraction truncated: instants are whole seconds */
  }
  int64_t offset = 0;
  VOUCH_ENSURE(i < len, VOUCH_E_TIME);
  if (s[i] == 'Z' || s[i] == 'z') {
    i++;
  } else {
    VOUCH_ENSURE(s[i] == '+' || s[i] == '-', VOUCH_E_TIME);
    int sign = s[i] == '-' ? -1 : 1;
    i++;
    int oh = 0, om = 0;
    VOUCH_ENSURE(digits(s, len, &i, 2, &oh) && expect_char(s, len, &i, ':', ':') &&
                     digits(s, len, &i, 2, &om) && oh <= 23 && om <= 59,
                 VOUCH_E_TIME);
    offset = sign * (oh * 3600 + om * 60);
  }
  VOUCH_ENSURE(i == len, VOUCH_E_TIME);
  *out = vouch_time_from_civil(y, mo, d, h, mi, se) - offset;
  return VOUCH_OK;
}

void vouch_time_format(int64_t t, char out[VOUCH_TIME_STR_LEN]) {
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  /* civil_from_days (inverse of the above). */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  /* Years outside 0..9999 do not occur in X.509 or Intel collateral; clamp
   * so the text always fits.  Formatted by hand: results carry several
   * instants each, and snprintf costs more than the rest of this. */
  if (y < 0) y = 0;
  if (y > 9999) y = 9999;
  int v[6] = {(int)y, (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
  static const char kSep[6] = {'-', '-', 'T', ':', ':', 'Z'};
  size_t o = 0;
  for (int i = 0; i < 6; i++) {
    int digits = i == 0 ? 4 : 2;
    for (int k = digits - 1; k >= 0; k--) {
      out[o + (size_t)k] = (char)('0' + v[i] % 10);
      v[i] /= 10;
    }
    o += (size_t)digits;
    out[o++] = kSep[i];
  }
  out[o] = '\0';
}
