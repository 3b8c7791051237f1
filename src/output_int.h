/* Internals shared by the output modules (output.c: the handle, block
 * writes and close; output_create.c: a new file's layout; output_resume.c:
 * reopening a file for --resume). Not a public header: the API is
 * tradewar/output.h. */
#ifndef TW_OUTPUT_INT_H
#define TW_OUTPUT_INT_H

#include <hdf5.h>
#include <stdint.h>

#include "tradewar/output.h"

struct tw_output {
    MPI_Comm comm;
    int rank;
    hid_t file, dxpl;
    hid_t dxpl_ind; /* independent transfers: the block writes */
    char *path;
    uint64_t n, bs, nblocks;
    size_t n_params, n_outcomes, row_size;
    const tw_model_schema *schema;
    hid_t *ds_in, *ds_out;
    hid_t ds_conv, ds_iter, ds_resid, ds_done;
    /* per-block scratch for the status columns */
    uint8_t *conv;
    int32_t *iter;
    double *resid;
    /* per-block scratch: one dataset's columns of the block, packed
     * contiguously (bs x the widest outcome) */
    double *pack;
    /* the fill values are still to be written (tw_output_defer_fill) */
    int fill_pending;
};

/* the handle with no file open yet (output.c) */
tw_output *tw_output_alloc(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                           const tw_model_schema *schema);
/* After a start's serial part (its /history row appended, if any): marks
 * the row appended and opens the file for parallel writing (output.c; new
 * files and resume). Not collective in its result: the caller agrees. */
int tw_output_open_rw(tw_output *o, const tw_run_meta *meta, tw_error *err);
/* Opens the per-sample datasets of o->file into the handle and checks the
 * outcomes' shapes against the schema (output.c; a new file after its
 * serial layout, and resume). Not collective in its result: the caller
 * agrees. */
int tw_output_open_datasets(tw_output *o, tw_error *err);
/* closes the per-sample datasets (handles set to -1), keeps the file */
void tw_output_close_datasets(tw_output *o);
/* closes the datasets, transfer list and file, keeps the handle */
void tw_output_free_handles(tw_output *o);
void tw_output_free(tw_output *o);
/* an outcome's dimension sizes, without the sample dimension (output_create.c) */
void tw_output_outcome_dims(const tw_model_schema *s, const tw_outcome_info *oi, hsize_t *dims);

#endif
