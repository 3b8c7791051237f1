/* The run history of a result file: see history.h. */
#include "tradewar/history.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"
#include "mpiutil.h"
#include "tw_version.h"
#include "writelock.h"

#define GROUP "history"
/* rows per chunk: a file gets a handful of starts, a requeued job a few hundred */
#define CHUNK_ROWS 16

enum kind { STR, I64, F64 };

/* One column: its dataset, the field of tw_history_row, and whether the end
 * writes it. The order is the order of the datasets in docs/FORMAT.md. */
typedef struct column {
    const char *name;
    enum kind kind;
    size_t off, size; /* STR: a char[size] field */
    int at_end;
    const char *units, *description;
} column;

#define F(field) offsetof(tw_history_row, field), sizeof(((tw_history_row *)0)->field)

static const column columns[] = {
    {"started", STR, F(started), 0, "1", "UTC time the start began (ISO 8601)"},
    {"ended", STR, F(ended), 1, "1", "UTC time the start ended (ISO 8601); empty: not recorded"},
    {"hosts", STR, F(hosts), 0, "1", "host names of the ranks, comma-separated"},
    {"mpi_ranks", I64, F(mpi_ranks), 0, "1", "MPI ranks"},
    {"omp_threads", I64, F(omp_threads), 0, "1", "OpenMP threads per rank"},
    {"job_id", STR, F(job_id), 0, "1", "batch job id (Slurm array job_task, Slurm, PBS) or none"},
    {"engine_version", STR, F(engine_version), 0, "1", "tradewar version of this start"},
    {"blocks_at_start", I64, F(blocks_at_start), 0, "1", "blocks flagged done when it began"},
    {"blocks_at_end", I64, F(blocks_at_end), 1, "1", "blocks flagged done when it ended; -1: "
                                                     "not recorded"},
    {"exit_reason", STR, F(exit_reason), 1, "1", "complete, stopped (signal or --max-time; "
                                                  "resumable), error, or unfinished (killed, or "
                                                  "still running: the end was not recorded)"},
    {"exit_detail", STR, F(exit_detail), 1, "1", "the stop or error message"},
    {"exit_status", I64, F(exit_status), 1, "1", "exit status of the run (0, 1, 2, 3); -1: not "
                                                  "recorded"},
    {"wall_seconds", F64, F(wall_seconds), 1, "s", "wall time of the start; NaN: not recorded"},
    {"cpu_seconds", F64, F(cpu_seconds), 1, "s", "user + system CPU time summed over the ranks; "
                                                 "NaN: not recorded"},
    {"max_rss_bytes", I64, F(max_rss_bytes), 1, "bytes", "largest peak resident set size of any "
                                                          "rank; -1: not recorded"},
};
#define NCOL (sizeof columns / sizeof *columns)

/* A string cut to fit a field may end inside a UTF-8 sequence (a path in an
 * error message): drop the incomplete sequence, since readers decode the
 * column as UTF-8 and h5py's asstr() fails on a broken one. */
static void utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char c = (unsigned char)s[i - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

static void utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_end_fill(tw_history_row *row)
{
    row->ended[0] = '\0';
    row->blocks_at_end = -1;
    snprintf(row->exit_reason, sizeof row->exit_reason, "%s", TW_HISTORY_UNFINISHED);
    row->exit_detail[0] = '\0';
    row->exit_status = -1;
    row->wall_seconds = row->cpu_seconds = NAN;
    row->max_rss_bytes = -1;
}

enum { HOST_MAX = 256 };

void tw_history_describe_start(MPI_Comm comm, int omp_threads, tw_history_row *row)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(row, 0, sizeof *row);
    char host[HOST_MAX] = "?";
    gethostname(host, sizeof host - 1);
    char *all = rank == 0 ? malloc((size_t)size * HOST_MAX) : NULL;
    MPI_Gather(host, HOST_MAX, MPI_CHAR, all, HOST_MAX, MPI_CHAR, 0, comm);
    if (rank == 0) {
        size_t used = 0;
        int listed = 0, more = 0;
        for (int r = 0; all && r < size; r++) {
            const char *h = all + (size_t)r * HOST_MAX;
            int seen = 0;
            for (int q = 0; q < r && !seen; q++)
                seen = strcmp(h, all + (size_t)q * HOST_MAX) == 0;
            if (seen)
                continue;
            /* keep room for the " (+N more)" note */
            if (used + strlen(h) + 2 < sizeof row->hosts - 24) {
                used += (size_t)snprintf(row->hosts + used, sizeof row->hosts - used, "%s%s",
                                         listed ? "," : "", h);
                listed++;
            } else
                more++;
        }
        if (more)
            snprintf(row->hosts + used, sizeof row->hosts - used, " (+%d more)", more);
        free(all);
        utc_now(row->started, sizeof row->started);
        tw_job_id(row->job_id, sizeof row->job_id);
    }
    snprintf(row->engine_version, sizeof row->engine_version, "%s", TW_VERSION);
    row->mpi_ranks = size;
    row->omp_threads = omp_threads;
    set_end_fill(row);
}

