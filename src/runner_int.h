/* The run's state, shared by the run (runner.c: set-up, checkpoints, the
 * final passes, tw_run) and its rounds (rounds.c: evaluate, write behind,
 * agree one round late). Internal: neither the models nor the CLI see it. */
#ifndef TW_RUNNER_INT_H
#define TW_RUNNER_INT_H

#include <mpi.h>
#include <stdint.h>

#include "phases.h"
#include "progress.h"
#include "signals.h"
#include "writelock.h"
#include "tradewar/design.h"
#include "tradewar/output.h"
#include "tradewar/runner.h"
#include "tradewar/sensitivity.h"

/* Seconds between fsyncs of the result file during a run. */
#define TW_SYNC_SECONDS 10.0

/* A stop that is not a signal: --max-time. */
#define STOP_MAX_TIME (-1)

typedef struct thread_ws {
    void *model_ws;
    double *u, *work;
    tw_error err;      /* the model's message for the sample being evaluated */
    tw_error fail;     /* the first failure of this thread in the current block */
    uint64_t fail_at;  /* its sample index; UINT64_MAX: none */
} thread_ws;


/* The flags each rank contributes to a round's agreement (tw_rounds_run): its
 * block's evaluation failed; its write of the previous round's block
 * failed; a stop signal; rank 0: an fsync is due; rank 0: --max-time. */
enum { LAG_EVAL, LAG_WRITE, LAG_SIGNAL, LAG_SYNC, LAG_TIME, LAG_N };

/* The run in three parts, as OpenMC structures its simulation
 * (initialize, next batch, finalize): run_init loads everything and opens the
 * file, tw_rounds_run (rounds.c) computes and writes one round of blocks, run_finalize
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
     * while the threads evaluate the next one (or by tw_rounds_flush at a
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
    /* The lagged round agreement (see rounds.c): each round's flags go out
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

/* ---- the rounds (rounds.c); every one COLLECTIVE over rs->comm ---- */

/* Round r: this rank's block of the round evaluated while its previous one
 * is written, the flags posted, the previous round's acted on. *stop: the
 * agreed stop (a signal number or STOP_MAX_TIME; 0: none), the same on
 * every rank. */
int tw_rounds_run(run_state *rs, uint64_t r, int *stop, tw_error *err);

/* The end of the rounds (of the run, or of a checkpoint segment): the last
 * round's flags completed and acted on; allow_sync 0 skips a due fsync. */
int tw_rounds_drain(run_state *rs, int allow_sync, int *stop, tw_error *err);

/* After an agreed error that ends the rounds: the reductions in flight
 * completed, their flags ignored. */
void tw_rounds_abandon(run_state *rs);

/* The queued blocks written now (a stop, the end of the rounds), the
 * outcome agreed; a write error ends the job. */
void tw_rounds_flush(run_state *rs, tw_error *err);

/* Rank 0 (not collective): would `rounds` more rounds, each as long as the
 * longest so far, end after --max-time? */
int tw_rounds_time_is_up(const run_state *rs, double rounds);

#endif
