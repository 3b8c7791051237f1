/* Internal: agreeing on errors across ranks. */
#ifndef TRADEWAR_MPIUTIL_H
#define TRADEWAR_MPIUTIL_H

#include <mpi.h>

#include "tradewar/error.h"

/* COLLECTIVE. Every rank passes its own status; all return the status of the
 * lowest failing rank with its message copied into err (TW_OK if none). */
int tw_mpi_agree(MPI_Comm comm, int rc, tw_error *err);

#endif
