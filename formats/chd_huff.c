/*
 * chd_huff.c - the bit streams and the Huffman coding of MAME's CHD: the
 * hunk map's compression types and the "huff" codec.
 *
 * Bits are taken most significant first; reading past the end gives zero
 * bits and sets overflow, which callers check once at the end.  Codes are
 * canonical: lengths alone are stored, and codes are handed out from the
 * longest length down, each length's codes following on from the half of
 * the previous length's next code.  A table of 1 << maxbits entries maps
 * the next maxbits bits to a symbol and its length.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chd.h"
#include "banned.h"

void gm_bits_in_init(struct gm_bits_in *b, const uint8_t *p, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->p = p;
	b->len = len;
}

static void fill(struct gm_bits_in *b)
{
	while (b->n <= 56) {
		uint64_t byte = 0;

		if (b->pos < b->len)
			byte = b->p[b->pos];
		b->pos++;
		b->acc |= byte << (56 - b->n);
		b->n += 8;
	}
}

uint32_t gm_bits_peek(struct gm_bits_in *b, unsigned count)
{
	if (count == 0)
		return 0;
	if (count > b->n)
		fill(b);
	return (uint32_t)(b->acc >> (64 - count));
}

void gm_bits_remove(struct gm_bits_in *b, unsigned count)
{
	if (count > b->n)
		fill(b);
	b->acc = count >= 64 ? 0 : b->acc << count;
	b->n -= count;
	if (b->pos > b->len && b->pos - b->len > b->n / 8)
		b->overflow = true;
}

uint32_t gm_bits_read(struct gm_bits_in *b, unsigned count)
{
	uint32_t v = gm_bits_peek(b, count);

	gm_bits_remove(b, count);
	return v;
}

size_t gm_bits_in_used(const struct gm_bits_in *b)
{
	return b->pos - b->n / 8;
}

/* ------------------------------------------------------------------ */

int gm_huff_init(struct gm_huff *h, unsigned ncodes, unsigned maxbits)
{
	memset(h, 0, sizeof(*h));
	if (ncodes > GM_HUFF_MAX_CODES || maxbits > 16 || maxbits == 0)
		return -1;
	h->ncodes = ncodes;
	h->maxbits = maxbits;
	h->lookup = calloc((size_t)1 << maxbits, sizeof(*h->lookup));
	return h->lookup == NULL ? -1 : 0;
}

void gm_huff_release(struct gm_huff *h)
{
	free(h->lookup);
	h->lookup = NULL;
}

/* Codes from the lengths (false when the lengths make no prefix code
   MAME would accept), then the lookup table. */
bool gm_huff_assign(struct gm_huff *h)
{
	uint32_t histo[33] = { 0 }, start = 0;

	for (unsigned i = 0; i < h->ncodes; i++) {
		if (h->len[i] > h->maxbits)
			return false;
		histo[h->len[i]]++;
	}
	for (int len = 32; len > 0; len--) {
		uint32_t next = (start + histo[len]) >> 1;

		if (len != 1 && next * 2 != start + histo[len])
			return false;
		histo[len] = start;
		start = next;
	}
	for (unsigned i = 0; i < h->ncodes; i++)
		if (h->len[i] > 0)
			h->code[i] = histo[h->len[i]]++;
	memset(h->lookup, 0, ((size_t)1 << h->maxbits) * sizeof(*h->lookup));
	for (unsigned i = 0; i < h->ncodes; i++) {
		unsigned shift;
		uint32_t from, to;

		if (h->len[i] == 0)
			continue;
		shift = h->maxbits - h->len[i];
		from = h->code[i] << shift;
		to = (h->code[i] + 1) << shift;
		/* (a code past the table: lengths that overflow their
		   count, which the check above lets through at length 1) */
		if (to > (1u << h->maxbits))
			return false;
		for (uint32_t k = from; k < to; k++)
			h->lookup[k] = (uint16_t)(i << 5 | h->len[i]);
	}
	return true;
}

