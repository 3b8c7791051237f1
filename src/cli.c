/* The command line: run, check, solve, info. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/config.h"
#include "tradewar/design.h"
#include "tradewar/model.h"
#include "tradewar/params.h"
#include "tradewar/runner.h"
#include "tradewar/shard.h"
#include "tw_version.h"

static const char usage_main[] =
    "usage: tradewar <command> [options]\n"
    "\n"
    "Parallel Monte Carlo engine for the 2025 US-China trade war (run under mpiexec;\n"
    "threads per rank from OMP_NUM_THREADS).\n"
    "\n"
    "commands:\n"
    "  run CONFIG [-o OUT.h5] [-n SAMPLES] [--seed S] [--design mc|lhs|sobol]\n"
    "             [--resume] [--force] [--max-time T] [--shard I/N] [-q]\n"
    "                                          sample, solve, write the HDF5 file\n"
    "  merge OUT.h5 PART.h5... [--config CONFIG] [--force] [-q]\n"
    "                                          combine the parts of a sharded run\n"
    "  check CONFIG                            validate config and data, print the\n"
    "                                          parameter table, solve the central scenario\n"
    "  check --keys [MODEL|CONFIG]             every config key: type, bounds, default\n"
    "  solve CONFIG [--set NAME=VALUE]...      one deterministic scenario (medians unless set)\n"
    "  info OUT.h5 [--brief|--json]            metadata, progress and summary of a result file\n"
    "\n"
    "  tradewar <command> --help               options of a command\n"
    "  tradewar --version\n"
    "\n"
    "exit codes: 0 done, 1 usage or config error, 2 data or runtime error,\n"
    "            3 interrupted (the result file is consistent: run again with --resume)\n";

static const char usage_run[] =
    "usage: tradewar run CONFIG [options]\n"
    "  -o, --output FILE     result file (default: the config's `output:`, else\n"
    "                        results/<config name>.h5), relative to the working directory\n"
    "  -n, --samples N       number of samples (default: the config's `samples:`)\n"
    "      --seed S          random seed (default: the config's `seed:`)\n"
    "      --design D        mc | lhs | sobol (default: the config's `design:`)\n"
    "      --resume          continue an unfinished file: only blocks not yet done are computed;\n"
    "                        the result is bitwise identical to an uninterrupted run\n"
    "      --force           overwrite an existing result file\n"
    "      --max-time T      stop cleanly (exit 3, resumable) before a round that would end\n"
    "                        after T: 3600, 90s, 45m, 12h, 2d, HH:MM:SS or D-HH:MM:SS\n"
    "      --shard I/N       compute shard I of N only (a contiguous range of blocks) into a\n"
    "                        part file; combine the N parts with `tradewar merge`\n"
    "  -q, --quiet           no progress display\n"
    "  -h, --help\n"
    "SIGTERM, SIGINT and SIGUSR1 make every rank finish its current block and the next\n"
    "(the ranks agree on a stop a round late), flush and exit 3.\n";

static const char usage_merge[] =
    "usage: tradewar merge OUT.h5 PART.h5... [options]\n"
    "Combine the parts of a sharded run (`tradewar run CONFIG --shard I/N`, one part per\n"
    "shard, all finished) into OUT.h5, the file the run without --shard writes (identical\n"
    "inputs, outputs, status and summary), and run the summary passes. The parts are only\n"
    "read; OUT.h5 appears at the end (written as OUT.h5.merging, then renamed).\n"
    "  --config CONFIG   the run's config (default: the path the parts recorded); it must\n"
    "                    be the config the parts were computed with (same SHA-256)\n"
    "  --force           overwrite an existing OUT.h5\n"
    "  -q, --quiet       no messages\n"
    "  -h, --help\n";

static const char usage_check[] =
    "usage: tradewar check CONFIG\n"
    "       tradewar check --keys [MODEL | CONFIG]\n"
    "Validate the config and the data, print the resolved parameter table and solve\n"
    "the central scenario (every parameter at its median) once.\n"
    "With --keys: list every config key the engine and the model read (the model named,\n"
    "or the CONFIG's `model:`; without either, every model): dotted name, type with\n"
    "bounds or allowed values, default, meaning. <CODE> stands for a partner's region code.\n";

static const char usage_solve[] =
    "usage: tradewar solve CONFIG [--set NAME=VALUE]...\n"
    "Solve one deterministic scenario: every parameter at the median of its distribution\n"
    "unless set with --set (repeatable), and print the outcomes as tables.\n";

static const char usage_info[] =
    "usage: tradewar info FILE [--brief | --json]\n"
    "Print a result file's metadata, progress (blocks done/total) and summary table.\n"
    "  --brief   leave out per-region-and-sector outcomes\n"
    "  --json    one line of JSON for scripts: status (finished, running, unfinished),\n"
    "            writer, samples_done, blocks_done, progress, n_converged, versions\n";

typedef struct cli {
    MPI_Comm comm;
    int rank;
} cli;

static int fail(const cli *c, const tw_error *err)
{
    if (c->rank == 0)
        fprintf(stderr, "tradewar: %s: %s\n",
                err->code == TW_EINTERRUPTED ? "interrupted" : "error", err->msg);
    return tw_error_exit_code(err->code);
}

static int usage_error(const cli *c, const char *usage, const char *fmt, const char *arg)
{
    if (c->rank == 0) {
        fprintf(stderr, "tradewar: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n%s", usage);
    }
    return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    /* digits only: strtoull would skip blanks, accept a sign (and wrap "-1")
     * and saturate on overflow */
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

