/* Internal: the command line (getopt_long) and the `info` printer. */
#ifndef TRADEWAR_CLI_H
#define TRADEWAR_CLI_H

#include <mpi.h>
#include <stdio.h>

#include "tradewar/error.h"

/* Dispatch `tradewar <command> ...`; returns a process exit code. Called on
 * every rank after MPI_Init; only rank 0 prints. */
int tw_cli_main(MPI_Comm comm, int argc, char **argv);

/* Print a result file's metadata, progress and summary table (serial).
 * brief: leave out per-region-and-sector outcomes. */
#define TW_INFO_JSON 2 /* brief = 2: one JSON object for scripts (status, progress) */
int tw_info_print(const char *path, FILE *out, int brief, tw_error *err);

#endif
