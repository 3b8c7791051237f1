/* Internal: thin HDF5 helpers shared by output.c, summary.c and info.c.
 * Not a public header (HDF5 types leak through it).
 *
 * The write helpers take a `mine` flag: in parallel every rank must take part
 * in a collective write, and a rank with nothing to write makes an empty
 * selection. In serial use pass mine = 1 and dxpl = H5P_DEFAULT. */
#ifndef TRADEWAR_H5UTIL_H
#define TRADEWAR_H5UTIL_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* Silence HDF5's own error stack printing: we report through tw_error. */
void tw_h5_quiet(void);
/* File access list for MPI-IO with collective metadata. Caller closes. */
hid_t tw_h5_fapl_mpio(MPI_Comm comm);

/* Open a file serially without HDF5's own file lock (flock): tradewar keeps
 * writers apart with its own lock (writelock.h), and a reader must be able
 * to open the file while a run writes it, in every phase (the summary pass
 * opens it read-write; with HDF5's lock, `info` and the resume probe were
 * locked out then and called the file damaged). */
hid_t tw_h5_open(const char *path, unsigned flags);

/* Create a dataset; chunk may be NULL (contiguous); fill may be NULL. */
hid_t tw_h5_create(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                   const hsize_t *chunk, const void *fill);
/* The same, allocated but not filled: the fill value is recorded, the caller
 * writes it (tw_output fills in slabs, so that a stop can come in between). */
hid_t tw_h5_create_unfilled(hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const hsize_t *chunk, const void *fill);

/* Write `count` consecutive entries of a 1-D dataset starting at s0 (width = 1). */
int tw_h5_write_rows(hid_t ds, hid_t dxpl, hid_t memtype, int mine, uint64_t s0, uint64_t count,
                     size_t width, const void *buf);
/* Write rows [s0, s0+nrows) of a float64 dataset [n, elem...] from columns
 * [col, col+ncols) of a row-major buffer with `stride` doubles per row. */
int tw_h5_write_cols(hid_t ds, hid_t dxpl, int mine, uint64_t s0, size_t nrows, const double *buf,
                     size_t stride, size_t col, size_t ncols);
/* Create a dataset of the given shape (rank 0: scalar) and write all of it
 * (only if mine), without labels: tw_h5_write_dataset is the one to use. */
hid_t tw_h5_write_full_typed(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                             const hsize_t *dims, const void *data, hid_t dxpl, int mine);
/* Label a dataset with its "units" (NULL: "1", dimensionless) and
 * "description" (NULL: the dataset's own name). Every dataset of the file
 * carries both (docs/FORMAT.md); this is the one place that writes them. */
int tw_h5_describe(hid_t ds, const char *units, const char *description, const char *name);
/* The one helper for a whole dataset: create it, write all of it (only if
 * mine), label it with units and description (as tw_h5_describe). Returns the
 * open dataset (the caller closes it, e.g. after attaching scales), or -1. */
hid_t tw_h5_write_dataset(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                          const hsize_t *dims, const void *data, hid_t dxpl, int mine,
                          const char *units, const char *description);
/* Labels as a 1-D dataset of variable-length UTF-8 strings. Serial files
 * only: parallel HDF5 cannot write variable-length data. */
hid_t tw_h5_write_labels(hid_t loc, const char *name, const char *const *labels, size_t n);
/* Make ds a dimension scale called name, with units and description. */
int tw_h5_make_scale(hid_t ds, const char *name, const char *units, const char *description);
/* An int64 dimension scale 0..n-1 (written collectively where dxpl says so). */
hid_t tw_h5_write_index_scale(hid_t loc, const char *name, uint64_t n, hid_t dxpl, int mine,
                              const char *description);
/* Attach the scale loc/scale to dimension dim of ds and label the dimension
 * with the scale's name. */
int tw_h5_attach(hid_t ds, hid_t loc, unsigned dim, const char *scale);
/* The two attributes H5DSattach_scale maintains, written once each instead
 * of read back and rewritten at every attachment (rank 0's serial write of
 * /summary and /summary_by, issue 12 item 3), with the types and contents
 * H5DSattach_scale gives them (HDF5 1.10), so that readers (netCDF, h5py,
 * xarray) see the same scales:
 *   DIMENSION_LIST on ds: nd variable-length lists of object references, one
 *     reference per dimension here (scales[d]);
 *   REFERENCE_LIST on a scale: {dataset: object reference, dimension: int}
 *     for each attachment, in the order of attachment.
 * tw_h5_dimension_list writes the first (ds must have none yet) and sets
 * *self to ds's own reference, the entry for the scales' lists. */
int tw_h5_dimension_list(hid_t ds, int nd, const hid_t *scales, hobj_ref_t *self);
int tw_h5_reference_list(hid_t scale, size_t n, const hobj_ref_t *refs, const int *dims);
/* The labels of all nd dimensions of ds (the DIMENSION_LABELS attribute
 * H5DSset_label makes: variable-length strings) in one write, instead of
 * H5DSset_label's read-back and rewrite per dimension. */
int tw_h5_set_labels(hid_t ds, const char *const *labels, int nd);
/* Scales of one group attached to its datasets in bulk (tw_h5_attach's
 * result: DIMENSION_LIST and DIMENSION_LABELS once per dataset, each
 * scale's REFERENCE_LIST once, at tw_h5_attacher_finish, in the order of
 * attachment). Scales are found by name in the group and kept open. */
typedef struct tw_h5_attacher tw_h5_attacher;
tw_h5_attacher *tw_h5_attacher_new(hid_t g);
/* Attach the scales names[d] of the group to dimensions d = 0..nd-1 of ds,
 * each dimension labelled with its scale's name. */
int tw_h5_attacher_add(tw_h5_attacher *a, hid_t ds, int nd, const char *const *names);
/* Write the scales' lists, close them, free a (NULL is fine). 0 or -1 (also
 * when an earlier add failed). */
int tw_h5_attacher_finish(tw_h5_attacher *a);
/* Read a 1-D string dataset (variable-length, or fixed-length as in format
 * 1.0) into malloc'ed strings; free with tw_h5_free_labels. */
int tw_h5_read_labels(hid_t ds, char ***labels, size_t *n);
void tw_h5_free_labels(char **labels, size_t n);

/* Attributes (create or overwrite). */
int tw_h5_attr_str(hid_t obj, const char *name, const char *value);
int tw_h5_attr_u64(hid_t obj, const char *name, uint64_t value);
int tw_h5_attr_i64(hid_t obj, const char *name, int64_t value);
int tw_h5_attr_f64(hid_t obj, const char *name, double value);
int tw_h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t size);
/* Like read_attr_str, but malloc's a buffer of the attribute's full size. */
char *tw_h5_read_attr_strdup(hid_t obj, const char *name);
int tw_h5_read_attr_u64(hid_t obj, const char *name, uint64_t *value);
int tw_h5_read_attr_i64(hid_t obj, const char *name, int64_t *value);
int tw_h5_read_attr_f64(hid_t obj, const char *name, double *value);

/* Columns cols[0..nc) of an outcome dataset [n_total, elements...] (elems
 * values per row), rows [0, n): buf[c * n + s]. Serial. Returns 0 or -1. */
int tw_h5_read_columns(hid_t ds, uint64_t n, size_t elems, const size_t *cols, size_t nc,
                       double *buf);

#endif