/* A duration for --max-time, in seconds: "3600", "90s", "45m", "12h", "2d",
 * or Slurm's forms "MM:SS", "HH:MM:SS", "D-HH:MM:SS" (what `squeue -o %L`
 * prints). Must be > 0. */
static int parse_duration(const char *s, double *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    if (strchr(s, ':') || strchr(s, '-')) {
        long d = 0, part[3] = {0, 0, 0};
        int n = 0;
        const char *p = s;
        const char *dash = strchr(s, '-');
        if (dash) {
            errno = 0;
            d = strtol(s, &end, 10);
            if (end != dash || errno || d < 0)
                return -1;
            p = dash + 1;
        }
        for (;;) {
            if (n == 3 || !isdigit((unsigned char)*p))
                return -1;
            errno = 0;
            part[n++] = strtol(p, &end, 10);
            if (errno || part[n - 1] < 0)
                return -1;
            if (*end == '\0')
                break;
            if (*end != ':')
                return -1;
            p = end + 1;
        }
        /* MM:SS, HH:MM:SS; with days always HH[:MM[:SS]] */
        long h = 0, m = 0, sec = 0;
        if (dash)
            h = part[0], m = n > 1 ? part[1] : 0, sec = n > 2 ? part[2] : 0;
        else if (n == 2)
            m = part[0], sec = part[1];
        else if (n == 3)
            h = part[0], m = part[1], sec = part[2];
        else
            return -1;
        if ((n == 3 || dash) && m > 59)
            return -1;
        if (sec > 59)
            return -1;
        *out = (double)d * 86400.0 + (double)h * 3600.0 + (double)m * 60.0 + (double)sec;
        return *out > 0 ? 0 : -1;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v > 0) || v > 1e9)
        return -1;
    double unit = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        unit = 60, end++;
    else if (*end == 'h')
        unit = 3600, end++;
    else if (*end == 'd')
        unit = 86400, end++;
    if (*end)
        return -1;
    *out = v * unit;
    return 0;
}

/* ---- run ---- */

static int cmd_run(const cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"samples", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 'S'},   {"design", required_argument, NULL, 'D'},
        {"resume", no_argument, NULL, 'r'},       {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"max-time", required_argument, NULL, 'T'}, {"shard", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0}};
    tw_run_opts ro = {.samples = -1, .design = -1};
    int ch;
    uint64_t u;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "o:n:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            ro.output = optarg;
            break;
        case 'n':
            if (parse_u64(optarg, &u) || u == 0 || u > (uint64_t)1e12)
                return usage_error(c, usage_run, "-n: expected a sample count in [1, 1e12], got '%s'",
                                   optarg);
            ro.samples = (int64_t)u;
            break;
        case 'S':
            if (parse_u64(optarg, &u))
                return usage_error(c, usage_run, "--seed: expected an integer in [0, 18446744073709551615], got '%s'",
                                   optarg);
            ro.has_seed = 1;
            ro.seed = u;
            break;
        case 'D':
            ro.design = tw_design_kind_from_name(optarg);
            if (ro.design < 0)
                return usage_error(c, usage_run, "--design: expected mc, lhs or sobol, got '%s'",
                                   optarg);
            break;
        case 'T':
            if (parse_duration(optarg, &ro.max_time))
                return usage_error(c, usage_run, "--max-time: expected a duration such as 3600, "
                                   "90s, 45m, 12h, 2d, MM:SS, HH:MM:SS or D-HH:MM:SS (> 0), got '%s'",
                                   optarg);
            break;
        case 'P': {
            char why[128];
            if (tw_shard_parse(optarg, &ro.shard_index, &ro.shard_count, why, sizeof why)) {
                char msg[256];
                snprintf(msg, sizeof msg, "--shard: %s, got '%%s'", why);
                return usage_error(c, usage_run, msg, optarg);
            }
            break;
        }
        case 'r':
            ro.resume = 1;
            break;
        case 'f':
            ro.force = 1;
            break;
        case 'q':
            ro.quiet = 1;
            break;
        case 'h':
            if (c->rank == 0)
                fputs(usage_run, stdout);
            return 0;
        default:
            return usage_error(c, usage_run, "run: unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error(c, usage_run, "run: expected exactly one CONFIG%s",
                           optind < argc - 1 ? " (extra arguments given)" : "");
    if (ro.resume && ro.force)
        return usage_error(c, usage_run, "run: %s", "--resume and --force exclude each other");
    ro.config_path = argv[optind];
    tw_error err = {0};
    int rc = tw_run(c->comm, &ro, &err);
    if (rc)
        return fail(c, &err);
    return 0;
}

