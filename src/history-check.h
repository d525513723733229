/*
 * history-check.h - check an LMDB data file before LMDB maps it.
 *
 * LMDB maps data.mdb and trusts it: a file cut short maps pages beyond its
 * end, and the first access to one kills the process with SIGBUS. The
 * history (history.c) asks here first; a damaged file is then an error
 * (exit 2) or, with --state-recover, moved aside.
 */
#ifndef DH_HISTORY_CHECK_H
#define DH_HISTORY_CHECK_H

#include <stddef.h>

/* The file could not be read (never moved aside: nothing says it is damaged). */
#define DH_LMDB_CHECK_IO_FAILED (-2)

/* DIR/data.mdb: 0 when it is missing (a new history) or safe to map, -1
   when it is damaged, DH_LMDB_CHECK_IO_FAILED when it could not be read;
   why (whylen bytes) says what is wrong. */
int dh_lmdb_check_data_file(const char *dir, char *why, size_t whylen);

#endif
