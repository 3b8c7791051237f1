/* Reopening a result file for --resume: the checks that it belongs to this
 * run and is intact, the datasets, and which blocks are really done. */
#include "tradewar/output.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"
#include "mpiutil.h"
#include "output_int.h"
#include "tradewar/provenance.h"
#include "tw_version.h"

/* ---- resume ---- */

static int check_attr_str(hid_t f, const char *name, const char *want, const char *path,
                          tw_error *err)
{
    char got[256];
    if (tw_h5_read_attr_str(f, name, got, sizeof got) < 0)
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file or damaged "
                            "(attribute '%s' missing)", path, name);
    if (strcmp(got, want) != 0)
        return tw_error_set(err, TW_ECONFIG, "%s: cannot resume: %s differs (file: %s, now: %s)",
                            path, name, got, want);
    return TW_OK;
}

static int check_attr_u64(hid_t f, const char *name, uint64_t want, const char *path,
                          tw_error *err)
{
    uint64_t got;
    if (tw_h5_read_attr_u64(f, name, &got) < 0)
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file or damaged "
                            "(attribute '%s' missing)", path, name);
    if (got != want)
        return tw_error_set(err, TW_ECONFIG,
                            "%s: cannot resume: %s differs (file: %llu, now: %llu)", path, name,
                            (unsigned long long)got, (unsigned long long)want);
    return TW_OK;
}

/* The same shard of the same number of shards (or both not sharded): a
 * part resumed as another shard, or as the whole run, would mix rows. */
static int check_shard(hid_t f, const tw_run_meta *m, const char *path, tw_error *err)
{
    uint64_t idx = 0, cnt = 0;
    if (H5Aexists(f, "shard_count") > 0 && (tw_h5_read_attr_u64(f, "shard_count", &cnt) < 0 ||
                                            tw_h5_read_attr_u64(f, "shard_index", &idx) < 0))
        return tw_error_set(err, TW_EDATA, "%s: damaged shard attributes", path);
    if (idx == m->shard_index && cnt == m->shard_count)
        return TW_OK;
    char file[48] = "none", now[48] = "none";
    if (cnt)
        snprintf(file, sizeof file, "%llu/%llu", (unsigned long long)idx, (unsigned long long)cnt);
    if (m->shard_count)
        snprintf(now, sizeof now, "%u/%u", m->shard_index, m->shard_count);
    return tw_error_set(err, TW_ECONFIG, "%s: cannot resume: shard differs (file: %s, now: %s)",
                        path, file, now);
}

/* Every data file read now must have been read, with the same content, when
 * the file was made: compared by hash (a path may differ when the run is
 * resumed from elsewhere). */
static int check_data(hid_t f, const char *now, const char *path, tw_error *err)
{
    char *then = tw_h5_read_attr_strdup(f, "data_sha256");
    if (!then)
        return tw_error_set(err, TW_EDATA, "%s: has no 'data_sha256' attribute (made by an "
                            "older tradewar, or damaged): its data files cannot be checked; "
                            "start the run again", path);
    int rc = TW_OK, plen;
    char sha[65];
    const char *line = tw_provenance_missing(now, then, sha, &plen);
    if (line)
        rc = tw_error_set(err, TW_ECONFIG, "%s: cannot resume: data file %.*s differs "
                          "from the one the run started with (sha256 now %s; the file "
                          "lists: %s)", path, plen, line + 66, sha, then[0] ? then : "none");
    free(then);
    return rc;
}

static int verify_for_resume(tw_output *o, const tw_run_meta *m, int *finished, char *note,
                             size_t note_size, tw_error *err)
{
    hid_t f = o->file;
    int rc;
    char fmt[64];
    if (tw_h5_read_attr_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, TW_FORMAT_NAME))
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file", o->path);
    if ((rc = check_attr_str(f, "format_version", TW_FORMAT_VERSION, o->path, err)) ||
        (rc = check_attr_str(f, "model", m->model, o->path, err)) ||
        (rc = check_attr_str(f, "config_sha256", m->config_sha256, o->path, err)) ||
        (rc = check_attr_u64(f, "seed", m->seed, o->path, err)) ||
        (rc = check_attr_str(f, "design", m->design, o->path, err)) ||
        (rc = check_attr_u64(f, "n_samples", m->n_samples, o->path, err)) ||
        (rc = check_attr_u64(f, "block_size", m->block_size, o->path, err)) ||
        (rc = check_shard(f, m, o->path, err)) ||
        (rc = check_data(f, m->data_sha256, o->path, err)))
        return rc;
    char ver[64] = "";
    tw_h5_read_attr_str(f, "engine_version", ver, sizeof ver);
    if (note && note_size && strcmp(ver, TW_VERSION) != 0)
        snprintf(note, note_size, "%s was started by tradewar %s, this is %s: the samples "
                 "computed now come from another engine version", o->path, ver, TW_VERSION);
    int64_t fin = 0;
    tw_h5_read_attr_i64(f, "finished", &fin);
    *finished = fin != 0;
    return TW_OK;
}