/* ---- merge ---- */

static int cmd_merge(const cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tw_merge_opts mo = {0};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            mo.config = optarg;
            break;
        case 'f':
            mo.force = 1;
            break;
        case 'q':
            mo.quiet = 1;
            break;
        case 'h':
            if (c->rank == 0)
                fputs(usage_merge, stdout);
            return 0;
        default:
            return usage_error(c, usage_merge, "merge: unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (argc - optind < 2)
        return usage_error(c, usage_merge, "merge: expected OUT.h5 and at least one PART.h5%s",
                           "");
    mo.output = argv[optind];
    mo.parts = (const char *const *)(argv + optind + 1);
    mo.n_parts = (size_t)(argc - optind - 1);
    tw_error err = {0};
    int rc = tw_merge(c->comm, &mo, &err);
    return rc ? fail(c, &err) : 0;
}

/* ---- tables for check and solve ---- */

static void print_outcomes(const tw_session *s, const double *y)
{
    const tw_model_schema *sch = s->schema;
    size_t off = 0;
    /* scalars */
    int any = 0;
    for (size_t k = 0; k < sch->n_outcomes; k++) {
        const tw_outcome_info *o = &sch->outcomes[k];
        if (o->ndims == 0) {
            if (!any)
                printf("\n%-32s %14s  %s\n", "outcome", "value", "units");
            any = 1;
            printf("%-32s %14.6g  %s\n", o->name, y[off], o->units ? o->units : "");
        }
        off += tw_outcome_size(sch, k);
    }
    /* one-dimensional outcomes, grouped by dimension: rows = labels */
    for (size_t d = 0; d < sch->n_dims; d++) {
        const tw_dimension *dim = &sch->dims[d];
        size_t cols[64], offs[64], nc = 0;
        off = 0;
        for (size_t k = 0; k < sch->n_outcomes && nc < 64; k++) {
            const tw_outcome_info *o = &sch->outcomes[k];
            if (o->ndims == 1 && o->dims[0] == (int)d) {
                cols[nc] = k;
                offs[nc++] = off;
            }
            off += tw_outcome_size(sch, k);
        }
        if (!nc)
            continue;
        printf("\n%-8s", dim->name);
        for (size_t j = 0; j < nc; j++)
            printf(" %14.14s", sch->outcomes[cols[j]].name);
        printf("\n");
        for (size_t i = 0; i < dim->size; i++) {
            printf("%-8s", dim->labels[i]);
            for (size_t j = 0; j < nc; j++)
                printf(" %14.6g", y[offs[j] + i]);
            printf("\n");
        }
    }
    /* two-dimensional outcomes: one table each */
    off = 0;
    for (size_t k = 0; k < sch->n_outcomes; k++) {
        const tw_outcome_info *o = &sch->outcomes[k];
        if (o->ndims == 2) {
            const tw_dimension *r = &sch->dims[o->dims[0]], *cdim = &sch->dims[o->dims[1]];
            printf("\n%s (%s)\n%-8s", o->name, o->units ? o->units : "", r->name);
            for (size_t j = 0; j < cdim->size; j++)
                printf(" %9.9s", cdim->labels[j]);
            printf("\n");
            for (size_t i = 0; i < r->size; i++) {
                printf("%-8s", r->labels[i]);
                for (size_t j = 0; j < cdim->size; j++)
                    printf(" %9.4g", y[off + i * cdim->size + j]);
                printf("\n");
            }
        }
        off += tw_outcome_size(sch, k);
    }
}

static int solve_and_print(const tw_session *s, const double *x)
{
    size_t row = tw_outcome_row_size(s->schema);
    double *y = malloc((row + 1) * sizeof *y);
    tw_error err = {0};
    tw_eval_status st = {0};
    int rc = y ? tw_session_evaluate(s, x, y, &st, &err)
               : tw_error_set(&err, TW_ENOMEM, "out of memory");
    if (rc) {
        free(y);
        fprintf(stderr, "tradewar: error: %s\n", err.msg);
        return tw_error_exit_code(rc);
    }
    char why[256] = "";
    int nonfinite = tw_sample_nonfinite(s->schema, x, y, why, sizeof why);
    printf("\nsolver: %s, %d iterations, residual %.3g\n",
           st.converged ? "converged" : "NOT CONVERGED", st.iterations, st.residual);
    print_outcomes(s, y);
    free(y);
    /* the reason goes to stderr, one line: the tables above are on stdout */
    fflush(stdout);
    if (nonfinite) {
        fprintf(stderr, "tradewar: error: this scenario gives a non-finite value (%s): an overflow; "
                "check the parameter values\n", why);
        return 2;
    }
    if (!st.converged) {
        fprintf(stderr, "tradewar: error: the solver did not converge on this scenario (%d "
                "iterations, residual %.3g; solver: tol %g, max_iter %ld)\n", st.iterations,
                st.residual, s->cfg->tol, s->cfg->max_iter);
        return 2;
    }
    return 0;
}

static void print_params(const tw_session *s, const double *x)
{
    const tw_params *ps = s->schema->params;
    printf("\n%-24s %12s  %-12s %s\n", "parameter", "value", "units", "distribution");
    for (size_t i = 0; i < tw_params_count(ps); i++) {
        const tw_param *p = tw_params_get(ps, i);
        char d[256];
        tw_dist_describe(&p->dist, d, sizeof d);
        printf("%-24s %12.6g  %-12s %s\n", p->name, x[i], p->units ? p->units : "", d);
    }
}

/* check --keys [MODEL | CONFIG]: the key tables (tw_config_print_keys). */
static int check_keys(const cli *c, const char *what)
{
    if (c->rank != 0)
        return 0;
    if (!what) {
        tw_config_print_keys(stdout, tw_model_list());
        return 0;
    }
    const tw_model_type *type = tw_model_find(what);
    if (!type) {
        /* not a model name: a config, whose engine keys are checked and
         * whose model is listed */
        tw_config *cfg = NULL;
        tw_error err = {0};
        if (tw_config_load(what, &cfg, &err))
            return fail(c, &err);
        type = tw_model_find(cfg->model);
        if (!type) {
            tw_error_set(&err, TW_ECONFIG, "%s: unknown model '%s' (tradewar check --keys "
                         "lists every model)", what, cfg->model);
            tw_config_free(cfg);
            return fail(c, &err);
        }
        tw_config_free(cfg);
    }
    const tw_model_type *one[] = {type, NULL};
    tw_config_print_keys(stdout, one);
    return 0;
}

static int cmd_check(const cli *c, int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        if (c->rank == 0)
            fputs(usage_check, stdout);
        return 0;
    }
    if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "--keys"))
        return check_keys(c, argc == 3 ? argv[2] : NULL);
    if (argc != 2 || argv[1][0] == '-')
        return usage_error(c, usage_check, "check: expected exactly one CONFIG%s", "");
    if (c->rank != 0)
        return 0;
    tw_session *s;
    tw_error err = {0};
    if (tw_session_open(argv[1], &s, &err))
        return fail(c, &err);
    const tw_config *cfg = s->cfg;
    printf("config   %s (sha256 %.16s...)\n", cfg->path, cfg->sha256);
    printf("model    %s: %s\n", s->type->name, s->type->description);
    if (cfg->data_dir)
        printf("data     %s\n", cfg->data_dir);
    printf("samples  %llu, design %s, seed %llu, block size %llu\n",
           (unsigned long long)cfg->samples, tw_design_kind_name(cfg->design),
           (unsigned long long)cfg->seed, (unsigned long long)cfg->block_size);
    printf("output   %s\n", cfg->output ? cfg->output : "(default: results/<config name>.h5)");
    printf("solver   tol %g, max_iter %ld\n", cfg->tol, cfg->max_iter);
    size_t np = tw_params_count(s->schema->params);
    double *x = malloc((np + 1) * sizeof *x);
    if (!x) {
        tw_session_close(s);
        return 2;
    }
    tw_params_medians(s->schema->params, x);
    printf("\n%zu parameters (value = median), %zu correlation group(s), %zu outcomes "
           "(%zu values per sample)\n", np, tw_params_group_count(s->schema->params),
           s->schema->n_outcomes, tw_outcome_row_size(s->schema));
    print_params(s, x);
    printf("\ncentral scenario:");
    int code = solve_and_print(s, x);
    if (code == 0)
        printf("\ncheck: OK\n");
    free(x);
    tw_session_close(s);
    return code;
}

