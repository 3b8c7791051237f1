/* The HDF5 result file: the handle, collective block writes, sync and
 * close. A new file's layout is in output_create.c, the reopening for
 * --resume in output_resume.c, the summary pass in summary.c. */
#include "tradewar/output.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"
#include "mpiutil.h"
#include "output_int.h"

int tw_output_exists(const char *path) { return access(path, F_OK) == 0; }
/* ---- the handle ---- */

tw_output *tw_output_alloc(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                           const tw_model_schema *schema)
{
    tw_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->comm = comm;
    MPI_Comm_rank(comm, &o->rank);
    o->file = o->dxpl = o->dxpl_ind = -1;
    o->ds_conv = o->ds_iter = o->ds_resid = o->ds_done = -1;
    o->path = strdup(path);
    o->n = meta->n_samples;
    o->bs = meta->block_size;
    o->nblocks = tw_n_blocks(o->n, o->bs);
    o->schema = schema;
    o->n_params = tw_params_count(schema->params);
    o->n_outcomes = schema->n_outcomes;
    o->row_size = tw_outcome_row_size(schema);
    o->ds_in = malloc((o->n_params + 1) * sizeof *o->ds_in);
    o->ds_out = malloc((o->n_outcomes + 1) * sizeof *o->ds_out);
    o->conv = malloc(o->bs * sizeof *o->conv);
    o->iter = malloc(o->bs * sizeof *o->iter);
    o->resid = malloc(o->bs * sizeof *o->resid);
    size_t maxw = 1;
    for (size_t k = 0; k < o->n_outcomes; k++)
        if (tw_outcome_size(schema, k) > maxw)
            maxw = tw_outcome_size(schema, k);
    o->pack = malloc(o->bs * maxw * sizeof *o->pack);
    if (!o->path || !o->ds_in || !o->ds_out || !o->conv || !o->iter || !o->resid || !o->pack) {
        free(o->pack);
        free(o->path);
        free(o->ds_in);
        free(o->ds_out);
        free(o->conv);
        free(o->iter);
        free(o->resid);
        free(o);
        return NULL;
    }
    for (size_t i = 0; i <= o->n_params; i++)
        o->ds_in[i] = -1;
    for (size_t i = 0; i <= o->n_outcomes; i++)
        o->ds_out[i] = -1;
    o->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(o->dxpl, H5FD_MPIO_COLLECTIVE);
    o->dxpl_ind = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(o->dxpl_ind, H5FD_MPIO_INDEPENDENT);
    return o;
}

