/* tradewar model, layer 1: the baseline dataset (MODEL.md section 2).
 *
 * Loads a dataset folder in the CSV format of DESIGN.md ("Data"), checks it
 * (codes, duplicates, negative or non-numeric values, shares outside [0,1],
 * value-added shares, derived final-demand shares) naming the file and row,
 * and derives Y, VA, X, pi, R, D, I and alpha.
 *
 * Index conventions (row-major, sector innermost):
 *   bilateral  [n][i][j]  -> TWM_NIJ(d, n, i, j) = (n*N + i)*J + j   (importer n, exporter i)
 *   region-sector [n][j]  -> n*J + j
 *   input-output [n][k][j] -> (n*J + k)*J + j  (share of input k in sector j of region n)
 */
#ifndef TRADEWAR_TWM_DATA_H
#define TRADEWAR_TWM_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"

#define TWM_NIJ(N, J, n, i, j) ((((size_t)(n) * (N)) + (size_t)(i)) * (J) + (size_t)(j))

typedef struct twm_data {
    size_t N, J;
    char **region_code, **region_name; /* [N] */
    char **sector_code, **sector_name; /* [J] */
    double *theta;                      /* [J] trade elasticities */
    uint8_t *industrial, *critical;     /* [J] 0/1 */
    int crm;                            /* index of the critical sector, -1 if none */

    double *Z;        /* [N*N*J] flows at exporter prices */
    double *tau;      /* [N*N*J] baseline tariffs */
    double *gamma_io; /* [N*J*J] input shares */
    double *gamma_va; /* [N*J] value-added shares = 1 - sum_k gamma_io */

    /* derived by twm_data_derive() */
    double *Y;     /* [N*J] gross output */
    double *VA;    /* [N]   value added */
    double *X;     /* [N*J] expenditure incl. tariffs */
    double *pi;    /* [N*N*J] expenditure shares */
    double *R;     /* [N] tariff revenue */
    double *D;     /* [N] deficit (imports - exports) */
    double *I;     /* [N] income VA + R + D */
    double *alpha; /* [N*J] final-demand shares */
} twm_data;

/* Plausible ranges of the data (a value outside is refused with file:line
 * and the range): trade elasticities theta, and tariff rates (tariffs.csv and
 * counterfactual tariffs). Published theta estimates lie in [0.37, 64.85]
 * (Caliendo-Parro 2015); the ranges leave room around them, and the highest
 * applied tariffs on record are a few hundred percent. */
#define TWM_THETA_MIN 0.1
#define TWM_THETA_MAX 100.0
#define TWM_TARIFF_MAX 10.0

/* Load dir/{regions,sectors,trade,tariffs,io}.csv, check and derive.
 * Errors: TW_EDATA, "dir/trade.csv:17: column 'exporter': unknown region code 'XXX'".
 * CSV dialect: optional UTF-8 BOM, LF or CRLF, blank lines skipped, RFC 4180
 * quotes within one line, spaces around unquoted fields ignored; the header
 * must match exactly. Rows missing from trade/tariffs/io are 0; a tariff on
 * domestic sales must be 0; at most one critical sector. A sector with zero
 * expenditure X[n,j] = 0 in a region is accepted: pi[n,.,j] = 0 except
 * pi[n,n,j] = 1 by convention (Phat[n,j] then follows the home unit cost;
 * nothing flows through that cell). Regions with zero gross output, zero
 * value added or non-positive income are rejected.
 * On error *out is NULL and nothing is allocated. */
int twm_data_load(const char *dir, twm_data **out, tw_error *err);
void twm_data_free(twm_data *d);

/* (Re)compute the derived arrays from Z, tau, gamma_io; check alpha >= -1e-9
 * (naming region and sector otherwise) and clip tiny negatives to 0. */
int twm_data_derive(twm_data *d, tw_error *err);

/* Build a dataset in memory (tests): copies the arrays, then derives.
 * codes may be NULL (then "R0", "S0", ... are used). */
int twm_data_from_arrays(size_t N, size_t J, const double *Z, const double *tau,
                         const double *gamma_io, const double *theta, const uint8_t *industrial,
                         const uint8_t *critical, twm_data **out, tw_error *err);

int twm_region_index(const twm_data *d, const char *code);  /* -1 if unknown */
int twm_sector_index(const twm_data *d, const char *code);  /* -1 if unknown */

/* Read a bilateral CSV importer,exporter,sector,<value_col> and write its
 * values into out[N*N*J] (rows not listed keep their value). Used for the
 * base counterfactual (tariffs: "rate", trade costs: "dhat"). Checks codes,
 * duplicates and that values are finite and >= min_value (> min_value when
 * strict_positive; dhat: min_value 0, strict). With value_col "rate" a
 * non-zero tariff on domestic sales (importer == exporter) is rejected, as in
 * tariffs.csv. On error out is left unchanged. */
int twm_data_read_bilateral(const twm_data *d, const char *path, const char *value_col,
                            double min_value, int strict_positive, double *out, tw_error *err);

#endif
