/* Provenance of the data files a session read: see provenance.h. */
#include "tradewar/provenance.h"

#include <stdlib.h>
#include <string.h>

#include "tradewar/config.h"

typedef struct record {
    char *path;
    char sha[65];
} record;

static record *recs;
static size_t nrecs, caprecs;

void tw_provenance_reset(void)
{
    for (size_t i = 0; i < nrecs; i++)
        free(recs[i].path);
    free(recs);
    recs = NULL;
    nrecs = caprecs = 0;
}

void tw_provenance_record(const char *path, const void *data, size_t len)
{
    char sha[65];
    tw_sha256_hex(data, len, sha);
    for (size_t i = 0; i < nrecs; i++)
        if (strcmp(recs[i].path, path) == 0) {
            memcpy(recs[i].sha, sha, sizeof sha); /* read twice: the last content counts */
            return;
        }
    if (nrecs == caprecs) {
        size_t nc = caprecs ? 2 * caprecs : 16;
        record *nr = realloc(recs, nc * sizeof *nr);
        if (!nr)
            return; /* a missing record makes resume refuse: safe side */
        recs = nr;
        caprecs = nc;
    }
    recs[nrecs].path = strdup(path);
    if (!recs[nrecs].path)
        return;
    memcpy(recs[nrecs].sha, sha, sizeof sha);
    nrecs++;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const record *)a)->path, ((const record *)b)->path);
}

char *tw_provenance_text(void)
{
    if (nrecs > 1) /* qsort's array may not be NULL, even when empty (C11 7.22.5) */
        qsort(recs, nrecs, sizeof *recs, by_path);
    size_t len = 1;
    for (size_t i = 0; i < nrecs; i++)
        len += 64 + 2 + strlen(recs[i].path) + 1;
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < nrecs; i++) {
        size_t n = strlen(recs[i].path);
        memcpy(p, recs[i].sha, 64);
        memcpy(p + 64, "  ", 2);
        memcpy(p + 66, recs[i].path, n);
        p[66 + n] = '\n';
        p += 67 + n;
        *p = '\0';
    }
    return out;
}

const char *tw_provenance_missing(const char *now, const char *listed, char sha[65],
                                  int *path_len)
{
    for (const char *line = now ? now : ""; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > 66) { /* "sha256  path" */
            memcpy(sha, line, 64);
            sha[64] = '\0';
            if (!strstr(listed, sha)) {
                *path_len = (int)(len - 66);
                return line;
            }
        }
        line += len + (nl != NULL);
    }
    return NULL;
}
