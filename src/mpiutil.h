/* Internal: agreeing on errors across ranks. */
#ifndef TRADEWAR_MPIUTIL_H
#define TRADEWAR_MPIUTIL_H

#include <mpi.h>

#include "tradewar/error.h"

/* COLLECTIVE. Every rank passes its own status; all return the status of the
 * lowest failing rank with its message copied into err (TW_OK if none). */
int tw_mpi_agree(MPI_Comm comm, int rc, tw_error *err);

/* COLLECTIVE, does not return. For an agreed fatal error after which the
 * ranks cannot leave cleanly: a collective write of the parallel HDF5 file
 * failed, and closing the file would make the ranks diverge inside H5Fclose
 * (one in MPI_File_close, another in a metadata sync point) and hang. Rank 0
 * prints the message as the CLI does ("tradewar: error: ..."), then every
 * rank calls MPI_Abort with the error's exit code. The file keeps what was
 * written before (resumable: blocks are flagged only after their rows). */
_Noreturn void tw_mpi_abort(MPI_Comm comm, const tw_error *err);

/* COLLECTIVE. Gathers every rank's `count` items of `type` at `mine` to
 * rank 0, concatenated in rank order into `got` (rank 0 only: room for the
 * sum over ranks; ignored elsewhere). The ranks' counts may differ; the
 * per-rank layout is the caller's (e.g. records tagged with their column).
 * Rank 0 aborts the job if it cannot hold the per-rank counts. */
void tw_mpi_gather_to_root(MPI_Comm comm, const void *mine, int count, MPI_Datatype type,
                           void *got);

#endif
