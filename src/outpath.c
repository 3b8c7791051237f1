/* The result file's path before a run: its default name and rank 0's
 * checks before anything is written (outpath.h). Moved out of runner.c
 * unchanged. */
#include "outpath.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tradewar/output.h"

static int mkdir_parents(const char *path)
{
    char *tmp = strdup(path);
    if (!tmp)
        return -1;
    char *dir = dirname(tmp);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0777);
            *p = '/';
        }
    int rc = mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
    free(tmp);
    return rc;
}

/* Rank 0, before anything is written: the directory, the write lock (one
 * writer per file: a live holder is refused before the checks below, so
 * that the message names it), the existing file, the free space. */
/* Open MPI 4.1's default MPI-IO (OMPIO) formats the file's name and a
 * suffix into a fixed buffer when it opens a file (its sharedfp "lockedfile"
 * component): a longer name aborts the process with "buffer overflow
 * detected" inside MPI_File_open. Measured with Debian's 4.1: 244 bytes
 * pass, 245 abort; the margin covers a longer suffix (more digits). */
#define TW_MPIIO_PATH_MAX 236

int tw_outpath_preflight(const char *path, int resume, int force, int quiet,
                         uint64_t bytes_needed, int *exists, tw_writelock **lock, tw_error *err)
{
    if (strlen(path) > TW_MPIIO_PATH_MAX)
        return tw_error_set(err, TW_EUSAGE, "%s: the output path is %zu bytes long; Open MPI's "
                            "MPI-IO cannot open a file whose path is longer than %d bytes: use "
                            "a shorter path (e.g. a relative one, run from a directory nearer "
                            "the file)", path, strlen(path), TW_MPIIO_PATH_MAX);
    *exists = tw_output_exists(path);
    if (mkdir_parents(path) < 0) {
        if (*exists && !resume && !force)
            return tw_error_set(err, TW_EUSAGE, "%s exists: use --resume to continue it or "
                                "--force to overwrite it", path);
        return tw_error_set(err, TW_EIO, "%s: cannot create its directory: %s", path,
                            strerror(errno));
    }
    char *tmp = strdup(path);
    if (!tmp)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    const char *dir = dirname(tmp);
    int rc = TW_OK;
    /* Try to create a file there: access(W_OK) says yes to root even on
     * read-only or pseudo file systems such as /proc. */
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/.tradewar-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot write in directory '%s': %s", path, dir,
                          strerror(errno));
    else {
        close(fd);
        unlink(probe);
    }
    char stale[1200];
    if (!rc)
        rc = tw_writelock_take(path, lock, stale, sizeof stale, err);
    if (!rc && stale[0] && !quiet)
        fprintf(stderr, "tradewar: warning: %s\n", stale);
    *exists = tw_output_exists(path);
    if (!rc && *exists && !resume && !force)
        rc = tw_error_set(err, TW_EUSAGE, "%s exists: use --resume to continue it or --force "
                          "to overwrite it", path);
    struct statvfs vfs;
    if (!rc && !(*exists && resume) && statvfs(dir, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (avail < (double)bytes_needed)
            rc = tw_error_set(err, TW_EIO, "%s: not enough disk space: the file needs about "
                              "%.1f MB, %.1f MB are free in '%s'", path, bytes_needed / 1e6,
                              avail / 1e6, dir);
    }
    free(tmp);
    return rc;
}

char *tw_outpath_default(const char *config_path)
{
    char *tmp = strdup(config_path);
    if (!tmp)
        return NULL;
    char *base = basename(tmp);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    size_t n = strlen(base) + 16;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "results/%s.h5", base);
    free(tmp);
    return out;
}
