/* The runner: the parallel run loop (sessions in session.c, stop signals in
 * signals.c). */
#include "tradewar/runner.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpiutil.h"
#include "outpath.h"
#include "phases.h"
#include "progress.h"
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

/* Seconds between fsyncs of the result file during a run. */
#define TW_SYNC_SECONDS 10.0

/* ---- the run ---- */

typedef struct thread_ws {
    void *model_ws;
    double *u, *work;
    tw_error err;      /* the model's message for the sample being evaluated */
    tw_error fail;     /* the first failure of this thread in the current block */
    uint64_t fail_at;  /* its sample index; UINT64_MAX: none */
} thread_ws;

/* Design coordinates of sample s into t->u[0..np). A sensitivity run maps
 * s = j (k + 2) + m to row m of base sample j (sensitivity.h); the Sobol'
 * point of j is recomputed per row, which costs nothing next to a solve. */
static const double *sample_point(const tw_design *design, const tw_sens *sens, uint64_t s,
                                  thread_ws *t, size_t np)
{
    if (!sens) {
        tw_design_point(design, s, t->u);
        return t->u;
    }
    uint64_t K = tw_sens_factor_count(sens) + 2;
    double *ab = t->u + np;
    tw_design_point(design, s / K, ab);
    tw_sens_row_point(sens, ab, (size_t)(s % K), t->u);
    return t->u;
}

/* The flags each rank contributes to a round's agreement (run_round): its
 * block's evaluation failed; its write of the previous round's block
 * failed; a stop signal; rank 0: an fsync is due; rank 0: --max-time. */
enum { LAG_EVAL, LAG_WRITE, LAG_SIGNAL, LAG_SYNC, LAG_TIME, LAG_N };

/* The run in three parts, as OpenMC structures its simulation
 * (initialize, next batch, finalize): run_init loads everything and opens the
 * file, run_round computes and writes one round of blocks, run_finalize
 * closes the file and does the summary pass. run_free releases what init
 * took, whatever the outcome. All three are collective over rs->comm. */
typedef struct run_state {
    MPI_Comm comm;
    int rank, size, nthreads;
    const tw_run_opts *opts;
    tw_session *ses;
    tw_design *design;
    tw_output *out;
    thread_ws *tws;
    double *central_p, *central_o, *in_buf, *out_buf;
    tw_eval_status *st_buf;
    /* write-behind: the last round's block, written by the master thread
     * while the threads evaluate the next one (or by flush_pending at a
     * stop or the end); pend_valid is the same on every rank (the write is
     * collective), pend_block -1 where the rank had none */
    double *pend_in, *pend_out;
    tw_eval_status *pend_st;
    int64_t pend_block;
    size_t pend_nrows;
    int pend_valid;
    uint8_t *done;    /* [nblocks] blocks already on disk (resume) */
    uint64_t *pending; /* the blocks still to compute, in order */
    char *outpath;
    tw_writelock *lock; /* rank 0: the file's write lock, held to the end */
    tw_run_meta meta;
    tw_history_row hist; /* this start's /history row (meta.history) */
    uint64_t n, bs, nblocks, npend, rounds, ndone_samples;
    uint64_t pbase, plim; /* rounds deal out pending[pbase..plim) (stop: up to a checkpoint) */
    uint64_t used_blocks; /* stop rule met: the run's samples are these first blocks */
    uint64_t shard_b0, shard_b1, shard_n; /* the blocks this run computes, their samples
                                             (all of them unless --shard) */
    char *config_abs;     /* --shard: the config's absolute path, recorded for merge */
    size_t np, row;
    int resuming, already_finished;
    tw_progress prog;
    tw_saved_signals oldsig;
    int signals_on;
    double t_start, t_sync;
    tw_output_bgsync *bgsync; /* the fsync after the last block (run_finalize) */
    double max_round; /* rank 0: the longest round so far, seconds (for --max-time) */
    double t_post;    /* rank 0: when the last round's flags were posted */
    /* The lagged round agreement (see run_round): each round's flags go out
     * in a non-blocking reduction that is completed, and acted on, at the
     * end of the next round. lag[newest] is the last one posted; at most
     * two are in flight for a moment (the new one, then the older one is
     * completed). `posted`: not acted on yet (its request may be complete). */
    struct {
        MPI_Request req;
        int posted;
        uint64_t seq;
        int mine[LAG_N], all[LAG_N];
    } lag[2];
    int newest;
    uint64_t seq; /* rounds run so far, over every checkpoint segment */
    /* this rank's own failure in flight: the round it happened in, and
     * whether it was the model (eval) or the block write; a rank with one
     * starts no new work (halted) until the ranks have agreed on it */
    int eval_rc, write_rc, halted;
    uint64_t eval_seq, write_seq;
    tw_error eval_err, write_err;
    tw_phases ph; /* rank 0: wall and CPU seconds per phase (TW_PHASE_TIMES=1 prints them),
                     and in the block writes (write-behind) */
} run_state;

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
    /* the fill values are written during the first round (run_round) */
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

