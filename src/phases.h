/* Phase timers for TW_PHASE_TIMES=1 (phases.c): the run's phases on rank 0
 * (runner.c) and the "part" lines of the final passes and the fill
 * (summary.c, summary_by.c, output_create.c). bench/engine_efficiency.sh
 * parses the lines, so their format is fixed. Internal header. */
#ifndef TW_PHASES_H
#define TW_PHASES_H

/* Phases of a run, timed on rank 0 for bench/engine_efficiency.sh: the
 * time since the previous mark goes to the phase named at each mark. CPU is
 * the process's (every thread of rank 0), so that a share measured on
 * 1 rank x 1 thread is the phase's share of the work even on a loaded
 * machine, where wall times are not. */
enum { PH_STARTUP, PH_EVAL, PH_SYNC, PH_WRITE, PH_SENS, PH_BY, PH_SUMMARY, PH_END, PH_N };

/* A part's clock: wall and process CPU seconds at its start. */
typedef struct tw_part_clock {
    double wall, cpu;
} tw_part_clock;

typedef struct tw_phases {
    double wall[PH_N], cpu[PH_N]; /* seconds per phase */
    tw_part_clock last;           /* at the previous mark */
    double wb_wall, wb_cpu;       /* the block writes (write-behind), overlapped */
} tw_phases;

/* Starts the timers: wall from t_start, CPU from the process's start
 * (MPI_Init too). */
void tw_phases_start(tw_phases *ph, double t_start);
/* The seconds since the previous mark go to phase. */
void tw_phases_mark(tw_phases *ph, int phase);
/* Rank 0, with TW_PHASE_TIMES=1 in the environment: one line per phase,
 * then the overlapped block writes. */
void tw_phases_report(const tw_phases *ph, int rank, int size, int nthreads);

/* TW_PHASE_TIMES=1 (bench/engine_efficiency.sh): rank 0 prints the wall and
 * CPU seconds of the parts of the final passes that do not split over the
 * ranks or threads (the row reads and masks every rank does, rank 0's
 * writes), as "tradewar: part NAME wall W s CPU C s". */
void tw_part_start(tw_part_clock *c);
/* Adds the seconds since tw_part_start to *wall and *cpu. */
void tw_part_add(const tw_part_clock *c, double *wall, double *cpu);
/* Prints one part line on rank 0 if TW_PHASE_TIMES=1. */
void tw_part_report(int rank, const char *name, double wall, double cpu);
/* The calling thread's CPU seconds (a part done by one thread while the
 * others work: summary_by.c's writer). */
double tw_thread_cpu(void);

#endif