int tw_output_open_rw(tw_output *o, const tw_run_meta *meta, tw_error *err)
{
    if (meta->history)
        meta->history->appended = 1;
    hid_t fapl = tw_h5_fapl_mpio(o->comm);
    o->file = H5Fopen(o->path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    return o->file < 0 ? tw_error_set(err, TW_EIO, "%s: cannot open for writing", o->path)
                       : TW_OK;
}

int tw_output_open_datasets(tw_output *o, tw_error *err)
{
    const tw_model_schema *s = o->schema;
    char name[512];
    for (size_t p = 0; p < o->n_params; p++) {
        snprintf(name, sizeof name, "inputs/%s", tw_params_get(s->params, p)->name);
        if ((o->ds_in[p] = H5Dopen2(o->file, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EDATA, "%s: /%s is missing (damaged file?)", o->path, name);
    }
    for (size_t k = 0; k < o->n_outcomes; k++) {
        snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
        if ((o->ds_out[k] = H5Dopen2(o->file, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EDATA, "%s: /%s is missing (damaged file?)", o->path, name);
        hsize_t dims[1 + TW_MAX_OUTCOME_DIMS], want[1 + TW_MAX_OUTCOME_DIMS];
        want[0] = o->n;
        tw_output_outcome_dims(s, &s->outcomes[k], want + 1);
        hid_t sp = H5Dget_space(o->ds_out[k]);
        int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        if (nd != 1 + s->outcomes[k].ndims || memcmp(dims, want, (size_t)nd * sizeof *dims))
            return tw_error_set(err, TW_EDATA, "%s: /%s has another shape than this model's",
                                o->path, name);
    }
    o->ds_conv = H5Dopen2(o->file, "status/converged", H5P_DEFAULT);
    o->ds_iter = H5Dopen2(o->file, "status/iterations", H5P_DEFAULT);
    o->ds_resid = H5Dopen2(o->file, "status/residual", H5P_DEFAULT);
    o->ds_done = H5Dopen2(o->file, "status/block_done", H5P_DEFAULT);
    if (o->ds_conv < 0 || o->ds_iter < 0 || o->ds_resid < 0 || o->ds_done < 0)
        return tw_error_set(err, TW_EDATA, "%s: /status is incomplete (damaged file?)", o->path);
    return TW_OK;
}

void tw_output_close_datasets(tw_output *o)
{
    for (size_t i = 0; i < o->n_params; i++)
        if (o->ds_in[i] >= 0) {
            H5Dclose(o->ds_in[i]);
            o->ds_in[i] = -1;
        }
    for (size_t i = 0; i < o->n_outcomes; i++)
        if (o->ds_out[i] >= 0) {
            H5Dclose(o->ds_out[i]);
            o->ds_out[i] = -1;
        }
    hid_t *st[] = {&o->ds_conv, &o->ds_iter, &o->ds_resid, &o->ds_done};
    for (size_t i = 0; i < 4; i++)
        if (*st[i] >= 0) {
            H5Dclose(*st[i]);
            *st[i] = -1;
        }
}

void tw_output_free_handles(tw_output *o)
{
    tw_output_close_datasets(o);
    if (o->dxpl >= 0)
        H5Pclose(o->dxpl);
    o->dxpl = -1;
    if (o->file >= 0)
        H5Fclose(o->file);
    o->file = -1;
}

void tw_output_free(tw_output *o)
{
    if (!o)
        return;
    tw_output_free_handles(o);
    if (o->dxpl_ind >= 0)
        H5Pclose(o->dxpl_ind);
    free(o->path);
    free(o->ds_in);
    free(o->ds_out);
    free(o->conv);
    free(o->iter);
    free(o->resid);
    free(o->pack);
    free(o);
}

/* ---- blocks ---- */

int tw_output_write_block(tw_output *o, int64_t block, size_t nrows, const double *inputs,
                          const double *outcomes, const tw_eval_status *status, tw_error *err)
{
    int mine = block >= 0 && nrows > 0;
    uint64_t s0 = mine ? (uint64_t)block * o->bs : 0;
    int bad = 0;
    /* Independent transfers: each rank writes its own rows (whole rows of
     * every dataset, disjoint from every other rank's; the chunks were
     * allocated at creation and have no filters, so the bytes go straight
     * to their place in the file), and a rank without a block writes
     * nothing. Collective transfers cost a synchronisation of all ranks per
     * dataset (~70 per round for the trade model): microseconds on a quiet
     * node, but a scheduling quantum each on a loaded one (2 ranks on 2
     * busy cores: the writes took as long as the evaluations). The block's
     * rows and its flag come from the same rank, so the flag still follows
     * its rows. */
    hid_t x = o->dxpl_ind;
    if (mine) {
        /* Each dataset's columns are packed into one contiguous buffer
         * first: handed a strided memory selection, HDF5 gathers element by
         * element (callgrind: 58 M instructions per 256-row block of the
         * default scenario, 3.6% of the run, on the one thread that writes). */
        for (size_t p = 0; p < o->n_params; p++) {
            for (size_t r = 0; r < nrows; r++)
                o->pack[r] = inputs[r * o->n_params + p];
            bad |= tw_h5_write_cols(o->ds_in[p], x, 1, s0, nrows, o->pack, 1, 0, 1) < 0;
        }
        size_t off = 0;
        for (size_t k = 0; k < o->n_outcomes; k++) {
            size_t sz = tw_outcome_size(o->schema, k);
            for (size_t r = 0; r < nrows; r++)
                memcpy(o->pack + r * sz, outcomes + r * o->row_size + off, sz * sizeof *o->pack);
            bad |= tw_h5_write_cols(o->ds_out[k], x, 1, s0, nrows, o->pack, sz, 0, sz) < 0;
            off += sz;
        }
        for (size_t r = 0; r < nrows; r++) {
            o->conv[r] = (uint8_t)(status[r].converged != 0);
            o->iter[r] = status[r].iterations;
            o->resid[r] = status[r].residual;
        }
        bad |= tw_h5_write_rows(o->ds_conv, x, H5T_NATIVE_UINT8, 1, s0, nrows, 1, o->conv) < 0;
        bad |= tw_h5_write_rows(o->ds_iter, x, H5T_NATIVE_INT32, 1, s0, nrows, 1, o->iter) < 0;
        bad |= tw_h5_write_rows(o->ds_resid, x, H5T_NATIVE_DOUBLE, 1, s0, nrows, 1, o->resid) < 0;
        /* The flag follows the rows. Parallel HDF5 hands raw data straight
         * to MPI-IO (no chunk cache) and the metadata never changes after
         * creation, so once these writes return, both are in the operating
         * system's hands: a killed process loses nothing written. Against a
         * machine crash, which may persist pages out of order,
         * tw_output_sync() fsyncs periodically and a resume trusts a flag
         * only if the block's rows are all there (iterations >= 0, see
         * open_resume). One fsync per block would cost more than small
         * blocks compute. */
        const uint8_t one = 1;
        bad |= tw_h5_write_rows(o->ds_done, x, H5T_NATIVE_UINT8, 1, (uint64_t)block, 1, 1,
                                &one) < 0;
    }
    /* no agreement here: the runner agrees on it with its round's other
     * flags, one round later (runner.c, "the rounds"), and ends the job */
    return bad ? tw_error_set(err, TW_EIO, "%s: writing block %lld failed (disk full or file "
                              "system error); completed blocks are kept, use --resume",
                              o->path, (long long)block)
               : TW_OK;
}

int tw_output_sync(tw_output *o, tw_error *err)
{
    int rc = H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0
                 ? tw_error_set(err, TW_EIO, "%s: flush to disk failed (disk full or file system "
                                "error); completed blocks are kept, use --resume", o->path)
                 : TW_OK;
    if ((rc = tw_mpi_agree(o->comm, rc, err)))
        tw_mpi_abort(o->comm, err);
    return TW_OK;
}

int tw_output_close(tw_output *o, tw_error *err)
{
    if (!o)
        return TW_OK;
    int rc = TW_OK;
    if (o->file >= 0 && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = tw_error_set(err, TW_EIO, "%s: final flush failed (disk full or file system "
                          "error); completed blocks are kept, use --resume", o->path);
    if ((rc = tw_mpi_agree(o->comm, rc, err)))
        tw_mpi_abort(o->comm, err);
    tw_output_free(o);
    return TW_OK;
}

struct tw_output_bgsync {
    pthread_t th;
    char *path;
    int err; /* errno of open or fsync, 0 if it worked */
};

static void *bgsync_main(void *arg)
{
    tw_output_bgsync *b = arg;
    int fd = open(b->path, O_RDONLY);
    b->err = fd < 0 || fsync(fd) < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* The fsync's outcome as the run's error, and the record freed. */
static int bgsync_end(tw_output_bgsync *b, tw_error *err)
{
    int rc = b->err ? tw_error_set(err, TW_EIO, "%s: flush to disk failed (%s); completed "
                                   "blocks are kept, use --resume", b->path, strerror(b->err))
                    : TW_OK;
    free(b->path);
    free(b);
    return rc;
}

int tw_output_close_deferred(tw_output *o, tw_output_bgsync **bg, tw_error *err)
{
    *bg = NULL;
    if (!o)
        return TW_OK;
    tw_output_bgsync *b = calloc(1, sizeof *b);
    if (b && !(b->path = strdup(o->path))) {
        free(b);
        b = NULL;
    }
    /* no H5Fflush: with parallel HDF5 it is an MPI_File_sync (an fsync
     * waited for here); H5Fclose writes any dirty metadata and does not
     * sync (HDF5's MPI-IO driver skips it when closing) */
    tw_output_free(o);
    /* the fsync on a thread of its own, which only waits for the disk (no
     * MPI, no HDF5); without one (out of memory, no thread), here. The
     * thread blocks every signal (it inherits the mask): a stop signal goes
     * to the threads that watch for it, and cannot interrupt the fsync */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int started = b && pthread_create(&b->th, NULL, bgsync_main, b) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started) {
        *bg = b;
        return TW_OK;
    }
    if (!b)
        return tw_error_set(err, TW_ENOMEM, "out of memory (closing the result file)");
    bgsync_main(b);
    return bgsync_end(b, err);
}

int tw_output_sync_wait(MPI_Comm comm, tw_output_bgsync *bg, tw_error *err)
{
    int rc = TW_OK;
    if (bg) {
        pthread_join(bg->th, NULL);
        rc = bgsync_end(bg, err);
    }
    return comm == MPI_COMM_NULL ? rc : tw_mpi_agree(comm, rc, err);
}

int tw_output_read_n_converged(const char *path, uint64_t *n_converged, tw_error *err)
{
    tw_h5_quiet();
    hid_t f = tw_h5_open(path, H5F_ACC_RDONLY);
    int rc = f < 0 || tw_h5_read_attr_u64(f, "n_converged", n_converged) < 0
                 ? tw_error_set(err, TW_EIO, "%s: cannot read the attribute n_converged", path)
                 : TW_OK;
    if (f >= 0)
        H5Fclose(f);
    return rc;
}