/* A block counts as done only if its flag is set and every row was written
 * (iterations >= 0; the fill value is -1): after a machine crash the flag may
 * have reached the disk before the rows. Such a block is simply recomputed. */
static int distrust_incomplete_blocks(tw_output *o, uint8_t *block_done, tw_error *err)
{
    /* in slabs of whole blocks, ~4 MiB: memory independent of the number
     * of samples (issue 11, flat memory) */
    uint64_t per = ((uint64_t)1 << 20) / o->bs;
    if (per < 1)
        per = 1;
    uint64_t rows = per * o->bs < o->n ? per * o->bs : o->n;
    int32_t *it = malloc((rows ? rows : 1) * sizeof *it);
    if (!it)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    int bad = 0;
    for (uint64_t b0 = 0; !bad && b0 < o->nblocks; b0 += per) {
        uint64_t s0 = b0 * o->bs, s1 = (b0 + per) * o->bs < o->n ? (b0 + per) * o->bs : o->n;
        hsize_t start = s0, count = s1 - s0;
        hid_t fs = H5Dget_space(o->ds_iter);
        hid_t ms = H5Screate_simple(1, &count, NULL);
        bad = fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
              H5Dread(o->ds_iter, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, it) < 0;
        H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
        for (uint64_t b = b0; !bad && b < b0 + per && b < o->nblocks; b++) {
            uint64_t e = (b + 1) * o->bs < o->n ? (b + 1) * o->bs : o->n;
            for (uint64_t s = b * o->bs; block_done[b] && s < e; s++)
                if (it[s - s0] < 0)
                    block_done[b] = 0;
        }
    }
    free(it);
    return bad ? tw_error_set(err, TW_EDATA, "%s: cannot read /status/iterations", o->path)
               : TW_OK;
}

int tw_output_open_resume(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                          const tw_model_schema *schema, uint8_t *block_done, tw_output **out,
                          int *finished, char *note, size_t note_size, tw_error *err)
{
    *out = NULL;
    *finished = 0;
    if (note && note_size)
        note[0] = '\0';
    tw_h5_quiet();
    tw_output *o = tw_output_alloc(comm, path, meta, schema);
    int rc = o ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
    if (!rc && !tw_output_exists(path))
        rc = tw_error_set(err, TW_EUSAGE, "%s: no such file to resume", path);
    if (!rc) {
        /* Probe read-only first, so that a damaged file is never opened for
         * writing (HDF5 may touch the superblock on a read-write open). */
        hid_t probe = tw_h5_open(path, H5F_ACC_RDONLY);
        if (probe < 0)
            rc = tw_error_set(err, TW_EDATA, "%s: not an HDF5 file, or truncated/damaged", path);
        else {
            o->file = probe;
            rc = verify_for_resume(o, meta, finished, note, note_size, err);
            if (!rc)
                rc = tw_output_open_datasets(o, err);
            tw_output_free_handles(o);
            o->dxpl = H5Pcreate(H5P_DATASET_XFER);
            H5Pset_dxpl_mpio(o->dxpl, H5FD_MPIO_COLLECTIVE);
        }
    }
    if ((rc = tw_mpi_agree(comm, rc, err)) || *finished) {
        /* a finished file of the same run is left as it is */
        tw_output_free(o);
        return rc;
    }
    /* the checks passed: this is a start of the run (serial, before the
     * parallel open: the row has variable-length strings) */
    if (o->rank == 0 && meta->history)
        rc = tw_history_append(path, meta->history, err);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        tw_output_free(o);
        return rc;
    }
    rc = tw_output_open_rw(o, meta, err);
    if (!rc)
        rc = tw_output_open_datasets(o, err);
    if (!rc && H5Dread(o->ds_done, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, block_done) < 0)
        rc = tw_error_set(err, TW_EDATA, "%s: cannot read /status/block_done", path);
    if (!rc)
        rc = distrust_incomplete_blocks(o, block_done, err);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        tw_output_free(o);
        return rc;
    }
    /* the decomposition of this session is recorded at the end */
    *out = o;
    return TW_OK;
}
