/* A small CSV reader: the whole file in memory, fields unquoted in place.
 * See twm_csv.h for the dialect. */
#include "twm_csv.h"

#include "tradewar/provenance.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void twm_csv_close(twm_csv_file *c)
{
    free(c->buf);
    c->buf = NULL;
}

int twm_csv_open(twm_csv_file *c, const char *path, tw_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tw_error_set(err, TW_EDATA, "%s: cannot open: %s", path, strerror(errno));
    /* Read in pieces and stop at the first NUL byte or past the size cap, so
     * that /dev/zero, a FIFO or a binary file ends with a message at once
     * instead of growing memory without bound. */
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
    }
    int nul = 0, big = 0;
    for (;;) {
        if (cap - len < 2) {
            if (len >= TWM_CSV_MAX_BYTES) {
                big = 1;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        nul = memchr(buf + len, '\0', got) != NULL;
        len += got;
        if (got == 0 || nul)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    buf[len] = '\0';
    int rc = TW_OK;
    if (nul)
        rc = tw_error_set(err, TW_EDATA, "%s: contains a NUL byte (not a text CSV file)", path);
    else if (big)
        rc = tw_error_set(err, TW_EDATA, "%s: larger than %d MiB (the limit for a data file)", path,
                          (int)(TWM_CSV_MAX_BYTES >> 20));
    else if (rerr)
        rc = tw_error_set(err, TW_EDATA, "%s: read error", path);
    if (rc) {
        free(buf);
        return rc;
    }
    tw_provenance_record(path, buf, len); /* resume refuses changed data */
    c->buf = buf;
    c->pos = buf;
    if ((unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        c->pos += 3;
    c->next_line = 1;
    return TW_OK;
}

static char *trim(char *s, char **end)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = *end;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *end = e;
    return s;
}

/* Next non-empty record. Returns 1 with fields set, 0 at end of file, or
 * a negative value after setting err. */
int twm_csv_next(twm_csv_file *c, tw_error *err)
{
    for (;;) {
        char *p = c->pos;
        if (*p == '\0')
            return 0;
        c->line = c->next_line;
        /* find the end of this physical line (quotes may not span lines) */
        char *eol = p;
        while (*eol && *eol != '\n')
            eol++;
        char *next = *eol ? eol + 1 : eol;
        char *lend = eol;
        if (lend > p && lend[-1] == '\r')
            lend--;
        c->next_line++;
        c->pos = next;
        *lend = '\0';
        /* empty (or blank) line: skip */
        char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == '\0')
            continue;
        for (char *r = p; r < lend; r++)
            if (*r == '\r')
                return -tw_error_set(err, TW_EDATA, "%s:%ld: stray carriage return inside a line",
                                     c->path, c->line);
        c->nfield = 0;
        char *s = p;
        for (;;) {
            if (c->nfield == CSV_MAX_FIELDS)
                return -tw_error_set(err, TW_EDATA, "%s:%ld: too many fields (more than %d)",
                                     c->path, c->line, CSV_MAX_FIELDS);
            while (*s == ' ' || *s == '\t')
                s++;
            char *out, *fend;
            if (*s == '"') {
                char *r = s + 1;
                char *w = s;
                out = s;
                for (;;) {
                    if (*r == '\0')
                        return -tw_error_set(err, TW_EDATA,
                                             "%s:%ld: field %d: unterminated quoted field "
                                             "(a quoted field may not span lines)",
                                             c->path, c->line, c->nfield + 1);
                    if (*r == '"') {
                        if (r[1] == '"') {
                            *w++ = '"';
                            r += 2;
                            continue;
                        }
                        r++;
                        break;
                    }
                    *w++ = *r++;
                }
                fend = w;
                while (*r == ' ' || *r == '\t')
                    r++;
                if (*r != ',' && *r != '\0')
                    return -tw_error_set(err, TW_EDATA,
                                         "%s:%ld: field %d: unexpected text after closing quote",
                                         c->path, c->line, c->nfield + 1);
                *fend = '\0';
                c->field[c->nfield++] = out;
                if (*r == '\0')
                    break;
                s = r + 1;
            } else {
                char *r = s;
                while (*r && *r != ',') {
                    if (*r == '"')
                        return -tw_error_set(err, TW_EDATA,
                                             "%s:%ld: field %d: quote inside an unquoted field",
                                             c->path, c->line, c->nfield + 1);
                    r++;
                }
                char *e = r;
                out = trim(s, &e);
                int last = (*r == '\0');
                *e = '\0';
                c->field[c->nfield++] = out;
                if (last)
                    break;
                s = r + 1;
            }
        }
        return 1;
    }
}

/* Read and check the header line. */
int twm_csv_header(twm_csv_file *c, const char *const *cols, int ncols, tw_error *err)
{
    int r = twm_csv_next(c, err);
    if (r < 0)
        return -r;
    char want[256];
    size_t off = 0;
    for (int k = 0; k < ncols; k++)
        off += (size_t)snprintf(want + off, sizeof want - off, "%s%s", k ? "," : "", cols[k]);
    if (r == 0)
        return tw_error_set(err, TW_EDATA, "%s: empty file, expected header '%s'", c->path, want);
    int ok = (c->nfield == ncols);
    for (int k = 0; ok && k < ncols; k++)
        if (strcmp(c->field[k], cols[k]) != 0)
            ok = 0;
    if (!ok) {
        char got[256];
        size_t go = 0;
        for (int k = 0; k < c->nfield && go < sizeof got - 1; k++)
            go += (size_t)snprintf(got + go, sizeof got - go, "%s%.60s", k ? "," : "", c->field[k]);
        return tw_error_set(err, TW_EDATA, "%s:%ld: wrong header: expected '%s', got '%s'", c->path,
                            c->line, want, got);
    }
    return TW_OK;
}

int twm_csv_nfields(const twm_csv_file *c, int n, tw_error *err)
{
    if (c->nfield != n)
        return tw_error_set(err, TW_EDATA, "%s:%ld: expected %d fields, got %d", c->path, c->line, n,
                            c->nfield);
    return TW_OK;
}

/* A finite number, the whole field. */
int twm_csv_number(const twm_csv_file *c, int k, const char *col, double *out, tw_error *err)
{
    const char *s = c->field[k];
    if (*s == '\0')
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': empty value", c->path, c->line, col);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': not a number: '%.64s'", c->path,
                            c->line, col, s);
    if (!isfinite(v))
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': value is not finite: '%.64s'",
                            c->path, c->line, col, s);
    if (errno == ERANGE && fabs(v) > 1.0)
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': value out of range: '%.64s'",
                            c->path, c->line, col, s);
    *out = v;
    return TW_OK;
}

