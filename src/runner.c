/* The runner: sessions (config + model) and the parallel run loop. */
#include "tradewar/runner.h"

#include <errno.h>
#include <libgen.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mpiutil.h"
#include "progress.h"
#include "tradewar/design.h"
#include "tradewar/output.h"
#include "tradewar/params.h"

/* Seconds between fsyncs of the result file during a run. */
#define TW_SYNC_SECONDS 10.0

/* ---- sessions ---- */

void tw_session_close(tw_session *s)
{
    if (!s)
        return;
    if (s->type && s->state)
        s->type->destroy(s->state);
    tw_config_free(s->cfg);
    free(s);
}

int tw_session_open(const char *config_path, tw_session **out, tw_error *err)
{
    *out = NULL;
    tw_session *s = calloc(1, sizeof *s);
    if (!s)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    int rc = tw_config_load(config_path, &s->cfg, err);
    if (rc)
        goto fail;
    s->type = tw_model_find(s->cfg->model);
    if (!s->type) {
        char list[256] = "";
        size_t used = 0;
        for (const tw_model_type *const *m = tw_model_list(); *m; m++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     used ? ", " : "", (*m)->name);
        tw_ynode mn = tw_ynode_get(tw_yaml_root(s->cfg->doc), "model");
        char where[600];
        tw_ynode_where(mn, "model", where, sizeof where);
        rc = tw_error_set(err, TW_ECONFIG, "%s: unknown model '%s' (valid: %s)", where,
                          s->cfg->model, list);
        goto fail;
    }
    tw_model_ctx ctx = {
        .doc = s->cfg->doc,
        .root = tw_yaml_root(s->cfg->doc),
        .config_dir = s->cfg->dir,
        .data_dir = s->cfg->data_dir,
        .tol = s->cfg->tol,
        .max_iter = s->cfg->max_iter,
    };
    /* unknown top-level keys first: a typo should not surface as a model error */
    if ((rc = tw_config_apply_model(s->cfg, s->type, NULL, err)))
        goto fail;
    if ((rc = s->type->create(&ctx, &s->state, err)))
        goto fail;
    s->schema = s->type->schema(s->state);
    if ((rc = tw_config_apply_model(s->cfg, s->type, s->schema->params, err)))
        goto fail;
    *out = s;
    return TW_OK;
fail:
    tw_session_close(s);
    return rc;
}

int tw_session_evaluate(const tw_session *s, const double *params, double *outcomes,
                        tw_eval_status *st, tw_error *err)
{
    void *ws = s->type->workspace_alloc(s->state);
    if (!ws)
        return tw_error_set(err, TW_ENOMEM, "out of memory (model workspace)");
    int rc = s->type->evaluate(s->state, ws, params, outcomes, st);
    s->type->workspace_free(ws);
    if (rc)
        return tw_error_set(err, rc, "the model failed on the central scenario (%s)",
                            tw_error_name(rc));
    return TW_OK;
}

/* ---- signals ---- */

static volatile sig_atomic_t stop_signal = 0;

void tw_run_request_stop(int signo) { stop_signal = signo ? signo : SIGTERM; }

static void on_signal(int signo) { tw_run_request_stop(signo); }

void tw_run_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

typedef struct saved_signals {
    struct sigaction term, intr, usr1;
} saved_signals;

static void install_signals(saved_signals *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old->term);
    sigaction(SIGINT, &sa, &old->intr);
    sigaction(SIGUSR1, &sa, &old->usr1);
}

static void restore_signals(const saved_signals *old)
{
    sigaction(SIGTERM, &old->term, NULL);
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGUSR1, &old->usr1, NULL);
}

/* ---- checks before any work ---- */

static int mkdir_parents(const char *path)
{
    char *tmp = strdup(path);
    if (!tmp)
        return -1;
    char *dir = dirname(tmp);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0777);
            *p = '/';
        }
    int rc = mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
    free(tmp);
    return rc;
}