/* ---- HDF5 ---- */

static hid_t vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static hid_t file_type(enum kind k)
{
    return k == STR ? vlen_str() : H5Tcopy(k == I64 ? H5T_STD_I64LE : H5T_IEEE_F64LE);
}

static hid_t mem_type(enum kind k)
{
    return k == STR ? vlen_str() : H5Tcopy(k == I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE);
}

/* An empty extendible 1-D dataset. */
static hid_t create_column(hid_t g, const char *name, enum kind k)
{
    hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = CHUNK_ROWS;
    hid_t sp = H5Screate_simple(1, &zero, &unlim);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t t = file_type(k);
    if (k == I64) {
        const int64_t fill = -1;
        H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &fill);
    } else if (k == F64) {
        const double fill = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
    }
    hid_t ds = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Tclose(t);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return ds;
}

/* The group with its scale and empty columns, each labelled and attached. */
static int create_group(hid_t f)
{
    hid_t g = H5Gcreate2(f, GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    int bad = 0;
    tw_h5_attr_str(g, "description", "one row per start of `tradewar run` on this file (the "
                   "first and every resume)");
    hid_t sc = create_column(g, "start", I64);
    bad |= sc < 0 || tw_h5_make_scale(sc, "start", "1", "start index: 0 the first run, then "
                                      "each resume in order") < 0;
    for (size_t c = 0; !bad && c < NCOL; c++) {
        hid_t ds = create_column(g, columns[c].name, columns[c].kind);
        bad |= ds < 0 || tw_h5_describe(ds, columns[c].units, columns[c].description, NULL) < 0;
        bad |= ds < 0 || tw_h5_attach(ds, g, 0, "start") < 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (sc >= 0)
        H5Dclose(sc);
    H5Gclose(g);
    return bad ? -1 : 0;
}

static int write_at(hid_t ds, hsize_t k, enum kind kind, const void *value)
{
    hid_t fs = H5Dget_space(ds);
    hsize_t one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &k, NULL, &one, NULL);
    hid_t mt = mem_type(kind);
    /* one value: a small type-conversion buffer (HDF5 callocs 1 MiB per
     * converting write by default, as tw_h5_write_labels notes; callgrind:
     * 15 M of the 24 M instructions of a start's /history row) */
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_buffer(dxpl, 4096, NULL, NULL);
    herr_t st = H5Dwrite(ds, mt, ms, fs, dxpl, value);
    H5Pclose(dxpl);
    H5Tclose(mt);
    H5Sclose(ms);
    H5Sclose(fs);
    return st < 0 ? -1 : 0;
}

static int write_field(hid_t ds, hsize_t k, const column *c, const tw_history_row *row)
{
    const char *p = (const char *)row + c->off;
    if (c->kind == STR)
        return write_at(ds, k, STR, &p); /* a vlen string is written from its char * */
    return write_at(ds, k, c->kind, p);
}

static hsize_t rows_of(hid_t ds)
{
    hid_t sp = H5Dget_space(ds);
    hsize_t n = 0;
    if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1)
        H5Sget_simple_extent_dims(sp, &n, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    return n;
}

static int64_t count_done_blocks(hid_t f)
{
    if (H5Lexists(f, "status", H5P_DEFAULT) <= 0 ||
        H5Lexists(f, "status/block_done", H5P_DEFAULT) <= 0)
        return 0;
    hid_t ds = H5Dopen2(f, "status/block_done", H5P_DEFAULT);
    hsize_t n = ds >= 0 ? rows_of(ds) : 0;
    uint8_t *flags = malloc(n ? n : 1);
    int64_t count = -1;
    if (ds >= 0 && flags &&
        (!n || H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, flags) >= 0)) {
        count = 0;
        for (hsize_t b = 0; b < n; b++)
            count += flags[b] != 0;
    }
    free(flags);
    if (ds >= 0)
        H5Dclose(ds);
    return count;
}

