/* Phase timers for TW_PHASE_TIMES=1: see phases.h. */
#include "phases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progress.h" /* tw_now */

static double cpu_clock(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_now(void) { return cpu_clock(CLOCK_PROCESS_CPUTIME_ID); }

double tw_thread_cpu(void) { return cpu_clock(CLOCK_THREAD_CPUTIME_ID); }

static int phase_times_on(int rank)
{
    const char *env = getenv("TW_PHASE_TIMES");
    return rank == 0 && env && !strcmp(env, "1");
}

void tw_part_start(tw_part_clock *c)
{
    c->wall = tw_now();
    c->cpu = cpu_now();
}

void tw_part_add(const tw_part_clock *c, double *wall, double *cpu)
{
    *wall += tw_now() - c->wall;
    *cpu += cpu_now() - c->cpu;
}

void tw_part_report(int rank, const char *name, double wall, double cpu)
{
    if (phase_times_on(rank))
        fprintf(stderr, "tradewar: part %-24s wall %9.3f s  CPU %9.3f s\n", name, wall, cpu);
}

void tw_phases_start(tw_phases *ph, double t_start)
{
    memset(ph, 0, sizeof *ph);
    ph->last.wall = t_start; /* CPU stays 0: from the process's start */
}

void tw_phases_mark(tw_phases *ph, int phase)
{
    tw_part_clock now;
    tw_part_start(&now);
    ph->wall[phase] += now.wall - ph->last.wall;
    ph->cpu[phase] += now.cpu - ph->last.cpu;
    ph->last = now;
}

void tw_phases_report(const tw_phases *ph, int rank, int size, int nthreads)
{
    static const char *const names[PH_N] = {
        "start-up", "evaluations", "round collectives", "block writes", "sensitivity pass",
        "summary by regime", "summary pass", "end"};
    if (!phase_times_on(rank))
        return;
    double tw = 0, tc = 0;
    for (int p = 0; p < PH_N; p++) {
        tw += ph->wall[p];
        tc += ph->cpu[p];
    }
    fprintf(stderr, "tradewar: phases (rank 0 of %d, %d thread(s)): wall %.3f s, CPU %.3f s\n",
            size, nthreads, tw, tc);
    for (int p = 0; p < PH_N; p++)
        fprintf(stderr, "tradewar: phase %-18s wall %9.3f s %6.2f%%  CPU %9.3f s %6.2f%%\n",
                names[p], ph->wall[p], tw > 0 ? 100 * ph->wall[p] / tw : 0,
                ph->cpu[p], tc > 0 ? 100 * ph->cpu[p] / tc : 0);
    /* the block writes (write-behind): inside "evaluations", but for the
     * last round's, which are in "block writes"; split over the ranks, on
     * the master thread while the others evaluate */
    tw_part_report(rank, "block writes, overlapped", ph->wb_wall, ph->wb_cpu);
}
