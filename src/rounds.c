/* The rounds of a run: each rank evaluates its block of the round with its
 * threads while the master thread writes the previous round's block, and
 * the ranks agree on failures, stops and fsyncs one round late (the run's
 * set-up, checkpoints and final passes are in runner.c). */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "mpiutil.h"
#include "runner_int.h"
#include "tradewar/params.h"
#include "tradewar/stop.h"

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


/* Rank 0: would `rounds` more rounds (each as long as the longest so far)
 * end after --max-time? Like GROMACS -maxh, the run then stops while it can
 * still write its last block. Between rounds the ranks decide one round
 * late (tw_rounds_run): the run stops after the round that follows the
 * decision, so the check looks 2.5 rounds ahead (the next round, the one
 * after it, half a round of margin); before the final passes, where the
 * stop is immediate (stop_agreed), 1.5. */
int tw_rounds_time_is_up(const run_state *rs, double rounds)
{
    double limit = rs->opts->max_time;
    return limit > 0 && tw_now() - rs->t_start + rounds * rs->max_round > limit;
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
 * end of the rounds: tw_rounds_drain), so all still stop after the same round:
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
 *   a round further ahead (tw_rounds_time_is_up);
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
void tw_rounds_flush(run_state *rs, tw_error *err)
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
void tw_rounds_abandon(run_state *rs)
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
        tw_rounds_flush(rs, err); /* stopping: the last round's blocks, then the sync */
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
int tw_rounds_drain(run_state *rs, int allow_sync, int *stop, tw_error *err)
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

/* This rank's block of the round, samples s0 .. s0 + nrows - 1, evaluated
 * by the threads into rs->in_buf/out_buf/st_buf while the master thread
 * writes the new file's fill values (first round) and the previous
 * round's block (write-behind) and polls the reductions in flight.
 * Returns the model's failure (nonzero, its message in *ev_err: the lowest
 * failing sample, whichever thread met it); the master thread's outcomes
 * in *fill_rc and *wrc. */
static int eval_block(run_state *rs, int64_t block, uint64_t s0, size_t nrows, int lagging,
                      int *fill_rc, tw_error *fill_err, int *wrc, tw_error *wb_err,
                      tw_error *ev_err)
{
    const tw_model_schema *sch = rs->ses->schema;
    const tw_model_type *type = rs->ses->type;
    void *state = rs->ses->state;
    size_t np = rs->np, row = rs->row;
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
                *fill_rc = tw_output_fill(rs->out, fill_err);
            /* the last round's block, while the others evaluate this one */
            if (!*fill_rc)
                *wrc = flush_pending(rs, wb_err);
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
    if (!eval_rc)
        return TW_OK;
    const thread_ws *first = NULL;
    for (int t = 0; t < nthreads; t++)
        if (!first || tws[t].fail_at < first->fail_at)
            first = &tws[t];
    return tw_error_set(ev_err, first->fail.code, "the model failed on sample %llu (block %lld; "
                        "not a convergence failure): %s; earlier blocks are kept",
                        (unsigned long long)first->fail_at, (long long)block,
                        first->fail.msg[0] ? first->fail.msg : tw_error_name(first->fail.code));
}

/* This round's block, to be written by the next round's master thread (or
 * tw_rounds_flush): its buffers swapped with the written block's. */
static void queue_block(run_state *rs, int64_t block, size_t nrows)
{
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

/* This rank's flags of the round just run: its failures (eval, write) and
 * a stop signal; on rank 0 also its clock's, which says when to fsync (a
 * sync every few seconds bounds what a machine crash can lose; see
 * tw_output_sync) and when --max-time is near. */
static void round_flags(run_state *rs, int failed, int wrc, int mine[LAG_N])
{
    mine[LAG_EVAL] = failed != 0;
    mine[LAG_WRITE] = wrc != 0;
    mine[LAG_SIGNAL] = tw_stop_signal;
    mine[LAG_SYNC] = mine[LAG_TIME] = 0;
    if (rs->rank != 0)
        return;
    double now = tw_now(), dt = now - rs->t_post; /* a round, with its waits */
    if (dt > rs->max_round)
        rs->max_round = dt;
    rs->t_post = now;
    if (now - rs->t_sync >= TW_SYNC_SECONDS) {
        mine[LAG_SYNC] = 1;
        rs->t_sync = now; /* asked once; reset again when done */
    }
    mine[LAG_TIME] = tw_rounds_time_is_up(rs, 2.5);
}

/* Round r (see above). *stop receives the agreed stop (a signal number or
 * STOP_MAX_TIME; 0: none), the same on every rank; the blocks of this round
 * are then written and fsynced. */
int tw_rounds_run(run_state *rs, uint64_t r, int *stop, tw_error *err)
{
    uint64_t idx = rs->pbase + r * (uint64_t)rs->size + (uint64_t)rs->rank;
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
        failed = eval_block(rs, block, s0, nrows, lagging, &fill_rc, &fill_err, &wrc, &wb_err,
                            &ev_err);
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
    if (rs->ses->stop && (rc = tw_stop_collect(rs->ses->stop, rs->comm, block, nrows,
                                               rs->out_buf, rs->row, rs->st_buf, err))) {
        tw_rounds_abandon(rs); /* agreed: every rank returns it */
        return rc;
    }
    if (block >= 0)
        queue_block(rs, block, nrows);
    rs->ndone_samples += round_samples(rs, r);
    if (rs->rank == 0)
        tw_progress_update(&rs->prog, rs->ndone_samples);
    int mine[LAG_N];
    round_flags(rs, failed, wrc, mine);
    lag_post(rs, mine);
    if (!lagging)
        return TW_OK;
    int g[LAG_N];
    uint64_t q = rs->lag[older].seq;
    lag_complete(rs, older, g); /* a rank more than a round ahead waits here */
    return lag_act(rs, g, q, 1, stop, err);
}
