/* The run: set-up (sessions in session.c), checkpoint segments, the final
 * passes and tw_run; its rounds are in rounds.c, stop signals in signals.c. */
#include "tradewar/runner.h"

#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpiutil.h"
#include "outpath.h"
#include "phases.h"
#include "progress.h"
#include "runner_int.h"
#include "signals.h"
#include "writelock.h"
#include "tradewar/design.h"
#include "tradewar/output.h"
#include "tradewar/params.h"
#include "tradewar/provenance.h"
#include "tradewar/shard.h"

/* At most this many blocks per run: the runner keeps a byte and a pending
 * index per block, and the file a flag per block. */
#define TW_MAX_BLOCKS ((uint64_t)1 << 24)


/* The run's length, block shape and design from the config and the command
 * line; a sensitivity: section fixes them (it owns the pick-freeze design).
 * Collective: all ranks agree on the outcome. */
static int set_up_run_design(run_state *rs, uint64_t *seed_out, tw_design_kind *dk_out,
                             tw_error *err)
{
    const tw_run_opts *opts = rs->opts;
    int rc = tw_session_open(opts->config_path, &rs->ses, err);
    if ((rc = tw_mpi_agree(rs->comm, rc, err)))
        return rc;
    tw_config *cfg = rs->ses->cfg;
    const tw_model_schema *sch = rs->ses->schema;
    rs->n = opts->samples >= 0 ? (uint64_t)opts->samples : cfg->samples;
    uint64_t seed = opts->has_seed ? opts->seed : cfg->seed;
    tw_design_kind dk = opts->design >= 0 ? (tw_design_kind)opts->design : cfg->design;
    rs->bs = cfg->block_size;
    rs->np = tw_params_count(sch->params);
    rs->row = tw_outcome_row_size(sch);
    const tw_sens *sens = rs->ses->sens;
    if (sens) {
        /* the section fixes the run's length, design and block shape */
        if (opts->samples >= 0)
            rc = tw_error_set(err, TW_EUSAGE, "-n cannot be used with a sensitivity: config "
                              "(set sensitivity.base_samples)");
        else if (opts->design >= 0 && opts->design != TW_DESIGN_SOBOL)
            rc = tw_error_set(err, TW_EUSAGE, "--design %s cannot be used with a sensitivity: "
                              "config (it uses the sobol pick-freeze design)",
                              tw_design_kind_name((tw_design_kind)opts->design));
        rs->n = tw_sens_samples(sens);
        rs->bs = tw_sens_block_size(sens, cfg->block_size);
    }
    uint64_t n = rs->n, bs = rs->bs;
    if (!rc && n == 0)
        rc = tw_error_set(err, TW_EUSAGE, "the number of samples must be > 0");
    else if (!rc && tw_n_blocks(n, bs) > TW_MAX_BLOCKS)
        rc = tw_error_set(err, TW_EUSAGE, "%llu samples in blocks of %llu make %llu blocks, more "
                          "than %llu (per-block bookkeeping would grow without bound): set "
                          "block_size to at least %llu", (unsigned long long)n,
                          (unsigned long long)bs, (unsigned long long)tw_n_blocks(n, bs),
                          (unsigned long long)TW_MAX_BLOCKS,
                          (unsigned long long)((n + TW_MAX_BLOCKS - 1) / TW_MAX_BLOCKS));
    if (!rc && opts->shard_count) {
        uint64_t nb = tw_n_blocks(n, bs);
        if (rs->ses->stop)
            rc = tw_error_set(err, TW_EUSAGE, "--shard cannot be used with a stop: config (its "
                              "checkpoints need the blocks in order, in one run)");
        else if (opts->shard_count > nb)
            rc = tw_error_set(err, TW_EUSAGE, "--shard %u/%u: the run has only %llu block(s) "
                              "(%llu samples in blocks of %llu): at most %llu shards",
                              opts->shard_index, opts->shard_count, (unsigned long long)nb,
                              (unsigned long long)n, (unsigned long long)bs,
                              (unsigned long long)nb);
        else if (!(rs->config_abs = tw_shard_abs_path(opts->config_path)))
            rc = tw_error_set(err, TW_EIO, "%s: cannot make its path absolute: %s",
                              opts->config_path, strerror(errno));
    }
    if (!rc && sens)
        rc = tw_design_create(TW_DESIGN_SOBOL, seed, tw_sens_base_samples(sens),
                              tw_sens_design_dim(sens), &rs->design, err);
    else if (!rc)
        rc = tw_design_create(dk, seed, n, rs->np, &rs->design, err);
    if (!rc) {
        rs->outpath = opts->output ? strdup(opts->output)
                      : cfg->output ? strdup(cfg->output) : tw_outpath_default(cfg->path);
        if (!rs->outpath)
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    *seed_out = seed;
    *dk_out = dk;
    return tw_mpi_agree(rs->comm, rc, err);
}

/* One rank looks at the file system (exists, resume/force, free space) and
 * takes the write lock; all agree on the answer. */
static int check_output_path(run_state *rs, int *exists, tw_error *err)
{
    const tw_run_opts *opts = rs->opts;
    int rc = TW_OK;
    *exists = 0;
    if (rs->rank == 0) {
        uint64_t bytes = rs->n * (uint64_t)(rs->np + rs->row + 2) * 8u + (1u << 20);
        rc = tw_outpath_preflight(rs->outpath, opts->resume, opts->force, opts->quiet, bytes, exists,
                       &rs->lock, err);
    }
    MPI_Bcast(exists, 1, MPI_INT, 0, rs->comm);
    return tw_mpi_agree(rs->comm, rc, err);
}

/* The run's identity as the file records it; the decomposition is recorded
 * from rank 0 (its thread count) so every rank writes the same. */
static void describe_run(run_state *rs, uint64_t seed, tw_design_kind dk)
{
    tw_config *cfg = rs->ses->cfg;
    size_t text_len;
    const char *text = tw_yaml_text(cfg->doc, &text_len);
    int threads0 = rs->nthreads;
    MPI_Bcast(&threads0, 1, MPI_INT, 0, rs->comm);
    rs->meta = (tw_run_meta){
        .model = rs->ses->type->name,
        .design = rs->ses->sens ? "pick-freeze" : tw_design_kind_name(dk),
        .seed = seed,
        .n_samples = rs->n,
        .block_size = rs->bs,
        .config_text = text,
        .config_sha256 = cfg->sha256,
        .data_sha256 = rs->ses->data_files,
        .mpi_ranks = rs->size,
        .omp_threads = threads0,
        .history = &rs->hist,
        .shard_index = rs->opts->shard_index,
        .shard_count = rs->opts->shard_count,
        .shard_config = rs->config_abs,
    };
    tw_history_describe_start(rs->comm, threads0, &rs->hist);
}

/* Block bookkeeping and the one-block buffers, sized once for the run. */
static int alloc_run_buffers(run_state *rs, tw_error *err)
{
    uint64_t bs = rs->bs;
    size_t np = rs->np, row = rs->row;
    int rc = TW_OK;
    rs->nblocks = tw_n_blocks(rs->n, bs);
    rs->done = calloc(rs->nblocks, 1);
    rs->pending = malloc(rs->nblocks * sizeof *rs->pending);
    rs->central_p = malloc((np + 1) * sizeof *rs->central_p);
    rs->central_o = malloc((row + 1) * sizeof *rs->central_o);
    rs->in_buf = malloc(bs * (np + 1) * sizeof *rs->in_buf);
    rs->out_buf = malloc(bs * (row + 1) * sizeof *rs->out_buf);
    rs->st_buf = malloc(bs * sizeof *rs->st_buf);
    rs->pend_in = malloc(bs * (np + 1) * sizeof *rs->pend_in);
    rs->pend_out = malloc(bs * (row + 1) * sizeof *rs->pend_out);
    rs->pend_st = malloc(bs * sizeof *rs->pend_st);
    rs->tws = calloc((size_t)rs->nthreads, sizeof *rs->tws);
    if (!rs->done || !rs->pending || !rs->central_p || !rs->central_o || !rs->in_buf ||
        !rs->out_buf || !rs->st_buf || !rs->pend_in || !rs->pend_out || !rs->pend_st ||
        !rs->tws)
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    return tw_mpi_agree(rs->comm, rc, err);
}

/* The stop rule's state starts with the run; on resume it reloads what the
 * file holds (rank 0, before the parallel open). */
static int begin_stop_rule(run_state *rs, tw_error *err)
{
    tw_stop *stop = rs->ses->stop;
    if (!stop)
        return TW_OK;
    int rc = tw_stop_begin(stop, rs->comm, rs->n, rs->bs, rs->meta.seed, err);
    if (!rc && rs->resuming)
        rc = tw_stop_load(stop, rs->outpath, err); /* rank 0, before the parallel open */
    return tw_mpi_agree(rs->comm, rc, err);
}

/* --resume: open the file of the same run and mark its finished blocks;
 * sets already_finished if it is complete. */
static int open_output_for_resume(run_state *rs, tw_error *err)
{
    char note[512];
    int rc = tw_output_open_resume(rs->comm, rs->outpath, &rs->meta, rs->ses->schema, rs->done,
                                   &rs->out, &rs->already_finished, note, sizeof note, err);
    if (!rc && note[0] && rs->rank == 0)
        fprintf(stderr, "tradewar: warning: %s\n", note);
    return rc;
}

/* A new file: the central scenario first (a model that fails there fails
 * before anything is written), then the file with it. */
static int create_output(run_state *rs, tw_error *err)
{
    MPI_Comm comm = rs->comm;
    const tw_model_schema *sch = rs->ses->schema;
    tw_eval_status cst;
    tw_params_medians(sch->params, rs->central_p);
    int rc = tw_session_evaluate(rs->ses, rs->central_p, rs->central_o, &cst, err);
    if (rc)
        tw_error_prefix(err, "the central scenario (parameter medians): ");
    if ((rc = tw_mpi_agree(comm, rc, err)))
        return rc;
    /* A stop requested during start-up ends the run here, before the
     * file is created; during creation, the filling of the datasets
     * (about 0.3 s per million samples) stops between slabs. */
    int sig = tw_stop_signal, anysig = 0;
    MPI_Allreduce(&sig, &anysig, 1, MPI_INT, MPI_MAX, comm);
    if (anysig)
        return tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d before %s was "
                            "created; nothing was written: run the same command again",
                            anysig, rs->outpath);
    tw_output_watch_stop(&tw_stop_signal);
    /* the fill values are written during the first round (rounds.c) */
    tw_output_defer_fill(1);
    return tw_output_create(comm, rs->outpath, &rs->meta, sch, rs->opts->force, rs->central_p,
                            rs->central_o, &cst, &rs->out, err);
}

