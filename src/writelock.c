/* One writer per result file: see writelock.h. */
#define _GNU_SOURCE
#include "writelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct tw_writelock {
    int fd;
    char *lockpath;
};

static char *lock_path(const char *path)
{
    size_t n = strlen(path) + 6;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.lock", path);
    return p;
}

/* The holder's line: "host H pid P job J since T". */
static void read_holder(int fd, char *who, size_t n)
{
    ssize_t got = pread(fd, who, n - 1, 0);
    who[got > 0 ? got : 0] = '\0';
    who[strcspn(who, "\n")] = '\0';
}

void tw_job_id(char *buf, size_t n)
{
    const char *j = getenv("SLURM_JOB_ID");
    const char *a = getenv("SLURM_ARRAY_JOB_ID"), *t = getenv("SLURM_ARRAY_TASK_ID");
    if (a && t)
        snprintf(buf, n, "%s_%s", a, t);
    else if (j)
        snprintf(buf, n, "%s", j);
    else if ((j = getenv("PBS_JOBID")))
        snprintf(buf, n, "%s", j);
    else
        snprintf(buf, n, "none");
}

int tw_writelock_take(const char *path, tw_writelock **out, char *stale, size_t n, tw_error *err)
{
    *out = NULL;
    if (stale && n)
        stale[0] = '\0';
    tw_writelock *l = calloc(1, sizeof *l);
    char *lp = lock_path(path);
    if (!l || !lp) {
        free(l);
        free(lp);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    l->lockpath = lp;
    /* Retry when the file we locked was removed by its previous holder
     * between our open and our lock: we must hold the lock of the file
     * that is at the path now. */
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            free(lp);
            free(l);
            return tw_error_set(err, TW_EIO, "%s: cannot create the lock file '%s.lock': %s",
                                path, path, strerror(e));
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &fl) < 0) {
            int e = errno;
            char who[512];
            read_holder(fd, who, sizeof who);
            close(fd);
            if (e == EACCES || e == EAGAIN) {
                free(lp);
                free(l);
                return tw_error_set(err, TW_EUSAGE, "%s is being written by another run (%s): "
                                    "refusing a second writer; wait for it to end or stop it",
                                    path, who[0] ? who : "holder unknown");
            }
            /* no record locks here (ENOLCK, ENOSYS): run, but say so */
            if (stale && n)
                snprintf(stale, n, "%s: this file system has no record locks (%s): a second "
                         "writer cannot be detected", path, strerror(e));
            l->fd = -1;
            *out = l;
            return TW_OK;
        }
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(lp, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
            close(fd);
            continue;
        }
        char who[512];
        read_holder(fd, who, sizeof who);
        if (who[0] && stale && n)
            snprintf(stale, n, "%s: taking over the write lock of a run that is gone (%s)", path,
                     who);
        char host[256] = "?", job[128], since[64];
        gethostname(host, sizeof host - 1);
        tw_job_id(job, sizeof job);
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
        char line[800];
        int len = snprintf(line, sizeof line, "host %s pid %ld job %s since %s\n", host,
                           (long)getpid(), job, since);
        if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len) {
            int e = errno;
            close(fd);
            free(lp);
            free(l);
            return tw_error_set(err, TW_EIO, "%s: cannot write the lock file: %s", path,
                                strerror(e));
        }
        l->fd = fd;
        *out = l;
        return TW_OK;
    }
    free(lp);
    free(l);
    return tw_error_set(err, TW_EIO, "%s: the lock file keeps changing: another run is starting?",
                        path);
}

void tw_writelock_release(tw_writelock *l)
{
    if (!l)
        return;
    if (l->fd >= 0) {
        /* unlink while still holding the lock: a newcomer that opened the
         * old file retries on the new one (see the inode check above) */
        unlink(l->lockpath);
        close(l->fd);
    }
    free(l->lockpath);
    free(l);
}

int tw_writelock_holder(const char *path, char *who, size_t n)
{
    who[0] = '\0';
    char *lp = lock_path(path);
    if (!lp)
        return 0;
    int fd = open(lp, O_RDONLY | O_CLOEXEC);
    free(lp);
    if (fd < 0)
        return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int live = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    if (live)
        read_holder(fd, who, n);
    close(fd);
    return live;
}
