/* Internal: the writer of one outcome's summary group, shared by the summary
 * pass (summary.c, /summary) and the by-regime pass (summary_by.c,
 * /summary_by), so that both have the same datasets and descriptions. */
#ifndef TRADEWAR_SUMMARY_GROUP_H
#define TRADEWAR_SUMMARY_GROUP_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/model.h"
#include "tradewar/stats.h"

/* Create <gsum>/<outcome k's name> with mean, std, sem, min, max, count,
 * quantiles, hist_counts, hist_edges from sums[elements of outcome k];
 * attributes n_converged and n_samples. Serial. Returns 0 or -1. */
int tw_summary_write_group(hid_t gsum, const tw_model_schema *s, size_t k,
                           const tw_summary *sums, uint64_t n_conv, uint64_t n);

/* The HDF5 objects (groups, datasets, scales: each with its fixed set of
 * attributes) that tw_summary_write_group creates for outcome k. */
size_t tw_summary_group_objects(const tw_model_schema *s, size_t k);

#endif