static int preflight(const char *path, int resume, int force, uint64_t bytes_needed,
                     int *exists, tw_error *err)
{
    *exists = tw_output_exists(path);
    if (*exists && !resume && !force)
        return tw_error_set(err, TW_EUSAGE, "%s exists: use --resume to continue it or --force "
                            "to overwrite it", path);
    if (mkdir_parents(path) < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot create its directory: %s", path,
                            strerror(errno));
    char *tmp = strdup(path);
    if (!tmp)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    const char *dir = dirname(tmp);
    int rc = TW_OK;
    /* Try to create a file there: access(W_OK) says yes to root even on
     * read-only or pseudo file systems such as /proc. */
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/.tradewar-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot write in directory '%s': %s", path, dir,
                          strerror(errno));
    else {
        close(fd);
        unlink(probe);
    }
    struct statvfs vfs;
    if (!rc && !(*exists && resume) && statvfs(dir, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (avail < (double)bytes_needed)
            rc = tw_error_set(err, TW_EIO, "%s: not enough disk space: the file needs about "
                              "%.1f MB, %.1f MB are free in '%s'", path, bytes_needed / 1e6,
                              avail / 1e6, dir);
    }
    free(tmp);
    return rc;
}

/* ---- the run ---- */

typedef struct thread_ws {
    void *model_ws;
    double *u, *work;
} thread_ws;

static char *default_output(const char *config_path)
{
    char *tmp = strdup(config_path);
    if (!tmp)
        return NULL;
    char *base = basename(tmp);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    size_t n = strlen(base) + 16;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "results/%s.h5", base);
    free(tmp);
    return out;
}

