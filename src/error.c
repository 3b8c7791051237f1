#include "tradewar/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tw_error_set(tw_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int tw_error_prefix(tw_error *err, const char *fmt, ...)
{
    if (!err)
        return TW_EINTERNAL;
    char prefix[TW_ERROR_MSG_MAX];
    char old[TW_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Explicit copies instead of "%s%s": the result is meant to be cut at
     * the buffer size, and gcc's -Wformat-truncation would flag that. */
    size_t lp = strnlen(prefix, sizeof prefix - 1);
    size_t lo = strnlen(old, sizeof old - 1);
    if (lp + lo > sizeof err->msg - 1)
        lo = sizeof err->msg - 1 - lp;
    memcpy(err->msg, prefix, lp);
    memcpy(err->msg + lp, old, lo);
    err->msg[lp + lo] = '\0';
    return err->code;
}

void tw_error_clear(tw_error *err)
{
    if (err) {
        err->code = TW_OK;
        err->msg[0] = '\0';
    }
}

const char *tw_error_name(int code)
{
    switch (code) {
    case TW_OK:
        return "ok";
#define TW_ERROR_NAME_(name, exitcode, text) \
    case name:                               \
        return text;
        TW_ERROR_MAP(TW_ERROR_NAME_)
#undef TW_ERROR_NAME_
    default:
        return "unknown error";
    }
}

int tw_error_exit_code(int code)
{
    switch (code) {
    case TW_OK:
        return 0;
#define TW_ERROR_EXIT_(name, exitcode, text) \
    case name:                               \
        return exitcode;
        TW_ERROR_MAP(TW_ERROR_EXIT_)
#undef TW_ERROR_EXIT_
    default:
        return 2;
    }
}
