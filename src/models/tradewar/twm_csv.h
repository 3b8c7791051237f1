/* tradewar model: a small strict CSV reader for the dataset files (internal).
 *
 * CSV dialect accepted (everything else is rejected with file:line):
 *  - UTF-8 with or without a byte-order mark; LF or CRLF line ends; a final
 *    newline or none; empty lines are skipped;
 *  - fields separated by commas; a field may be quoted ("a, b"; "" is a
 *    literal quote); a quoted field may not span lines; text after a closing
 *    quote, or a quote inside an unquoted field, is an error;
 *  - spaces and tabs around unquoted fields are ignored;
 *  - the first non-empty line is the header and must match exactly;
 *  - no NUL bytes, at most TWM_CSV_MAX_BYTES.
 *
 * Errors are TW_EDATA with file:line and the column name.
 */
#ifndef TRADEWAR_TWM_CSV_H
#define TRADEWAR_TWM_CSV_H

#include "tradewar/error.h"

#define CSV_MAX_FIELDS 16
/* A data file larger than this is refused (with file name and limit): the
 * reader holds the whole file in memory, and an OECD ICIO-sized dataset
 * (77 regions x 45 sectors, 267,000 trade rows) is about 10 MB. */
#define TWM_CSV_MAX_BYTES ((size_t)256 << 20)

typedef struct twm_csv_file {
    const char *path;
    char *buf;   /* NUL-terminated file contents */
    char *pos;   /* next unread character */
    long line;   /* line number of the record last returned */
    long next_line;
    char *field[CSV_MAX_FIELDS];
    int nfield;
} twm_csv_file;

void twm_csv_close(twm_csv_file *c);
int twm_csv_open(twm_csv_file *c, const char *path, tw_error *err);
int twm_csv_next(twm_csv_file *c, tw_error *err);
int twm_csv_header(twm_csv_file *c, const char *const *cols, int ncols, tw_error *err);
int twm_csv_nfields(const twm_csv_file *c, int n, tw_error *err);
int twm_csv_number(const twm_csv_file *c, int k, const char *col, double *out, tw_error *err);

#endif
