/* Helpers shared by the fuzz harnesses (files in a private temporary
 * directory; failures that are not sanitizer reports). Header-only: each
 * harness is one program. */
#ifndef TW_FUZZ_UTIL_H
#define TW_FUZZ_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A finding that no sanitizer reports: print it and abort, so that libFuzzer
 * saves the input as a crash and the replay test fails. */
static inline void tw_fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
static inline void tw_fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FUZZ FINDING: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* The directory is removed at exit (libFuzzer exits through exit()). */
static char tw_fuzz_dir_[256];
static inline void tw_fuzz_cleanup_(void)
{
    char cmd[300];
    if (tw_fuzz_dir_[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tw_fuzz_dir_);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", tw_fuzz_dir_);
    }
}

static inline void tw_fuzz_tmpdir(char *dir, size_t size)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, size, "%s/tw_fuzz_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir))
        tw_fuzz_fail("cannot create a temporary directory");
    snprintf(tw_fuzz_dir_, sizeof tw_fuzz_dir_, "%s", dir);
    atexit(tw_fuzz_cleanup_);
}

static inline void tw_fuzz_write(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        tw_fuzz_fail("cannot write %s", path);
}

static inline void tw_fuzz_copy(const char *src, const char *dst)
{
    FILE *f = fopen(src, "rb");
    if (!f)
        tw_fuzz_fail("cannot read %s", src);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tw_fuzz_write(dst, buf, n);
}

/* dir/name -> the test dataset of that name (symbolic link). */
static inline void tw_fuzz_link_dataset(const char *dir, const char *name)
{
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/%s", TW_TEST_DATA_DIR, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    if (symlink(src, dst) != 0)
        tw_fuzz_fail("cannot link %s", dst);
}

static inline void tw_fuzz_check_finite(const double *x, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            tw_fuzz_fail("accepted input gives a non-finite %s (index %zu: %g)", what, i, x[i]);
}

#endif
