/* base/status.c - names and messages of vouch_status, and vouch_err. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

static const char *const kNames[] = {
#define VOUCH_X_NAME(name, msg) #name,
    VOUCH_STATUS_LIST(VOUCH_X_NAME)
#undef VOUCH_X_NAME
};

static const char *const kMessages[] = {
#define VOUCH_X_MSG(name, msg) msg,
    VOUCH_STATUS_LIST(VOUCH_X_MSG)
#undef VOUCH_X_MSG
};

const char *vouch_status_name(vouch_status s) {
  if ((unsigned)s >= VOUCH_STATUS_COUNT) return "E_UNKNOWN";
  return kNames[s];
}

const char *vouch_status_message(vouch_status s) {
  if ((unsigned)s >= VOUCH_STATUS_COUNT) return "unknown status";
  return kMessages[s];
}

vouch_status vouch_fail(vouch_err *err, vouch_status code, const char *fmt, ...) {
  if (err == NULL || err->code != VOUCH_OK) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  return code;
}

void vouch_err_clear(vouch_err *err) {
  if (err == NULL) return;
  err->code = VOUCH_OK;
  err->msg[0] = '\0';
}

void vouch_err_prefix(vouch_err *err, const char *fmt, ...) {
  if (err == NULL) return;
  char prefix[VOUCH_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  int p = vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  if (p <= 0) return;
  size_t plen = (size_t)p < sizeof(prefix) ? (size_t)p : sizeof(prefix) - 1;
  size_t room = sizeof(err->msg) - 1 - plen;
  size_t n = strnlen(err->msg, sizeof(err->msg) - 1);
  if (n > room) n = room;
  memmove(err->msg + plen, err->msg, n);
  memcpy(err->msg, prefix, plen);
  err->msg[plen + n] = '\0';
}
