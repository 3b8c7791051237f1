/* LD_PRELOAD shim for fault-injection tests (resume_test.py case `fault`):
 * after TW_FAULT_PWRITE_AFTER successful positional writes, every further
 * pwrite/pwritev of this process fails with ENOSPC, as a full disk would
 * fail in the middle of a run. MPI-IO (ROMIO and OMPIO) writes the HDF5 file
 * with these calls; stderr and MPI's sockets use write(), which is left
 * alone. TW_FAULT_RANK=K restricts the fault to the MPI rank K (from
 * OMPI_COMM_WORLD_RANK / PMIX_RANK). TW_FAULT_VERBOSE=1 prints the count at
 * exit (to choose TW_FAULT_PWRITE_AFTER). It can also pause a run in one
 * phase (H5Gcreate2, H5Dopen2 below). Test code only: never installed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long after = -1, count;
static int verbose;

__attribute__((constructor)) static void fault_init(void)
{
    const char *a = getenv("TW_FAULT_PWRITE_AFTER");
    const char *r = getenv("TW_FAULT_RANK");
    const char *me = getenv("OMPI_COMM_WORLD_RANK");
    if (!me)
        me = getenv("PMIX_RANK");
    verbose = getenv("TW_FAULT_VERBOSE") != NULL;
    if (a && (!r || (me && atoi(me) == atoi(r))))
        after = atol(a);
}

__attribute__((destructor)) static void fault_fini(void)
{
    if (verbose)
        fprintf(stderr, "fault_pwrite: %ld positional writes (fault after %ld)\n", count, after);
}

static int fail_now(void)
{
    if (after >= 0 && count >= after) {
        errno = ENOSPC;
        return 1;
    }
    count++;
    return 0;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pwrite"); /* POSIX idiom */
    return fail_now() ? -1 : real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pwrite64"); /* POSIX idiom */
    return fail_now() ? -1 : real(fd, buf, n, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pwritev"); /* POSIX idiom */
    return fail_now() ? -1 : real(fd, iov, cnt, off);
}

/* The pause: when TW_FAULT_PAUSE_GROUP names a group being created (e.g.
 * "summary", which only the summary pass creates), touch the file
 * TW_FAULT_PAUSE_MARK and sleep TW_FAULT_PAUSE_SECONDS first, so that a test
 * can act while the run is in that phase. hid_t is int64_t in HDF5 1.10+. */
static void pause_here(void)
{
    const char *mark = getenv("TW_FAULT_PAUSE_MARK");
    if (mark) {
        FILE *f = fopen(mark, "w");
        if (f)
            fclose(f);
    }
    const char *sec = getenv("TW_FAULT_PAUSE_SECONDS");
    sleep(sec ? (unsigned)atoi(sec) : 5u);
}

/* The same when TW_FAULT_PAUSE_DATASET names a dataset being opened (e.g.
 * "outputs/y"), after the first TW_FAULT_PAUSE_DATASET_SKIP opens of it in
 * this process (default 0). A fresh run opens the per-sample datasets once
 * at start-up (the parallel open after rank 0's serial layout), then the
 * final passes open them again, each just before reading its first slab. */
int64_t H5Dopen2(int64_t loc, const char *name, int64_t dapl)
{
    static int64_t (*real)(int64_t, const char *, int64_t);
    static int seen;
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "H5Dopen2"); /* POSIX idiom */
    const char *d = getenv("TW_FAULT_PAUSE_DATASET");
    const char *skip = getenv("TW_FAULT_PAUSE_DATASET_SKIP");
    if (d && name && strcmp(d, name) == 0 && seen++ >= (skip ? atoi(skip) : 0))
        pause_here();
    return real(loc, name, dapl);
}

int64_t H5Gcreate2(int64_t loc, const char *name, int64_t lcpl, int64_t gcpl, int64_t gapl)
{
    static int64_t (*real)(int64_t, const char *, int64_t, int64_t, int64_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "H5Gcreate2"); /* POSIX idiom */
    const char *g = getenv("TW_FAULT_PAUSE_GROUP");
    if (g && name && strcmp(g, name) == 0)
        pause_here();
    return real(loc, name, lcpl, gcpl, gapl);
}