/* A stop that is not a signal: --max-time. */
#define STOP_MAX_TIME (-1)

/* Rank 0: would `rounds` more rounds (each as long as the longest so far)
 * end after --max-time? Like GROMACS -maxh, the run then stops while it can
 * still write its last block. Between rounds the ranks decide one round
 * late (run_round): the run stops after the round that follows the
 * decision, so the check looks 2.5 rounds ahead (the next round, the one
 * after it, half a round of margin); before the final passes, where the
 * stop is immediate (stop_agreed), 1.5. */
static int time_is_up(const run_state *rs, double rounds)
{
    double limit = rs->opts->max_time;
    return limit > 0 && tw_now() - rs->t_start + rounds * rs->max_round > limit;
}

/* COLLECTIVE: a stop signal on any rank, or rank 0's --max-time check. */
static int stop_agreed(run_state *rs)
{
    int local[2] = {tw_stop_signal, rs->rank == 0 && time_is_up(rs, 1.5)}, global[2];
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

/* ---- the rounds ----
 *
 * Round r: rank k computes pending block r*size + k (if any) with its
 * threads while its master thread writes the rank's block of round r-1
 * (write-behind). The ranks do not meet at the end of a round. They used
 * to (an agreement on errors, a sum of the round's samples, a reduction of
 * the stop and fsync flags): a block of 256 trade-model samples takes ~61
 * ms and varies by a few ms, so with 40 rounds the faster rank waited every
 * round, and 2 ranks reached only 0.91-0.93 of one rank's efficiency
 * (issue 12 item 3; docs/BENCHMARK.md section 2). Now each rank posts its
 * round's flags (LAG_*) in a non-blocking reduction (MPI_Iallreduce, MAX),
 * then completes the previous round's and acts on those: a rank waits only
 * when it is more than one round ahead of the slowest, so block-to-block
 * variations average out instead of adding up. Every rank acts on the same
 * agreed flags at the same point (the end of the round after theirs, or the
 * end of the rounds: lag_drain), so all still stop after the same round:
 * - a failure anywhere (LAG_EVAL, LAG_WRITE): the ranks complete the newer
 *   reduction too and exchange their saved failures of the flagged round
 *   with the blocking tw_mpi_agree (the lowest failing rank's, i.e. the
 *   lowest failing sample: the rounds before had none); a write error ends
 *   the job (tw_mpi_abort: the parallel file cannot be closed). A rank
 *   whose block failed never queues it for writing (its block_done stays
 *   0), and runs no work while the failure is in flight (halted);
 * - a stop (LAG_SIGNAL, LAG_TIME): after the current round, whose blocks
 *   are written and fsynced first (unless its flags show a failure, which
 *   wins), with the same message and resume hint as before; the decision
 *   comes one round later than a blocking agreement's, so --max-time looks
 *   a round further ahead (time_is_up);
 * - an fsync due (rank 0's clock): the collective tw_output_sync.
 * The round's sample count (progress) needs no communication: every rank
 * knows the plan. Without an MPI progress thread, a posted reduction
 * advances only inside MPI calls: the master thread tests it between
 * samples (lag_poll). Stop-rule runs gather every round's column anyway
 * (tw_stop_collect, blocking): the lag does not help there, and each
 * checkpoint segment drains the lag before its check. */

/* Write this rank's queued block (write-behind), if any. This rank only
 * (independent transfers): the caller agrees on the outcome. */
static int flush_pending(run_state *rs, tw_error *err)
{
    if (!rs->pend_valid || !rs->out)
        return TW_OK;
    rs->pend_valid = 0;
    tw_part_clock pt;
    tw_part_start(&pt);
    int rc = tw_output_write_block(rs->out, rs->pend_block, rs->pend_nrows, rs->pend_in,
                                   rs->pend_out, rs->pend_st, err);
    /* CPU: the process's, exact on 1 thread, the bench's case */
    tw_part_add(&pt, &rs->ph.wb_wall, &rs->ph.wb_cpu);
    return rc;
}

/* COLLECTIVE: the queued blocks written now (a stop, the end of the
 * rounds), the outcome agreed; a write error ends the job. */
static void flush_agreed(run_state *rs, tw_error *err)
{
    tw_error e = {0};
    int rc = flush_pending(rs, &e);
    if ((rc = tw_mpi_agree(rs->comm, rc, &e))) {
        *err = e;
        tw_mpi_abort(rs->comm, err);
    }
}

/* The master thread, between samples: MPI_Test on the reductions in flight,
 * so that they progress while this rank evaluates (MPI is FUNNELED: the
 * master thread only). ~1 us against ~240 us a trade-model sample. */
static void lag_poll(run_state *rs)
{
    for (int i = 0; i < 2; i++)
        if (rs->lag[i].req != MPI_REQUEST_NULL) {
            int done;
            MPI_Test(&rs->lag[i].req, &done, MPI_STATUS_IGNORE);
        }
}

/* Post this round's flags (the slot not in use: the older one was acted
 * on at the end of the previous round). */
static void lag_post(run_state *rs, const int mine[LAG_N])
{
    int i = 1 - rs->newest;
    memcpy(rs->lag[i].mine, mine, sizeof rs->lag[i].mine);
    rs->lag[i].seq = rs->seq - 1;
    rs->lag[i].posted = 1;
    MPI_Iallreduce(rs->lag[i].mine, rs->lag[i].all, LAG_N, MPI_INT, MPI_MAX, rs->comm,
                   &rs->lag[i].req);
    rs->newest = i;
}

/* Complete slot i's reduction: the agreed flags into g. */
static void lag_complete(run_state *rs, int i, int g[LAG_N])
{
    MPI_Wait(&rs->lag[i].req, MPI_STATUS_IGNORE);
    rs->lag[i].posted = 0;
    memcpy(g, rs->lag[i].all, sizeof rs->lag[i].all);
}

/* COLLECTIVE, after an agreed error that ends the rounds: the reductions
 * every rank posted are completed, their flags ignored (MPI wants every
 * request completed before MPI_Finalize). */
static void lag_abandon(run_state *rs)
{
    for (int i = 0; i < 2; i++)
        if (rs->lag[i].posted) {
            MPI_Wait(&rs->lag[i].req, MPI_STATUS_IGNORE);
            rs->lag[i].posted = 0;
        }
}

/* COLLECTIVE, when the flags g of round q say that a rank failed: every rank
 * passes its own failure of round q (TW_OK if none) and all return the
 * lowest failing rank's. A write error ends the job. */
static int lag_failed(run_state *rs, const int g[LAG_N], uint64_t q, tw_error *err)
{
    int w = g[LAG_WRITE];
    int mine = w ? (rs->write_rc && rs->write_seq == q ? rs->write_rc : TW_OK)
                 : (rs->eval_rc && rs->eval_seq == q ? rs->eval_rc : TW_OK);
    tw_error e = w ? rs->write_err : rs->eval_err;
    int rc = tw_mpi_agree(rs->comm, mine, &e);
    *err = e;
    if (w)
        tw_mpi_abort(rs->comm, err);
    return rc;
}

/* COLLECTIVE: act on the agreed flags g of round q (see above). allow_sync
 * 0: a due fsync is skipped (the end of the run: the close fsyncs). */
static int lag_act(run_state *rs, const int g[LAG_N], uint64_t q, int allow_sync, int *stop,
                   tw_error *err)
{
    int ending = g[LAG_EVAL] || g[LAG_WRITE] || g[LAG_SIGNAL] || g[LAG_TIME];
    int g2[LAG_N] = {0};
    uint64_t q2 = 0;
    *stop = 0;
    if (ending && rs->lag[rs->newest].posted) {
        /* the rounds end here: the newer round's flags too */
        q2 = rs->lag[rs->newest].seq;
        lag_complete(rs, rs->newest, g2);
    }
    tw_phases_mark(&rs->ph, PH_SYNC);
    if (g[LAG_EVAL] || g[LAG_WRITE])
        return lag_failed(rs, g, q, err);
    if (g2[LAG_EVAL] || g2[LAG_WRITE])
        return lag_failed(rs, g2, q2, err);
    if (ending) {
        flush_agreed(rs, err); /* stopping: the last round's blocks, then the sync */
        tw_phases_mark(&rs->ph, PH_WRITE);
    }
    if (ending || (g[LAG_SYNC] && allow_sync)) {
        int rc;
        if ((rc = tw_output_sync(rs->out, err)))
            return rc;
        rs->t_sync = tw_now();
        tw_phases_mark(&rs->ph, PH_WRITE);
    }
    *stop = g[LAG_SIGNAL] ? g[LAG_SIGNAL] : g[LAG_TIME] ? STOP_MAX_TIME : 0;
    return TW_OK;
}

/* COLLECTIVE: the end of the rounds (of the run, or of a checkpoint
 * segment): the last round's flags completed and acted on. */
static int lag_drain(run_state *rs, int allow_sync, int *stop, tw_error *err)
{
    *stop = 0;
    if (!rs->lag[rs->newest].posted)
        return TW_OK;
    int g[LAG_N];
    uint64_t q = rs->lag[rs->newest].seq;
    lag_complete(rs, rs->newest, g);
    return lag_act(rs, g, q, allow_sync, stop, err);
}

/* The samples of round r's blocks: the same on every rank (the plan). */
static uint64_t round_samples(const run_state *rs, uint64_t r)
{
    uint64_t lo = rs->pbase + r * (uint64_t)rs->size, hi = lo + (uint64_t)rs->size, sum = 0;
    if (hi > rs->plim)
        hi = rs->plim;
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t s0 = rs->pending[i] * rs->bs;
        sum += s0 + rs->bs > rs->n ? rs->n - s0 : rs->bs;
    }
    return sum;
}

