/*
 * set64.h - a set of nonzero 64-bit keys (open addressing, grown at half
 * full), for the walks that must not visit a place twice: directories of
 * a file system, what extract made.  Not installed.
 */
#ifndef GM_SET64_H
#define GM_SET64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gm_set64 {
	uint64_t *slot;		/* 0: empty */
	size_t n, cap;
};

/* Add key (nonzero): 1 when it was not there, 0 when it was, -1 when the
   set cannot grow.  A zeroed struct is an empty set. */
int gm_set64_add(struct gm_set64 *s, uint64_t key);

/* Whether key is in the set. */
bool gm_set64_has(const struct gm_set64 *s, uint64_t key);

/* Free the slots; the set is empty again. */
void gm_set64_release(struct gm_set64 *s);

#endif