int tw_run(MPI_Comm comm, const tw_run_opts *opts, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    tw_session *ses = NULL;
    tw_design *design = NULL;
    tw_output *out = NULL;
    thread_ws *tws = NULL;
    double *central_p = NULL, *central_o = NULL, *in_buf = NULL, *out_buf = NULL;
    tw_eval_status *st_buf = NULL;
    uint8_t *done = NULL;
    uint64_t *pending = NULL;
    char *outpath = NULL;
    int nthreads = omp_get_max_threads();
    saved_signals oldsig;
    int signals_on = 0;
    double t_start = tw_now();

    int rc = tw_session_open(opts->config_path, &ses, err);
    if ((rc = tw_mpi_agree(comm, rc, err)))
        return rc;
    tw_config *cfg = ses->cfg;
    const tw_model_schema *sch = ses->schema;
    const tw_model_type *type = ses->type;
    uint64_t n = opts->samples >= 0 ? (uint64_t)opts->samples : cfg->samples;
    uint64_t seed = opts->has_seed ? opts->seed : cfg->seed;
    tw_design_kind dk = opts->design >= 0 ? (tw_design_kind)opts->design : cfg->design;
    uint64_t bs = cfg->block_size;
    size_t np = tw_params_count(sch->params), row = tw_outcome_row_size(sch);
    if (n == 0)
        rc = tw_error_set(err, TW_EUSAGE, "the number of samples must be > 0");
    if (!rc)
        rc = tw_design_create(dk, seed, n, np, &design, err);
    if (!rc) {
        outpath = opts->output ? strdup(opts->output)
                  : cfg->output ? strdup(cfg->output) : default_output(cfg->path);
        if (!outpath)
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    if ((rc = tw_mpi_agree(comm, rc, err)))
        goto done;

    /* one rank looks at the file system; all agree on the answer */
    int exists = 0;
    if (rank == 0) {
        uint64_t bytes = n * (uint64_t)(np + row + 2) * 8u + (1u << 20);
        rc = preflight(outpath, opts->resume, opts->force, bytes, &exists, err);
    }
    MPI_Bcast(&exists, 1, MPI_INT, 0, comm);
    if ((rc = tw_mpi_agree(comm, rc, err)))
        goto done;

    /* the run's identity; the decomposition is recorded from rank 0 */
    size_t text_len;
    const char *text = tw_yaml_text(cfg->doc, &text_len);
    int threads0 = nthreads;
    MPI_Bcast(&threads0, 1, MPI_INT, 0, comm);
    tw_run_meta meta = {
        .model = type->name,
        .design = tw_design_kind_name(dk),
        .seed = seed,
        .n_samples = n,
        .block_size = bs,
        .config_text = text,
        .config_sha256 = cfg->sha256,
        .mpi_ranks = size,
        .omp_threads = threads0,
    };
    uint64_t nblocks = tw_n_blocks(n, bs);
    done = calloc(nblocks, 1);
    pending = malloc(nblocks * sizeof *pending);
    central_p = malloc((np + 1) * sizeof *central_p);
    central_o = malloc((row + 1) * sizeof *central_o);
    in_buf = malloc(bs * (np + 1) * sizeof *in_buf);
    out_buf = malloc(bs * (row + 1) * sizeof *out_buf);
    st_buf = malloc(bs * sizeof *st_buf);
    tws = calloc((size_t)nthreads, sizeof *tws);
    if (!done || !pending || !central_p || !central_o || !in_buf || !out_buf || !st_buf || !tws)
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    if ((rc = tw_mpi_agree(comm, rc, err)))
        goto done;

    int resuming = opts->resume && exists;
    if (resuming) {
        int finished = 0;
        rc = tw_output_open_resume(comm, outpath, &meta, sch, done, &out, &finished, err);
        if (!rc && finished) {
            if (rank == 0 && !opts->quiet)
                fprintf(stderr, "tradewar: %s is already finished (same config and seed): "
                        "nothing to do\n", outpath);
            goto done;
        }
    } else {
        tw_eval_status cst;
        tw_params_medians(sch->params, central_p);
        rc = tw_session_evaluate(ses, central_p, central_o, &cst, err);
        if ((rc = tw_mpi_agree(comm, rc, err)))
            goto done;
        rc = tw_output_create(comm, outpath, &meta, sch, opts->force, central_p, central_o, &cst,
                              &out, err);
    }
    if (rc)
        goto done;

    /* per-thread workspaces, allocated once by the thread that uses them */
    size_t wsz = tw_params_work_size(sch->params);
    int ws_fail = 0;
#pragma omp parallel reduction(| : ws_fail)
    {
        thread_ws *t = &tws[omp_get_thread_num()];
        t->model_ws = type->workspace_alloc(ses->state);
        t->u = malloc((np + 1) * sizeof *t->u);
        t->work = malloc((wsz + 1) * sizeof *t->work);
        ws_fail |= !t->model_ws || !t->u || !t->work;
    }
    rc = ws_fail ? tw_error_set(err, TW_ENOMEM, "out of memory (thread workspaces)") : TW_OK;
    if ((rc = tw_mpi_agree(comm, rc, err)))
        goto done;

    uint64_t npend = 0, ndone_samples = 0;
    for (uint64_t b = 0; b < nblocks; b++) {
        if (!done[b])
            pending[npend++] = b;
        else
            ndone_samples += (b + 1) * bs > n ? n - b * bs : bs;
    }
    tw_progress prog;
    tw_progress_start(&prog, rank == 0 && !opts->quiet, n, ndone_samples);
    if (rank == 0 && !opts->quiet)
        fprintf(stderr, "tradewar: %s, model %s, %llu samples (%s design, seed %llu), %llu blocks "
                "of %llu%s, %d rank(s) x %d thread(s)\n", outpath, type->name,
                (unsigned long long)n, meta.design, (unsigned long long)seed,
                (unsigned long long)nblocks, (unsigned long long)bs,
                resuming ? (npend ? ", resuming" : ", all blocks done") : "", size, nthreads);

    /* not reset: a signal that came during start-up (main installs the
     * handlers before MPI_Init) stops the run after its first round */
    install_signals(&oldsig);
    signals_on = 1;
    uint64_t rounds = (npend + (uint64_t)size - 1) / (uint64_t)size;
    double t_sync = tw_now();
    int interrupted = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        uint64_t idx = r * (uint64_t)size + (uint64_t)rank;
        int64_t block = idx < npend ? (int64_t)pending[idx] : -1;
        size_t nrows = 0;
        int eval_rc = TW_OK;
        if (block >= 0) {
            uint64_t s0 = (uint64_t)block * bs;
            nrows = (size_t)(s0 + bs > n ? n - s0 : bs);
#pragma omp parallel for schedule(dynamic, 1) reduction(| : eval_rc)
            for (size_t i = 0; i < nrows; i++) {
                thread_ws *t = &tws[omp_get_thread_num()];
                double *x = in_buf + i * np;
                tw_design_point(design, s0 + i, t->u);
                tw_params_map(sch->params, t->u, x, t->work);
                int e = type->evaluate(ses->state, t->model_ws, x, out_buf + i * row, &st_buf[i]);
                if (e) {
                    st_buf[i].converged = 0;
                    eval_rc |= 1;
                }
            }
            if (eval_rc)
                rc = tw_error_set(err, TW_ENUMERIC, "the model failed on a sample of block %lld "
                                  "(not a convergence failure); earlier blocks are kept",
                                  (long long)block);
        }
        if ((rc = tw_mpi_agree(comm, rc, err)))
            goto done;
        if ((rc = tw_output_write_block(out, block, nrows, in_buf, out_buf, st_buf, err)))
            goto done;
        uint64_t round_samples = 0, mine = nrows;
        MPI_Allreduce(&mine, &round_samples, 1, MPI_UINT64_T, MPI_SUM, comm);
        ndone_samples += round_samples;
        if (rank == 0)
            tw_progress_update(&prog, ndone_samples);
        /* One reduction decides two things for every rank alike: a signal on
         * any rank stops all after this round, and rank 0's clock says when
         * to fsync (a sync every few seconds bounds what a machine crash can
         * lose; see tw_output_sync). */
        int local[2] = {stop_signal, rank == 0 && tw_now() - t_sync >= TW_SYNC_SECONDS};
        int global[2];
        MPI_Allreduce(local, global, 2, MPI_INT, MPI_MAX, comm);
        if (global[1] || global[0]) {
            if ((rc = tw_output_sync(out, err)))
                goto done;
            t_sync = tw_now();
        }
        if (global[0] && r + 1 < rounds) {
            interrupted = global[0];
            break;
        }
    }
    rc = tw_output_close(out, err);
    out = NULL;
    if (rc)
        goto done;
    if (interrupted) {
        if (rank == 0 && !opts->quiet)
            fprintf(stderr, "\n");
        rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d after %llu of %llu samples; "
                          "%s is consistent: run again with --resume to continue", interrupted,
                          (unsigned long long)ndone_samples, (unsigned long long)n, outpath);
        goto done;
    }
    tw_progress_finish(&prog);
    rc = tw_output_finalize(comm, outpath, sch, &meta, tw_now() - t_start,
                            opts->mem_budget ? opts->mem_budget : (size_t)256 << 20, err);
    if (!rc && rank == 0 && !opts->quiet)
        fprintf(stderr, "tradewar: finished %s (%.1f s)\n", outpath, tw_now() - t_start);
done:
    if (signals_on)
        restore_signals(&oldsig);
    if (out) {
        tw_error tmp;
        tw_output_close(out, &tmp);
    }
    for (int t = 0; tws && t < nthreads; t++) {
        if (tws[t].model_ws)
            type->workspace_free(tws[t].model_ws);
        free(tws[t].u);
        free(tws[t].work);
    }
    free(tws);
    tw_design_free(design);
    free(central_p);
    free(central_o);
    free(in_buf);
    free(out_buf);
    free(st_buf);
    free(done);
    free(pending);
    free(outpath);
    tw_session_close(ses);
    return rc;
}