/* per-thread workspaces, allocated once by the thread that uses them */
static int alloc_thread_workspaces(run_state *rs, tw_error *err)
{
    size_t np = rs->np;
    size_t wsz = tw_params_work_size(rs->ses->schema->params);
    const tw_model_type *type = rs->ses->type;
    thread_ws *tws = rs->tws;
    void *state = rs->ses->state;
    int ws_fail = 0;
#pragma omp parallel reduction(| : ws_fail)
    {
        thread_ws *t = &tws[omp_get_thread_num()];
        t->model_ws = type->workspace_alloc(state);
        t->u = malloc((3 * np + 1) * sizeof *t->u); /* sensitivity: u, then A and B */
        t->work = malloc((wsz + 1) * sizeof *t->work);
        ws_fail |= !t->model_ws || !t->u || !t->work;
    }
    int rc = ws_fail ? tw_error_set(err, TW_ENOMEM, "out of memory (thread workspaces)") : TW_OK;
    return tw_mpi_agree(rs->comm, rc, err);
}

/* The blocks still to compute (all, or those resume did not find done), in
 * order, and the rounds they make over the ranks. */
static void plan_pending_blocks(run_state *rs)
{
    uint64_t n = rs->n, bs = rs->bs;
    rs->shard_b0 = 0;
    rs->shard_b1 = rs->nblocks;
    if (rs->opts->shard_count)
        tw_shard_blocks(rs->nblocks, rs->opts->shard_index, rs->opts->shard_count,
                        &rs->shard_b0, &rs->shard_b1);
    for (uint64_t b = rs->shard_b0; b < rs->shard_b1; b++) {
        uint64_t rows = (b + 1) * bs > n ? n - b * bs : bs;
        rs->shard_n += rows;
        if (!rs->done[b])
            rs->pending[rs->npend++] = b;
        else
            rs->ndone_samples += rows;
    }
    rs->rounds = (rs->npend + (uint64_t)rs->size - 1) / (uint64_t)rs->size;
    rs->plim = rs->npend;
}