/* recount: blocks_at_start from the file (a new start), else row as it is
 * (a row copied from another file). */
static int append_row(const char *path, tw_history_row *row, int recount, tw_error *err)
{
    tw_h5_quiet();
    hid_t f = tw_h5_open(path, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot open to record this start in /history",
                            path);
    if (recount)
        row->blocks_at_start = count_done_blocks(f);
    int bad = H5Lexists(f, GROUP, H5P_DEFAULT) <= 0 && create_group(f) < 0;
    hid_t g = bad ? -1 : H5Gopen2(f, GROUP, H5P_DEFAULT);
    hid_t sc = g >= 0 ? H5Dopen2(g, "start", H5P_DEFAULT) : -1;
    bad |= sc < 0;
    hsize_t k = bad ? 0 : rows_of(sc), k1 = k + 1;
    int64_t idx = (int64_t)k;
    bad |= !bad && (H5Dset_extent(sc, &k1) < 0 || write_at(sc, k, I64, &idx) < 0);
    for (size_t c = 0; !bad && c < NCOL; c++) {
        hid_t ds = H5Dopen2(g, columns[c].name, H5P_DEFAULT);
        bad |= ds < 0 || H5Dset_extent(ds, &k1) < 0 || write_field(ds, k, &columns[c], row) < 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (sc >= 0)
        H5Dclose(sc);
    if (g >= 0)
        H5Gclose(g);
    bad |= H5Fclose(f) < 0;
    if (bad)
        return tw_error_set(err, TW_EIO, "%s: cannot record this start in /history (disk full, "
                            "or a damaged /history group)", path);
    row->appended = 1;
    return TW_OK;
}

int tw_history_append(const char *path, tw_history_row *row, tw_error *err)
{
    return append_row(path, row, 1, err);
}

int tw_history_append_copy(const char *path, const tw_history_row *row, tw_error *err)
{
    tw_history_row copy = *row;
    return append_row(path, &copy, 0, err);
}

/* Rank 0: the end fields into the last row. */
static int write_end(const char *path, tw_history_row *row, tw_error *err)
{
    tw_h5_quiet();
    hid_t f = tw_h5_open(path, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot open to record the end of this start in "
                            "/history", path);
    row->blocks_at_end = count_done_blocks(f);
    hid_t g = H5Lexists(f, GROUP, H5P_DEFAULT) > 0 ? H5Gopen2(f, GROUP, H5P_DEFAULT) : -1;
    hid_t sc = g >= 0 ? H5Dopen2(g, "start", H5P_DEFAULT) : -1;
    hsize_t n = sc >= 0 ? rows_of(sc) : 0;
    int bad = n == 0;
    for (size_t c = 0; !bad && c < NCOL; c++) {
        if (!columns[c].at_end)
            continue;
        hid_t ds = H5Dopen2(g, columns[c].name, H5P_DEFAULT);
        bad |= ds < 0 || write_field(ds, n - 1, &columns[c], row) < 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (sc >= 0)
        H5Dclose(sc);
    if (g >= 0)
        H5Gclose(g);
    bad |= H5Fclose(f) < 0;
    return bad ? tw_error_set(err, TW_EIO, "%s: cannot record the end of this start in /history",
                              path)
               : TW_OK;
}

int tw_history_finish(MPI_Comm comm, const char *path, double wall_seconds, int rc,
                      const tw_error *why, tw_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    struct rusage ru;
    double cpu = 0;
    long rss_kib = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
              (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
        rss_kib = ru.ru_maxrss; /* Linux: KiB */
    }
    double cpu_sum = 0;
    long rss_max = 0;
    MPI_Reduce(&cpu, &cpu_sum, 1, MPI_DOUBLE, MPI_SUM, 0, comm);
    MPI_Reduce(&rss_kib, &rss_max, 1, MPI_LONG, MPI_MAX, 0, comm);
    int wrc = TW_OK;
    if (rank == 0) {
        tw_history_row row;
        memset(&row, 0, sizeof row);
        utc_now(row.ended, sizeof row.ended);
        const char *reason = rc == TW_OK ? "complete" : rc == TW_EINTERRUPTED ? "stopped" : "error";
        snprintf(row.exit_reason, sizeof row.exit_reason, "%s", reason);
        if (rc && why)
            snprintf(row.exit_detail, sizeof row.exit_detail, "%.*s",
                     (int)sizeof row.exit_detail - 1, why->msg); /* a long message is cut */
        utf8_trim(row.exit_detail);
        row.exit_status = tw_error_exit_code(rc);
        row.wall_seconds = wall_seconds;
        row.cpu_seconds = cpu_sum;
        row.max_rss_bytes = (int64_t)rss_max * 1024;
        wrc = write_end(path, &row, err);
    }
    return tw_mpi_agree(comm, wrc, err);
}

/* ---- reading ---- */

static int read_column(hid_t g, const column *c, tw_history_row *rows, hsize_t n)
{
    hid_t ds = H5Dopen2(g, c->name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    if (rows_of(ds) < n) {
        H5Dclose(ds);
        return -1;
    }
    hid_t fs = H5Dget_space(ds);
    hsize_t zero = 0;
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &zero, NULL, &n, NULL);
    hid_t ms = H5Screate_simple(1, &n, NULL);
    hid_t mt = mem_type(c->kind);
    int rc = -1;
    if (c->kind == STR) {
        char **v = calloc(n, sizeof *v);
        if (v && H5Dread(ds, mt, ms, fs, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < n; i++) {
                char *field = (char *)&rows[i] + c->off;
                snprintf(field, c->size, "%.*s", (int)c->size - 1, v[i] ? v[i] : "");
                utf8_trim(field);
            }
            H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, v);
            rc = 0;
        }
        free(v);
    } else {
        size_t w = c->size; /* 8 */
        unsigned char *buf = malloc(n * w);
        if (buf && H5Dread(ds, mt, ms, fs, H5P_DEFAULT, buf) >= 0) {
            for (hsize_t i = 0; i < n; i++)
                memcpy((char *)&rows[i] + c->off, buf + i * w, w);
            rc = 0;
        }
        free(buf);
    }
    H5Tclose(mt);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(ds);
    return rc;
}

int tw_history_read(const char *path, tw_history_row **rows, size_t *n, tw_error *err)
{
    *rows = NULL;
    *n = 0;
    tw_h5_quiet();
    hid_t f = tw_h5_open(path, H5F_ACC_RDONLY);
    if (f < 0)
        return tw_error_set(err, TW_EDATA, "%s: cannot open", path);
    if (H5Lexists(f, GROUP, H5P_DEFAULT) <= 0) {
        H5Fclose(f);
        return TW_OK;
    }
    hid_t g = H5Gopen2(f, GROUP, H5P_DEFAULT);
    hid_t sc = g >= 0 ? H5Dopen2(g, "start", H5P_DEFAULT) : -1;
    hsize_t k = sc >= 0 ? rows_of(sc) : 0;
    int bad = sc < 0;
    tw_history_row *r = k ? calloc(k, sizeof *r) : NULL;
    bad |= k && !r;
    for (size_t c = 0; !bad && k && c < NCOL; c++)
        bad |= read_column(g, &columns[c], r, k) < 0;
    if (sc >= 0)
        H5Dclose(sc);
    if (g >= 0)
        H5Gclose(g);
    H5Fclose(f);
    if (bad) {
        free(r);
        return tw_error_set(err, TW_EDATA, "%s: /history is damaged (a column is missing or "
                            "shorter than /history/start)", path);
    }
    for (hsize_t i = 0; i < k; i++)
        r[i].appended = 1;
    *rows = r;
    *n = (size_t)k;
    return TW_OK;
}
