/* tradewar: provenance of the data a session read.
 *
 * Every data file a model reads is recorded here with its SHA-256 (the
 * config text has its own hash, config_sha256). The runner stores the list
 * in the result file (root attribute `data_sha256`) and `--resume` refuses
 * a file whose data changed since: the samples would no longer belong
 * together. Models call tw_provenance_record() once per file they read;
 * they include this header only (no runner, no output).
 *
 * Process-global and not thread-safe: sessions are opened one at a time by
 * the main thread (tw_session_open resets it). */
#ifndef TRADEWAR_PROVENANCE_H
#define TRADEWAR_PROVENANCE_H

#include <stddef.h>

/* Record that `path` was read, with its whole content. */
void tw_provenance_record(const char *path, const void *data, size_t len);

/* Forget every record (start of a session). */
void tw_provenance_reset(void);

/* The records as text, one "sha256  path" line each (sha256sum's format),
 * sorted by path, so that the same data give the same text. A malloc'ed
 * string (the caller frees it), "" when nothing was read; NULL: no memory. */
char *tw_provenance_text(void);

/* The first line of `now` (tw_provenance_text's format; NULL: none) whose
 * SHA-256 is not in `listed` (such a text from a file), NULL when every
 * file's is: a data file changed (resume and merge refuse it). sha receives
 * the line's hash; the file's path is at line + 66, *path_len chars long. */
const char *tw_provenance_missing(const char *now, const char *listed, char sha[65],
                                  int *path_len);

#endif