static int cmd_solve(const cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"set", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    char *sets[256];
    int nsets = 0;
    while ((ch = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        if (ch == 'h') {
            if (c->rank == 0)
                fputs(usage_solve, stdout);
            return 0;
        }
        if (ch != 's' || nsets >= 256)
            return usage_error(c, usage_solve, "solve: unknown or incomplete option '%s'",
                               argv[optind - 1]);
        sets[nsets++] = optarg;
    }
    if (optind != argc - 1)
        return usage_error(c, usage_solve, "solve: expected exactly one CONFIG%s", "");
    if (c->rank != 0)
        return 0;
    tw_session *s;
    tw_error err = {0};
    if (tw_session_open(argv[optind], &s, &err))
        return fail(c, &err);
    const tw_params *ps = s->schema->params;
    size_t np = tw_params_count(ps);
    double *x = malloc((np + 1) * sizeof *x);
    if (!x) {
        tw_session_close(s);
        return 2;
    }
    tw_params_medians(ps, x);
    for (int i = 0; i < nsets; i++) {
        char *eq = strchr(sets[i], '=');
        char *end = NULL;
        if (eq)
            *eq = '\0';
        long idx = eq ? tw_params_find(ps, sets[i]) : -1;
        double v = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || idx < 0 || end == eq + 1 || *end || !isfinite(v)) {
            fprintf(stderr, "tradewar: --set %s%s%s: %s\n", sets[i], eq ? "=" : "", eq ? eq + 1 : "",
                    !eq ? "expected NAME=VALUE"
                    : idx < 0 ? "unknown parameter (see `tradewar check CONFIG` for the list)"
                              : "VALUE must be a finite number");
            free(x);
            tw_session_close(s);
            return 1;
        }
        x[idx] = v;
    }
    print_params(s, x);
    int code = solve_and_print(s, x);
    free(x);
    tw_session_close(s);
    return code;
}