/* Rank 0, unless --quiet: what this run is, on one line (two with a
 * sensitivity section). */
static void announce_run(const run_state *rs)
{
    if (rs->rank != 0 || rs->opts->quiet)
        return;
    const tw_sens *sens = rs->ses->sens;
    fprintf(stderr, "tradewar: %s, model %s, %llu samples (%s design, seed %llu), %llu blocks "
            "of %llu%s, %d rank(s) x %d thread(s)\n", rs->outpath, rs->ses->type->name,
            (unsigned long long)rs->n, rs->meta.design, (unsigned long long)rs->meta.seed,
            (unsigned long long)rs->nblocks, (unsigned long long)rs->bs,
            rs->resuming ? (rs->npend ? ", resuming" : ", all blocks done") : "", rs->size,
            rs->nthreads);
    if (rs->opts->shard_count)
        fprintf(stderr, "tradewar: shard %u/%u: blocks %llu..%llu (%llu samples)\n",
                rs->opts->shard_index, rs->opts->shard_count, (unsigned long long)rs->shard_b0,
                (unsigned long long)rs->shard_b1 - 1, (unsigned long long)rs->shard_n);
    if (sens)
        fprintf(stderr, "tradewar: sensitivity: %zu factors x %llu base samples\n%s%s%s",
                tw_sens_factor_count(sens), (unsigned long long)tw_sens_base_samples(sens),
                rs->ses->sens_note[0] ? "tradewar: " : "", rs->ses->sens_note,
                rs->ses->sens_note[0] ? "\n" : "");
}

