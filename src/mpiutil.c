#include "mpiutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tw_mpi_agree(MPI_Comm comm, int rc, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int who = rc ? rank : size;
    int first;
    MPI_Allreduce(&who, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size)
        return TW_OK;
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, first, comm);
    char msg[TW_ERROR_MSG_MAX] = "";
    if (rank == first && err)
        memcpy(msg, err->msg, sizeof msg);
    MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, comm);
    if (err) {
        err->code = code;
        memcpy(err->msg, msg, sizeof msg);
    }
    return code;
}

void tw_mpi_abort(MPI_Comm comm, const tw_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        fprintf(stderr, "tradewar: error: %s (ending the job: the parallel file cannot be "
                "closed after a failed write)\n", err->msg);
        fflush(stderr);
    }
    /* rank 0 has printed before anyone aborts: every rank agreed to come here */
    MPI_Barrier(comm);
    MPI_Abort(comm, tw_error_exit_code(err->code));
    abort(); /* MPI_Abort does not return; this keeps _Noreturn honest */
}

void tw_mpi_gather_to_root(MPI_Comm comm, const void *mine, int count, MPI_Datatype type,
                           void *got)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *counts = NULL, *displs = NULL;
    if (rank == 0) {
        counts = malloc(2 * (size_t)size * sizeof *counts);
        if (!counts) {
            /* the other ranks are already in the gather: no clean way back */
            fprintf(stderr, "tradewar: error: out of memory (gathering results to rank 0)\n");
            fflush(stderr);
            MPI_Abort(comm, tw_error_exit_code(TW_ENOMEM));
        }
        displs = counts + size;
    }
    MPI_Gather(&count, 1, MPI_INT, counts, 1, MPI_INT, 0, comm);
    if (rank == 0)
        for (int r = 0, d = 0; r < size; r++) {
            displs[r] = d;
            d += counts[r];
        }
    MPI_Gatherv(mine, count, type, got, counts, displs, type, 0, comm);
    free(counts);
}