static int cmd_info(const cli *c, int argc, char **argv)
{
    int brief = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            if (c->rank == 0)
                fputs(usage_info, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--brief"))
            brief = 1;
        else if (!strcmp(argv[i], "--json"))
            brief = TW_INFO_JSON;
        else if (argv[i][0] == '-' || path)
            return usage_error(c, usage_info, "info: unexpected argument '%s'", argv[i]);
        else
            path = argv[i];
    }
    if (!path)
        return usage_error(c, usage_info, "info: expected a result FILE%s", "");
    if (c->rank != 0)
        return 0;
    tw_error err = {0};
    if (tw_info_print(path, stdout, brief, &err))
        return fail(c, &err);
    return 0;
}

int tw_cli_main(MPI_Comm comm, int argc, char **argv)
{
    cli c = {.comm = comm};
    MPI_Comm_rank(comm, &c.rank);
    if (argc < 2)
        return usage_error(&c, usage_main, "%s", "missing command");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (c.rank == 0)
            fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        if (c.rank == 0)
            printf("tradewar %s\n", TW_VERSION);
        return 0;
    }
    int code;
    if (!strcmp(cmd, "run"))
        code = cmd_run(&c, argc - 1, argv + 1);
    else if (!strcmp(cmd, "merge"))
        code = cmd_merge(&c, argc - 1, argv + 1);
    else if (!strcmp(cmd, "check"))
        code = cmd_check(&c, argc - 1, argv + 1);
    else if (!strcmp(cmd, "solve"))
        code = cmd_solve(&c, argc - 1, argv + 1);
    else if (!strcmp(cmd, "info"))
        code = cmd_info(&c, argc - 1, argv + 1);
    else
        return usage_error(&c, usage_main, "unknown command '%s'", cmd);
    /* serial commands ran on rank 0: every rank exits with its code */
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    return code;
}