/* Session, design, checks on the file system, the file (created or opened
 * for resume), buffers and per-thread workspaces. Sets already_finished when
 * --resume finds a finished file of the same run (nothing more to do). */
static int run_init(run_state *rs, tw_error *err)
{
    uint64_t seed;
    tw_design_kind dk;
    int exists, rc;
    if ((rc = set_up_run_design(rs, &seed, &dk, err)))
        return rc;
    if ((rc = check_output_path(rs, &exists, err)))
        return rc;
    describe_run(rs, seed, dk);
    if ((rc = alloc_run_buffers(rs, err)))
        return rc;
    rs->resuming = rs->opts->resume && exists;
    if ((rc = begin_stop_rule(rs, err)))
        return rc;
    if (rs->resuming) {
        rc = open_output_for_resume(rs, err);
        if (rc || rs->already_finished)
            return rc;
    } else if ((rc = create_output(rs, err))) {
        return rc;
    }
    if ((rc = alloc_thread_workspaces(rs, err)))
        return rc;
    plan_pending_blocks(rs);
    tw_progress_start(&rs->prog, rs->rank == 0 && !rs->opts->quiet, rs->shard_n,
                      rs->ndone_samples);
    announce_run(rs);

    /* not reset: a signal that came during start-up (main installs the
     * handlers before MPI_Init) stops the run after its first round */
    tw_signals_install(&rs->oldsig);
    rs->signals_on = 1;
    rs->t_sync = tw_now();
    return TW_OK;
}

/* COLLECTIVE: a stop signal on any rank, or rank 0's --max-time check. */
static int stop_agreed(run_state *rs)
{
    int local[2] = {tw_stop_signal, rs->rank == 0 && tw_rounds_time_is_up(rs, 1.5)}, global[2];
    MPI_Allreduce(local, global, 2, MPI_INT, MPI_MAX, rs->comm);
    return global[0] ? global[0] : global[1] ? STOP_MAX_TIME : 0;
}

static int stopped_error(const run_state *rs, int stop, const char *when, tw_error *err)
{
    char why[96];
    if (stop == STOP_MAX_TIME)
        snprintf(why, sizeof why, "stopped by --max-time (%.0f s)", rs->opts->max_time);
    else
        snprintf(why, sizeof why, "stopped by signal %d", stop);
    /* the hint repeats the options this run was started with: a resume
     * must match them (a different -n, --seed or --design is refused) */
    const tw_run_opts *opts = rs->opts;
    char extra[128] = "";
    size_t len = 0;
    if (opts->samples >= 0)
        len += (size_t)snprintf(extra + len, sizeof extra - len, " -n %lld",
                                (long long)opts->samples);
    if (opts->has_seed && len < sizeof extra)
        len += (size_t)snprintf(extra + len, sizeof extra - len, " --seed %llu",
                                (unsigned long long)opts->seed);
    if (opts->design >= 0 && len < sizeof extra)
        len += (size_t)snprintf(extra + len, sizeof extra - len, " --design %s", rs->meta.design);
    if (opts->shard_count && len < sizeof extra)
        snprintf(extra + len, sizeof extra - len, " --shard %u/%u", opts->shard_index,
                 opts->shard_count);
    return tw_error_set(err, TW_EINTERRUPTED, "%s %s; %llu of %llu samples done; %s is "
                        "consistent: continue with `tradewar run %s --resume -o %s%s`", why, when,
                        (unsigned long long)rs->ndone_samples, (unsigned long long)rs->shard_n,
                        rs->outpath, opts->config_path, rs->outpath, extra);
}

