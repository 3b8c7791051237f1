#include "mpiutil.h"

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
