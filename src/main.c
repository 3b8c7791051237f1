/* tradewar: parallel Monte Carlo engine for the 2025 US-China trade war. */
#include <gsl/gsl_errno.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tradewar/runner.h"

int main(int argc, char **argv)
{
    /* Only the master thread of each rank calls MPI or HDF5 (HDF5 here is
     * not thread-safe); OpenMP threads only evaluate samples. */
    /* A job's stop signal may come at any time, also during MPI start-up:
     * catch it from the start for `run` (the other commands are short and
     * keep the default, immediate behaviour). */
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        tw_run_catch_signals();
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "tradewar: error: MPI_Init_thread failed\n");
        return 2;
    }
    /* GSL's default handler aborts the process; every GSL call we make
     * checks its return value instead */
    gsl_set_error_handler_off();
    int code = tw_cli_main(MPI_COMM_WORLD, argc, argv);
    MPI_Finalize();
    return code;
}
