/*
 * master_private.h - what the mastering writers share inside the library
 * beyond the scanner: the notes their reports carry.  Not installed.
 */
#ifndef GM_MASTER_PRIVATE_H
#define GM_MASTER_PRIVATE_H

#include <stddef.h>

/* Append a formatted note to *notes (at most max of them; dropped when out
   of memory). */
void gm_notes_add(char ***notes, size_t *count, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Free the notes and empty the list. */
void gm_notes_free(char ***notes, size_t *count);

#endif
