/* tradewar: the one error path.
 *
 * Every fallible function returns an int status (0 = TW_OK) and, on failure,
 * fills a caller-provided tw_error with a message that says what and where
 * (file:line: key: ...). All failures pass through tw_error_set(), so one
 * breakpoint there catches every error.
 *
 * The codes are generated from one table (libuv's UV_ERRNO_MAP idea), which
 * also fixes the process exit code of each kind of failure (DESIGN.md):
 * 1 usage or config error, 2 data or runtime error, 3 interrupted (resumable).
 */
#ifndef TRADEWAR_ERROR_H
#define TRADEWAR_ERROR_H

#include <stddef.h>

/* X(name, exit_code, short description) */
#define TW_ERROR_MAP(X)                                              \
    X(TW_EUSAGE, 1, "usage error")                                   \
    X(TW_ECONFIG, 1, "config error")                                 \
    X(TW_EDATA, 2, "data error")                                     \
    X(TW_EIO, 2, "I/O error")                                        \
    X(TW_ENOMEM, 2, "out of memory")                                 \
    X(TW_ENUMERIC, 2, "numerical error")                             \
    X(TW_EMPI, 2, "MPI error")                                       \
    X(TW_EINTERNAL, 2, "internal error")                             \
    X(TW_EINTERRUPTED, 3, "interrupted (resumable)")

enum tw_status {
    TW_OK = 0,
#define TW_ERROR_ENUM_(name, exitcode, text) name,
    TW_ERROR_MAP(TW_ERROR_ENUM_)
#undef TW_ERROR_ENUM_
    TW_ERROR_COUNT_
};

#define TW_ERROR_MSG_MAX 1024

typedef struct tw_error {
    int code;                   /* enum tw_status */
    char msg[TW_ERROR_MSG_MAX]; /* human-readable, no trailing newline */
} tw_error;

/* Record an error and return its code, so that callers can write
 * `return tw_error_set(err, TW_ECONFIG, "%s:%d: ...", ...);`.
 * err may be NULL (the message is then dropped). An earlier message in err is
 * overwritten: the innermost failure reports, callers may prefix context
 * with tw_error_prefix(). */
int tw_error_set(tw_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepend context ("while reading X: ") to an existing message. Returns err->code. */
int tw_error_prefix(tw_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void tw_error_clear(tw_error *err);

/* Short name of a code ("config error") and the process exit status for it. */
const char *tw_error_name(int code);
int tw_error_exit_code(int code);

#endif
