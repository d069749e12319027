/*
 * set64.c - a set of nonzero 64-bit keys by open addressing with linear
 * probing, Fibonacci-hashed, grown to twice its size at half full.
 */
#include "config.h"

#include <stdlib.h>

#include "set64.h"
#include "banned.h"

static size_t home(uint64_t key, size_t cap)
{
	return (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

int gm_set64_add(struct gm_set64 *s, uint64_t key)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *grown = calloc(cap, sizeof(*grown));

		if (grown == NULL)
			return -1;
		for (size_t k = 0; k < s->cap; k++) {
			if (s->slot[k] == 0)
				continue;
			for (i = home(s->slot[k], cap); grown[i] != 0; i = (i + 1) & (cap - 1))
				;
			grown[i] = s->slot[k];
		}
		free(s->slot);
		s->slot = grown;
		s->cap = cap;
	}
	for (i = home(key, s->cap); s->slot[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key)
			return 0;
	s->slot[i] = key;
	s->n++;
	return 1;
}

bool gm_set64_has(const struct gm_set64 *s, uint64_t key)
{
	if (s->cap == 0)
		return false;
	for (size_t i = home(key, s->cap); s->slot[i] != 0; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key)
			return true;
	return false;
}

void gm_set64_release(struct gm_set64 *s)
{
	free(s->slot);
	s->slot = NULL;
	s->n = s->cap = 0;
}
