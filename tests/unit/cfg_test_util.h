/* A temporary directory per test program and configs written into it, for
 * the tests that open sessions from YAML text (test_config.c, test_keys.c,
 * test_sensitivity.c). Header only, like twm_test_util.h, so the
 * one-program-per-test_*.c rule of CMakeLists.txt needs no extra source.
 * Include after <cmocka.h>: the helpers fail the running test themselves.
 * Pass cfg_setup and cfg_teardown to cmocka_run_group_tests. */
#ifndef TW_CFG_TEST_UTIL_H
#define TW_CFG_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tradewar/runner.h"

static char tmpdir[256];

static inline int cfg_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tw_test_cfg_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int cfg_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to <tmpdir>/<name>; the path stays valid until the next call. */
static inline const char *write_cfg(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A session of a config that must be accepted (written as c.yaml). */
static inline tw_session *open_ok(const char *text)
{
    tw_session *s = NULL;
    tw_error err = {0};
    if (tw_session_open(write_cfg("c.yaml", text), &s, &err))
        fail_msg("refused: %s\n%s", err.msg, text);
    return s;
}

#endif