bool gm_huff_import_rle(struct gm_huff *h, struct gm_bits_in *b)
{
	unsigned bits = h->maxbits >= 16 ? 5 : h->maxbits >= 8 ? 4 : 3;
	unsigned at = 0;

	while (at < h->ncodes) {
		uint32_t v = gm_bits_read(b, bits);

		if (v != 1) {
			h->len[at++] = (uint8_t)v;
			continue;
		}
		v = gm_bits_read(b, bits);
		if (v == 1) {
			h->len[at++] = 1;
			continue;
		}
		/* v repeated count + 3 times: never past the table */
		for (uint32_t count = gm_bits_read(b, bits) + 3; count > 0; count--) {
			if (at >= h->ncodes)
				return false;
			h->len[at++] = (uint8_t)v;
		}
	}
	return !b->overflow && gm_huff_assign(h);
}

bool gm_huff_import_huffman(struct gm_huff *h, struct gm_bits_in *b)
{
	struct gm_huff small;
	unsigned start, count = 0, rlebits = 0, at = 0;
	uint8_t last = 0;
	bool ok;

	if (gm_huff_init(&small, 24, 6) != 0)
		return false;
	small.len[0] = (uint8_t)gm_bits_read(b, 3);
	start = gm_bits_read(b, 3) + 1;
	for (unsigned i = 1; i < 24; i++) {
		if (i < start || count == 7) {
			small.len[i] = 0;
		} else {
			count = gm_bits_read(b, 3);
			small.len[i] = count == 7 ? 0 : (uint8_t)count;
		}
	}
	ok = gm_huff_assign(&small);
	for (uint32_t t = h->ncodes - 9; t != 0; t >>= 1)
		rlebits++;
	while (ok && at < h->ncodes) {
		uint32_t v = gm_huff_decode(&small, b);

		if (v != 0) {
			h->len[at++] = last = (uint8_t)(v - 1);
		} else {
			uint32_t n = gm_bits_read(b, 3) + 2;

			if (n == 7 + 2)
				n += gm_bits_read(b, rlebits);
			for (; n != 0 && at < h->ncodes; n--)
				h->len[at++] = last;
		}
		if (b->overflow)
			ok = false;
	}
	gm_huff_release(&small);
	return ok && at == h->ncodes && gm_huff_assign(h);
}

uint32_t gm_huff_decode(const struct gm_huff *h, struct gm_bits_in *b)
{
	uint16_t e = h->lookup[gm_bits_peek(b, h->maxbits)];

	gm_bits_remove(b, e & 0x1f);
	return e >> 5;
}

/* ------------------------------------------------------------------ */
/* Writing */

void gm_bits_out_init(struct gm_bits_out *b)
{
	memset(b, 0, sizeof(*b));
}

void gm_bits_write(struct gm_bits_out *b, uint32_t v, unsigned count)
{
	if (count == 0)
		return;
	if (count < 32)
		v &= (1u << count) - 1;
	b->acc |= (uint64_t)v << (64 - b->n - count);
	b->n += count;
	while (b->n >= 8) {
		if (b->len == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4096;
			uint8_t *p = realloc(b->p, cap);

			if (p == NULL) {
				b->nomem = true;
				b->len = 0;	/* (keeps going, writing nothing) */
			} else {
				b->p = p;
				b->cap = cap;
			}
		}
		if (!b->nomem)
			b->p[b->len++] = (uint8_t)(b->acc >> 56);
		b->acc <<= 8;
		b->n -= 8;
	}
}

void gm_bits_flush(struct gm_bits_out *b)
{
	if (b->n > 0)
		gm_bits_write(b, 0, 8 - b->n);
}

/* A Huffman tree by weight (the two lightest joined, over and over), its
   leaves' depths into h->len; the deepest. */