/* The fsync started at the close (see run_finalize), waited for. */
static int wait_sync(run_state *rs, tw_error *err)
{
    int rc = tw_output_sync_wait(rs->comm, rs->bgsync, err);
    rs->bgsync = NULL;
    return rc;
}

/* A stop after the file was closed: its fsync first. */
static int synced_stop(run_state *rs, int stop, const char *when, tw_error *err)
{
    int rc = wait_sync(rs, err);
    return rc ? rc : stopped_error(rs, stop, when, err);
}

/* Close the file after the last round, then (unless interrupted) the
 * summary pass. `interrupted` is the stop signal that ended the rounds early.
 * The file's fsync after the last block (0.04-0.05 s of waiting for the disk
 * at 20,000 samples, as long on every decomposition) runs on a thread of
 * its own on every rank while the sensitivity and by-regime passes compute;
 * it is waited for before the summary pass (which sets finished = 1) and
 * before any stop: the blocks are on disk at the same points as before. */
static int run_finalize(run_state *rs, int interrupted, tw_error *err)
{
    const tw_run_opts *opts = rs->opts;
    tw_rounds_flush(rs, err); /* the last round's blocks */
    int rc = tw_output_close_deferred(rs->out, &rs->bgsync, err);
    rs->out = NULL;
    tw_phases_mark(&rs->ph, PH_WRITE);
    if (rc)
        return rc;
    if (interrupted) {
        if (rs->rank == 0 && !opts->quiet)
            fprintf(stderr, "\n");
        return synced_stop(rs, interrupted, "after its current blocks", err);
    }
    tw_progress_finish(&rs->prog);
    /* Each pass below is redone on resume when a stop comes before the
     * file is marked finished: a stop is honoured before each pass, and
     * inside the summary pass (between outcomes, and before `finished`). */
    int stop;
    if ((stop = stop_agreed(rs)))
        return synced_stop(rs, stop, "before the final passes (every block is done)", err);
    if (opts->shard_count && (rc = wait_sync(rs, err)))
        return rc;
    if (opts->shard_count) {
        /* a part: its blocks are done; the passes need every shard (merge) */
        rc = rs->rank == 0 ? tw_shard_finish_part(rs->outpath, &rs->meta,
                                                  tw_now() - rs->t_start, err)
                           : TW_OK;
        if ((rc = tw_mpi_agree(rs->comm, rc, err)))
            return rc;
        if (rs->rank == 0 && !opts->quiet)
            fprintf(stderr, "tradewar: finished shard %u/%u: %s (%.1f s); combine the parts "
                    "with `tradewar merge OUT.h5 PART...`\n", opts->shard_index,
                    opts->shard_count, rs->outpath, tw_now() - rs->t_start);
        return TW_OK;
    }
    const tw_sens *sens = rs->ses->sens;
    uint64_t used = rs->used_blocks ? rs->used_blocks * rs->bs : rs->n;
    if (rs->ses->stop && (rc = tw_stop_record(rs->ses->stop, rs->comm, rs->outpath,
                                              rs->used_blocks != 0, used, err)))
        return rc;
    tw_phases_mark(&rs->ph, PH_SYNC);
    double t_pass = tw_now();
    if (sens && (rc = tw_sens_write(rs->comm, rs->outpath, rs->ses->schema, sens, rs->meta.seed,
                                    used / (tw_sens_factor_count(sens) + 2), err)))
        return rc;
    if (sens && rs->rank == 0 && !opts->quiet) /* bench/bench_sensitivity.sh reads this */
        fprintf(stderr, "tradewar: sensitivity pass (estimators and bootstrap) %.2f s\n",
                tw_now() - t_pass);
    if (sens && (stop = stop_agreed(rs)))
        return synced_stop(rs, stop, "after the sensitivity pass (every block is done)", err);
    tw_phases_mark(&rs->ph, PH_SENS);
    t_pass = tw_now();
    if (rs->ses->by &&
        (rc = tw_summary_by_write(rs->comm, rs->outpath, rs->ses->schema, rs->ses->by, rs->n,
                                  &tw_stop_signal, err)))
        return rc;
    if (rs->ses->by && rs->rank == 0 && !opts->quiet)
        fprintf(stderr, "tradewar: summary by regime %.2f s\n", tw_now() - t_pass);
    if (rs->ses->by && (stop = stop_agreed(rs)))
        return synced_stop(rs, stop, "after the summary by regime (every block is done)", err);
    tw_phases_mark(&rs->ph, PH_BY);
    if ((rc = wait_sync(rs, err)))
        return rc;
    tw_phases_mark(&rs->ph, PH_WRITE);
    t_pass = tw_now();
    rc = tw_output_finalize(rs->comm, rs->outpath, rs->ses->schema, &rs->meta,
                            tw_now() - rs->t_start,
                            opts->mem_budget ? opts->mem_budget : (size_t)64 << 20,
                            &tw_stop_signal, err);
    tw_phases_mark(&rs->ph, PH_SUMMARY);
    if (rc)
        return rc;
    if (rs->rank == 0 && !opts->quiet) /* bench/engine_efficiency.sh reads this */
        fprintf(stderr, "tradewar: summary pass %.2f s\n", tw_now() - t_pass);
    /* A run in which no sample converged has no result, only a file of
     * flagged samples: an error (exit 2), the file is kept for inspection. */
    uint64_t n_conv = 1;
    if (rs->rank == 0)
        rc = tw_output_read_n_converged(rs->outpath, &n_conv, err);
    if ((rc = tw_mpi_agree(rs->comm, rc, err)))
        return rc;
    MPI_Bcast(&n_conv, 1, MPI_UINT64_T, 0, rs->comm);
    if (n_conv == 0)
        return tw_error_set(err, TW_ENUMERIC, "no sample converged (0 of %llu; non-finite values "
                            "count as failed): %s has no results; try `tradewar check` on the "
                            "config, or the solver's tol and max_iter",
                            (unsigned long long)rs->n, rs->outpath);
    if (rs->rank == 0 && !opts->quiet)
        fprintf(stderr, "tradewar: finished %s (%.1f s)\n", rs->outpath, tw_now() - rs->t_start);
    return rc;
}