/* Round r (see above). *stop receives the agreed stop (a signal number or
 * STOP_MAX_TIME; 0: none), the same on every rank; the blocks of this round
 * are then written and fsynced. */
static int run_round(run_state *rs, uint64_t r, int *stop, tw_error *err)
{
    MPI_Comm comm = rs->comm;
    const tw_model_schema *sch = rs->ses->schema;
    const tw_model_type *type = rs->ses->type;
    void *state = rs->ses->state;
    size_t np = rs->np, row = rs->row;
    uint64_t idx = r * (uint64_t)rs->size + (uint64_t)rs->rank;
    idx += rs->pbase;
    int64_t block = idx < rs->plim && !rs->halted ? (int64_t)rs->pending[idx] : -1;
    size_t nrows = 0;
    int rc = TW_OK, fill_rc = TW_OK, wrc = TW_OK, failed = 0;
    tw_error fill_err = {0}, wb_err = {0}, ev_err = {0};
    double t_round = tw_now();
    *stop = 0;
    rs->seq++;
    int older = rs->newest, lagging = rs->lag[older].posted;
    if (!lagging)
        rs->t_post = t_round; /* the first round of a segment: no earlier post */
    if (rs->halted) {
        /* this rank's failure is in flight: no new work, no write; the
         * flags of this round still go out (every rank posts each round) */
    } else if (block < 0) {
        fill_rc = tw_output_fill(rs->out, &fill_err); /* collective: every rank */
        if (!fill_rc)
            wrc = flush_pending(rs, &wb_err);
    } else {
        uint64_t s0 = (uint64_t)block * rs->bs;
        nrows = (size_t)(s0 + rs->bs > rs->n ? rs->n - s0 : rs->bs);
        thread_ws *tws = rs->tws;
        const tw_design *design = rs->design;
        const tw_sens *sens = rs->ses->sens;
        double *in_buf = rs->in_buf, *out_buf = rs->out_buf;
        tw_eval_status *st_buf = rs->st_buf;
        int eval_rc = TW_OK, nthreads = rs->nthreads;
        for (int t = 0; t < nthreads; t++)
            tws[t].fail_at = UINT64_MAX;
        int fill = tw_output_fill_pending(rs->out);
#pragma omp parallel reduction(| : eval_rc)
        {
            /* a new file's fill values (first round only; collective, on
             * the master thread: MPI funneled, HDF5 one thread) while the
             * other threads start on the block; before any block is written */
#pragma omp master
            {
                if (fill)
                    fill_rc = tw_output_fill(rs->out, &fill_err);
                /* the last round's block, while the others evaluate this one */
                if (!fill_rc)
                    wrc = flush_pending(rs, &wb_err);
            }
#pragma omp for schedule(dynamic, 1)
            for (size_t i = 0; i < nrows; i++) {
                thread_ws *t = &tws[omp_get_thread_num()];
                double *x = in_buf + i * np, *y = out_buf + i * row;
                char why[8];
                tw_params_map(sch->params, sample_point(design, sens, s0 + i, t, np), x, t->work);
                int e = type->evaluate(state, t->model_ws, x, y, &st_buf[i], &t->err);
                if (e) {
                    st_buf[i].converged = 0;
                    eval_rc |= 1;
                    if (s0 + i < t->fail_at) {
                        t->fail_at = s0 + i;
                        t->fail = t->err;
                        t->fail.code = e;
                    }
                } else if (st_buf[i].converged && tw_sample_nonfinite(sch, x, y, why, sizeof why)) {
                    /* an overflow is no result: flagged like a non-converged
                     * sample, so that the summary leaves it out and counts it */
                    st_buf[i].converged = 0;
                }
                if (lagging && omp_get_thread_num() == 0)
                    lag_poll(rs); /* the previous round's flags, in flight */
            }
        }
        if (eval_rc) {
            /* the lowest failing sample, whichever thread met it */
            const thread_ws *first = NULL;
            for (int t = 0; t < nthreads; t++)
                if (!first || tws[t].fail_at < first->fail_at)
                    first = &tws[t];
            failed = tw_error_set(&ev_err, first->fail.code, "the model failed on sample %llu "
                                  "(block %lld; not a convergence failure): %s; earlier blocks "
                                  "are kept", (unsigned long long)first->fail_at,
                                  (long long)block, first->fail.msg[0] ? first->fail.msg
                                  : tw_error_name(first->fail.code));
        }
    }
    tw_phases_mark(&rs->ph, PH_EVAL);
    if (fill_rc) {
        /* a stop while the fill values were written (agreed by every
         * rank, in the first round: nothing in flight): nothing of this
         * round is kept, every block stays pending */
        *err = fill_err;
        return fill_rc;
    }
    /* this rank's failures wait for the agreement (lag_failed) */
    if (wrc) {
        rs->write_rc = wrc;
        rs->write_err = wb_err;
        rs->write_seq = rs->seq - 1;
        rs->halted = 1;
    }
    if (failed) {
        rs->eval_rc = failed;
        rs->eval_err = ev_err;
        rs->eval_seq = rs->seq - 1;
        rs->halted = 1;
        block = -1; /* never queued: its block_done stays 0 */
    }
    if (rs->ses->stop && (rc = tw_stop_collect(rs->ses->stop, comm, block, nrows, rs->out_buf,
                                               row, rs->st_buf, err))) {
        lag_abandon(rs); /* agreed: every rank returns it */
        return rc;
    }
    if (block >= 0) {
        /* this round's block is written by the next round's master thread
         * (or flush_agreed): swap it with the written one's buffers */
        double *t_in = rs->pend_in, *t_out = rs->pend_out;
        tw_eval_status *t_st = rs->pend_st;
        rs->pend_in = rs->in_buf;
        rs->pend_out = rs->out_buf;
        rs->pend_st = rs->st_buf;
        rs->in_buf = t_in;
        rs->out_buf = t_out;
        rs->st_buf = t_st;
        rs->pend_block = block;
        rs->pend_nrows = nrows;
        rs->pend_valid = 1;
    }
    rs->ndone_samples += round_samples(rs, r);
    if (rs->rank == 0)
        tw_progress_update(&rs->prog, rs->ndone_samples);
    /* a signal on any rank stops all, and rank 0's clock says when to
     * fsync (a sync every few seconds bounds what a machine crash can lose;
     * see tw_output_sync) and when --max-time is near */
    int mine[LAG_N] = {failed != 0, wrc != 0, tw_stop_signal, 0, 0};
    if (rs->rank == 0) {
        double now = tw_now(), dt = now - rs->t_post; /* a round, with its waits */
        if (dt > rs->max_round)
            rs->max_round = dt;
        rs->t_post = now;
        if (now - rs->t_sync >= TW_SYNC_SECONDS) {
            mine[LAG_SYNC] = 1;
            rs->t_sync = now; /* asked once; reset again when done */
        }
        mine[LAG_TIME] = time_is_up(rs, 2.5);
    }
    lag_post(rs, mine);
    if (!lagging)
        return TW_OK;
    int g[LAG_N];
    uint64_t q = rs->lag[older].seq;
    lag_complete(rs, older, g); /* a rank more than a round ahead waits here */
    return lag_act(rs, g, q, 1, stop, err);
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
    flush_agreed(rs, err); /* the last round's blocks */
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
            rc = run_round(rs, r, &sig, err);
            if (!rc && sig && (r + 1 < rounds || lim < rs->npend)) {
                *interrupted = sig;
                return TW_OK;
            }
        }
        if (!rc) {
            /* the segment's last flags, before its check (which reads
             * every block of it: none may have failed) */
            int sig = 0;
            rc = lag_drain(rs, 1, &sig, err);
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
            lag_abandon(&rs);
        else
            rc = run_finalize(&rs, interrupted, err);
    } else if (!rc) {
        int stop = 0, interrupted = 0;
        for (uint64_t r = 0; !rc && r < rs.rounds; r++) {
            rc = run_round(&rs, r, &stop, err);
            /* also after the last round: the passes are redone on resume */
            if (!rc && stop) {
                interrupted = stop;
                break;
            }
        }
        if (!rc && !interrupted) {
            /* the last round's flags (a stop there: the passes are redone
             * on resume); a due fsync is left to the close */
            rc = lag_drain(&rs, 0, &stop, err);
            interrupted = stop;
        }
        if (rc)
            lag_abandon(&rs);
        else
            rc = run_finalize(&rs, interrupted, err);
    }
    record_end(&rs, rc, err);
    tw_phases_mark(&rs.ph, PH_END);
    tw_phases_report(&rs.ph, rs.rank, rs.size, rs.nthreads);
    run_free(&rs);
    return rc;
}