static unsigned build_tree(struct gm_huff *h, const uint32_t *histo, uint64_t total,
			   uint64_t weight)
{
	uint64_t w[2 * GM_HUFF_MAX_CODES];
	unsigned parent[2 * GM_HUFF_MAX_CODES], list[2 * GM_HUFF_MAX_CODES];
	unsigned n = 0, nodes = h->ncodes, deepest = 0;

	for (unsigned i = 0; i < h->ncodes; i++) {
		h->len[i] = 0;
		if (histo[i] == 0)
			continue;
		w[i] = total ? histo[i] * weight / total : 0;
		if (w[i] == 0)
			w[i] = 1;
		/* heaviest first, ties by symbol */
		unsigned at = n;

		while (at > 0 && w[list[at - 1]] < w[i])
			at--;
		memmove(list + at + 1, list + at, (n - at) * sizeof(*list));
		list[at] = i;
		n++;
	}
	for (unsigned i = 0; i < 2 * GM_HUFF_MAX_CODES; i++)
		parent[i] = UINT32_MAX;
	while (n > 1) {
		unsigned a = list[--n], b = list[--n], node = nodes++, at = 0;

		w[node] = w[a] + w[b];
		parent[a] = parent[b] = node;
		while (at < n && w[list[at]] >= w[node])
			at++;
		memmove(list + at + 1, list + at, (n - at) * sizeof(*list));
		list[at] = node;
		n++;
	}
	for (unsigned i = 0; i < h->ncodes; i++) {
		unsigned depth = 0;

		if (histo[i] == 0)
			continue;
		for (unsigned at = i; parent[at] != UINT32_MAX; at = parent[at])
			depth++;
		h->len[i] = (uint8_t)(depth ? depth : 1);
		if (h->len[i] > deepest)
			deepest = h->len[i];
	}
	return deepest;
}

bool gm_huff_from_histo(struct gm_huff *h, const uint32_t *histo)
{
	uint64_t total = 0, lo = 0, hi;

	for (unsigned i = 0; i < h->ncodes; i++)
		total += histo[i];
	hi = 2 * total;
	/* weights scaled down until the deepest code fits maxbits */
	for (;;) {
		uint64_t weight = (lo + hi) / 2;
		unsigned deepest = build_tree(h, histo, total, weight);

		if (deepest <= h->maxbits) {
			lo = weight;
			if (weight == total || hi - lo <= 1)
				break;
		} else {
			hi = weight;
		}
		if (hi <= lo)
			return false;
	}
	return gm_huff_assign(h);
}

static void rle_bits(struct gm_bits_out *b, unsigned value, unsigned count, unsigned bits)
{
	while (count > 0) {
		if (value == 1) {
			gm_bits_write(b, 1, bits);
			gm_bits_write(b, 1, bits);
			count--;
		} else if (count <= 2) {
			gm_bits_write(b, value, bits);
			count--;
		} else {
			unsigned reps = count - 3 < (1u << bits) - 1 ? count - 3 : (1u << bits) - 1;

			gm_bits_write(b, 1, bits);
			gm_bits_write(b, value, bits);
			gm_bits_write(b, reps, bits);
			count -= reps + 3;
		}
	}
}

void gm_huff_export_rle(const struct gm_huff *h, struct gm_bits_out *b)
{
	unsigned bits = h->maxbits >= 16 ? 5 : h->maxbits >= 8 ? 4 : 3;
	unsigned last = UINT32_MAX, count = 0;

	for (unsigned i = 0; i < h->ncodes; i++) {
		if (h->len[i] == last) {
			count++;
			continue;
		}
		if (count > 0)
			rle_bits(b, last, count, bits);
		last = h->len[i];
		count = 1;
	}
	if (count > 0)
		rle_bits(b, last, count, bits);
}

void gm_huff_encode(const struct gm_huff *h, struct gm_bits_out *b, unsigned symbol)
{
	gm_bits_write(b, h->code[symbol], h->len[symbol]);
}