/* COLLECTIVE. The end of this start in /history, if its row was appended:
 * the parallel handle is closed first (history.h), the write lock still held.
 * A failure to record it only warns: the results are what they are. */
static void record_end(run_state *rs, int rc, const tw_error *why)
{
    if (!rs->hist.appended)
        return;
    if (rs->out) {
        tw_error tmp;
        tw_output_close(rs->out, &tmp);
        rs->out = NULL;
    }
    tw_error herr = {0};
    if (tw_history_finish(rs->comm, rs->outpath, tw_now() - rs->t_start, rc, why, &herr) &&
        rs->rank == 0)
        fprintf(stderr, "tradewar: warning: %s\n", herr.msg);
}

static void run_free(run_state *rs)
{
    /* an error return between the close and the wait: the thread ends */
    tw_output_sync_wait(MPI_COMM_NULL, rs->bgsync, NULL);
    if (rs->signals_on)
        tw_signals_restore(&rs->oldsig);
    if (rs->out) {
        tw_error tmp;
        tw_output_close(rs->out, &tmp);
    }
    tw_writelock_release(rs->lock); /* the file is closed: the next writer may come */
    for (int t = 0; rs->tws && t < rs->nthreads; t++) {
        if (rs->tws[t].model_ws)
            rs->ses->type->workspace_free(rs->tws[t].model_ws);
        free(rs->tws[t].u);
        free(rs->tws[t].work);
    }
    free(rs->tws);
    tw_design_free(rs->design);
    free(rs->central_p);
    free(rs->central_o);
    free(rs->in_buf);
    free(rs->out_buf);
    free(rs->st_buf);
    free(rs->pend_in);
    free(rs->pend_out);
    free(rs->pend_st);
    free(rs->done);
    free(rs->pending);
    free(rs->outpath);
    free(rs->config_abs);
    tw_session_close(rs->ses);
}

/* The rounds of a run with a stop rule (stop.h): the pending blocks below the
 * next checkpoint (2, 4, 8, ... blocks), then the check on exactly that
 * prefix, and so on; blocks already done (resume) are checked without being
 * recomputed. Sets rs->used_blocks when the target is met. */
static int run_with_checkpoints(run_state *rs, int *interrupted, tw_error *err)
{
    tw_stop *stop = rs->ses->stop;
    uint64_t size = (uint64_t)rs->size, checked = 0;
    int rc = TW_OK;
    *interrupted = 0;
    rs->pbase = 0;
    while (!rc) {
        uint64_t cp = tw_stop_next_checkpoint(stop, checked);
        uint64_t lim = rs->pbase;
        while (lim < rs->npend && (!cp || rs->pending[lim] < cp))
            lim++;
        rs->plim = lim;
        uint64_t rounds = (lim - rs->pbase + size - 1) / size;
        for (uint64_t r = 0; !rc && r < rounds; r++) {
            int sig = 0;
            rc = tw_rounds_run(rs, r, &sig, err);
            if (!rc && sig && (r + 1 < rounds || lim < rs->npend)) {
                *interrupted = sig;
                return TW_OK;
            }
        }
        if (!rc) {
            /* the segment's last flags, before its check (which reads
             * every block of it: none may have failed) */
            int sig = 0;
            rc = tw_rounds_drain(rs, 1, &sig, err);
            if (!rc && sig && lim < rs->npend) {
                *interrupted = sig;
                return TW_OK;
            }
        }
        rs->pbase = lim;
        if (rc || !cp)
            break;
        int met = 0;
        if ((rc = tw_stop_check(stop, rs->comm, cp, &met, err)))
            break;
        if (rs->rank == 0 && !rs->opts->quiet)
            fprintf(stderr, "\ntradewar: checkpoint %llu samples: %s: %.4g%s\n",
                    (unsigned long long)(cp * rs->bs), tw_stop_describe(stop),
                    tw_stop_achieved(stop), met ? ": target met, stopping" : "");
        if (met) {
            rs->used_blocks = cp;
            break;
        }
        checked = cp;
    }
    return rc;
}

int tw_run(MPI_Comm comm, const tw_run_opts *opts, tw_error *err)
{
    run_state rs = {.comm = comm, .opts = opts, .nthreads = omp_get_max_threads(),
                    .t_start = tw_now()};
    MPI_Comm_rank(comm, &rs.rank);
    MPI_Comm_size(comm, &rs.size);
    rs.lag[0].req = rs.lag[1].req = MPI_REQUEST_NULL;
    tw_phases_start(&rs.ph, rs.t_start); /* start-up CPU counts from the process's start */
    int rc = run_init(&rs, err);
    tw_phases_mark(&rs.ph, PH_STARTUP);
    if (!rc && rs.already_finished) {
        if (rs.rank == 0 && !opts->quiet)
            fprintf(stderr, "tradewar: %s is already finished (same config and seed): "
                    "nothing to do\n", rs.outpath);
    } else if (!rc && rs.ses->stop) {
        int interrupted = 0;
        rc = run_with_checkpoints(&rs, &interrupted, err);
        if (rc)
            tw_rounds_abandon(&rs);
        else
            rc = run_finalize(&rs, interrupted, err);
    } else if (!rc) {
        int stop = 0, interrupted = 0;
        for (uint64_t r = 0; !rc && r < rs.rounds; r++) {
            rc = tw_rounds_run(&rs, r, &stop, err);
            /* also after the last round: the passes are redone on resume */
            if (!rc && stop) {
                interrupted = stop;
                break;
            }
        }
        if (!rc && !interrupted) {
            /* the last round's flags (a stop there: the passes are redone
             * on resume); a due fsync is left to the close */
            rc = tw_rounds_drain(&rs, 0, &stop, err);
            interrupted = stop;
        }
        if (rc)
            tw_rounds_abandon(&rs);
        else
            rc = run_finalize(&rs, interrupted, err);
    }
    record_end(&rs, rc, err);
    tw_phases_mark(&rs.ph, PH_END);
    tw_phases_report(&rs.ph, rs.rank, rs.size, rs.nthreads);
    run_free(&rs);
    return rc;
}
