/*
 * chd_write.c - writing CHD v5: a CD as chdman createcd writes it (hunks of
 * 8 frames, each hunk the smallest of cdlz, cdzl and cdfl, or stored; a
 * hunk equal to an earlier one a reference to it; one CHT2 entry a track),
 * a DVD as MAME 0.255 on does ('DVD ' metadata, 2048-byte units, hunks of
 * two sectors, lzma, zlib and huff).
 *
 * The file is chdman's layout: the header, the metadata, the hunks back
 * to back in order (the map keeps only their lengths), the map.  The
 * hunks are compressed on every core: the calling thread reads the
 * source a hunk at a time, hashes it (the data SHA-1 runs in order) and
 * writes the results in order; each worker compresses whole hunks with
 * codecs of its own.
 *
 * What a CD CHD cannot say (the MCN, ISRCs, CONTROL flags, indexes past
 * 1, CD-TEXT, sessions, and which part of a pregap is stored) goes into a
 * GMCD entry of glassmaster's own (chd_disc.c reads it back); it is
 * written without the checksum flag, so the CHD's SHA-1s are those chdman
 * gives the same tracks, and other readers skip it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <FLAC/stream_encoder.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "bytes.h"
#include "chd.h"
#include "image_private.h"
#include "banned.h"

#define MAX_WORKERS 8
#define SLOTS_PER_WORKER 3

/* ---- encoders ---- */

struct enc {
	z_stream z;
	bool z_ready;
	lzma_stream lz;
	FLAC__StreamEncoder *flac;
	uint8_t *flac_out;	/* where FLAC frames go */
	size_t flac_len, flac_cap;
	bool flac_over;
	uint8_t *split, *tmp;	/* a CD hunk split into sectors and subchannel */
};

/* Raw deflate of src into dst (at most cap bytes); 0 when it does not fit. */
static size_t enc_zlib(struct enc *e, const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
	if (!e->z_ready) {
		memset(&e->z, 0, sizeof(e->z));
		if (deflateInit2(&e->z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return 0;
		e->z_ready = true;
	} else if (deflateReset(&e->z) != Z_OK) {
		return 0;
	}
	e->z.next_in = (Bytef *)(uintptr_t)src;
	e->z.avail_in = (uInt)len;
	e->z.next_out = dst;
	e->z.avail_out = (uInt)cap;
	if (deflate(&e->z, Z_FINISH) != Z_STREAM_END)
		return 0;
	return cap - e->z.avail_out;
}

/* Raw LZMA1 (lc 3, lp 0, pb 2) without an end marker, as MAME's decoder
   wants it: the dictionary it derives from the size. */
static size_t enc_lzma(struct enc *e, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
		       uint32_t preset)
{
	lzma_options_lzma opt;
	lzma_filter f[2];
	lzma_ret r;

	if (lzma_lzma_preset(&opt, preset))
		return 0;
	opt.dict_size = gm_chd_lzma_dict(len);
	opt.lc = 3;
	opt.lp = 0;
	opt.pb = 2;
	opt.ext_flags = 0;		/* no end marker */
	opt.ext_size_low = (uint32_t)len;
	opt.ext_size_high = 0;
	f[0].id = LZMA_FILTER_LZMA1EXT;
	f[0].options = &opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	f[1].options = NULL;
	if (lzma_raw_encoder(&e->lz, f) != LZMA_OK)
		return 0;
	e->lz.next_in = src;
	e->lz.avail_in = len;
	e->lz.next_out = dst;
	e->lz.avail_out = cap;
	do
		r = lzma_code(&e->lz, LZMA_FINISH);
	while (r == LZMA_OK && e->lz.avail_out > 0);
	if (r != LZMA_STREAM_END)
		return 0;
	return cap - e->lz.avail_out;
}

static FLAC__StreamEncoderWriteStatus flac_out(const FLAC__StreamEncoder *enc,
					       const FLAC__byte buf[], size_t bytes,
					       uint32_t samples, uint32_t frame, void *arg)
{
	struct enc *e = arg;

	(void)enc;
	(void)frame;
	/* the stream header and metadata (no samples) are left out: the
	   reader makes them up */
	if (samples == 0)
		return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
	if (e->flac_len + bytes > e->flac_cap) {
		e->flac_over = true;
		return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
	}
	memcpy(e->flac_out + e->flac_len, buf, bytes);
	e->flac_len += bytes;
	return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

/* FLAC frames of len bytes of big-endian stereo 16-bit samples, blocks of
   block samples; 0 when they do not fit. */
static size_t enc_flac(struct enc *e, const uint8_t *src, size_t len, unsigned block,
		       uint8_t *dst, size_t cap)
{
	FLAC__int32 *pcm;
	size_t samples = len / 4;
	bool ok;

	if (e->flac == NULL && (e->flac = FLAC__stream_encoder_new()) == NULL)
		return 0;
	pcm = malloc(samples * 2 * sizeof(*pcm));
	if (pcm == NULL)
		return 0;
	for (size_t i = 0; i < samples * 2; i++)
		pcm[i] = (int16_t)gm_be16(src + 2 * i);
	FLAC__stream_encoder_set_channels(e->flac, 2);
	FLAC__stream_encoder_set_bits_per_sample(e->flac, 16);
	FLAC__stream_encoder_set_sample_rate(e->flac, 44100);
	FLAC__stream_encoder_set_compression_level(e->flac, 8);
	FLAC__stream_encoder_set_blocksize(e->flac, block);
	FLAC__stream_encoder_set_streamable_subset(e->flac, false);
	e->flac_out = dst;
	e->flac_cap = cap;
	e->flac_len = 0;
	e->flac_over = false;
	ok = FLAC__stream_encoder_init_stream(e->flac, flac_out, NULL, NULL, NULL, e)
	     == FLAC__STREAM_ENCODER_INIT_STATUS_OK;
	ok = ok && FLAC__stream_encoder_process_interleaved(e->flac, pcm, (uint32_t)samples);
	ok = FLAC__stream_encoder_finish(e->flac) && ok;
	free(pcm);
	return ok && !e->flac_over ? e->flac_len : 0;
}

static const uint8_t cd_sync[12] = {
	0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00
};

/* A CD codec's payload of the hunk (frames of 2448 bytes) into dst, at
   most cap bytes; 0 when it is no smaller. */
static size_t enc_cd(struct enc *e, uint32_t codec, const uint8_t *hunk, size_t hunk_bytes,
		     uint8_t *dst, size_t cap)
{
	size_t frames = hunk_bytes / GM_CHD_FRAME;
	size_t data = frames * GM_CHD_FRAME_DATA, subs = frames * GM_CHD_FRAME_SUB;
	size_t width = hunk_bytes < 65536 ? 2 : 3, ecc_bytes = 0, header = 0, base, sub;
	uint8_t *s = e->split;

	if (codec != GM_CHD_CODEC_CDFL) {
		ecc_bytes = (frames + 7) / 8;
		header = ecc_bytes + width;
		if (cap <= header)
			return 0;
		memset(dst, 0, header);
	}
	for (size_t f = 0; f < frames; f++) {
		uint8_t *sector = s + f * GM_CHD_FRAME_DATA;

		memcpy(sector, hunk + f * GM_CHD_FRAME, GM_CHD_FRAME_DATA);
		memcpy(s + data + f * GM_CHD_FRAME_SUB, hunk + f * GM_CHD_FRAME + GM_CHD_FRAME_DATA,
		       GM_CHD_FRAME_SUB);
		/* sync and parity left out where they are what a reader makes
		   (Mode 1, and Mode 2 Form 1 whose parity skips the header) */
		if (codec != GM_CHD_CODEC_CDFL && memcmp(sector, cd_sync, sizeof(cd_sync)) == 0
		    && gm_ecc_check(sector, sector[15] == 2)) {
			dst[f / 8] |= (uint8_t)(1u << (f % 8));
			memset(sector, 0, sizeof(cd_sync));
			memset(sector + 0x81c, 0, 276);
		}
	}
	switch (codec) {
	case GM_CHD_CODEC_CDLZ:
		/* (liblzma's extreme 9 matches the LZMA SDK's 9, chdman's, in
		   size: a little smaller on text, as large on sectors) */
		base = enc_lzma(e, s, data, dst + header, cap - header,
				9 | LZMA_PRESET_EXTREME);
		break;
	case GM_CHD_CODEC_CDZL:
		base = enc_zlib(e, s, data, dst + header, cap - header);
		break;
	default: {
		unsigned block = (unsigned)(data / 4);

		while (block > GM_CHD_FRAME_DATA)
			block /= 2;
		base = enc_flac(e, s, data, block, dst, cap);
		break;
	}
	}
	if (base == 0 || base >= data)
		return 0;
	if (codec != GM_CHD_CODEC_CDFL) {
		dst[ecc_bytes] = (uint8_t)(base >> ((width - 1) * 8));
		dst[ecc_bytes + 1] = (uint8_t)(base >> ((width - 2) * 8));
		if (width == 3)
			dst[ecc_bytes + 2] = (uint8_t)base;
	}
	sub = enc_zlib(e, s + data, subs, dst + header + base, cap - header - base);
	if (sub == 0 || sub >= subs)
		return 0;
	return header + base + sub;
}

/* Huffman-coded bytes (MAME's "huff") are not written: zlib and lzma do
   better on data.  A plain codec's payload, or 0. */
static size_t enc_plain(struct enc *e, uint32_t codec, const uint8_t *hunk, size_t len,
			uint8_t *dst, size_t cap)
{
	/* 4 KiB hunks: liblzma's 5 extreme gives a little fewer bytes than
	   chdman's LZMA 9 on them (its fast mode 0.4 % more, on bench/chd's
	   DVD); all take 1.2 to 1.4 times the LZMA SDK's time */
	return codec == GM_CHD_CODEC_LZMA ? enc_lzma(e, hunk, len, dst, cap, 5 | LZMA_PRESET_EXTREME)
		: enc_zlib(e, hunk, len, dst, cap);
}

static void enc_release(struct enc *e)
{
	if (e->z_ready)
		deflateEnd(&e->z);
	lzma_end(&e->lz);
	if (e->flac != NULL)
		FLAC__stream_encoder_delete(e->flac);
	free(e->split);
	free(e->tmp);
}

/* ---- the pipeline ---- */

struct slot {
	uint32_t hunk;
	uint8_t *in, *out, *best;
	uint8_t type;		/* GM_CHD_HUNK_CODEC0.. or NONE */
	uint32_t length;
	uint16_t crc;
	uint32_t same;		/* the earlier hunk it equals, or UINT32_MAX */
	unsigned audio, data;	/* its frames of audio and of data tracks */
	enum { FREE, READY, TAKEN, DONE } state;
};

struct writer {
	uint32_t codecs[4];
	unsigned ncodecs;
	bool cd;
	uint32_t hunk_bytes;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct slot *slot;
	unsigned nslots;
	uint32_t want;		/* the hunk the calling thread waits for */
	bool quit;
};

struct worker {
	struct writer *w;
	struct enc e;
	pthread_t thread;
};

static void compress_slot(struct writer *w, struct enc *e, struct slot *s)
{
	size_t best = w->hunk_bytes;

	s->crc = gm_crc16_update(0xffff, s->in, w->hunk_bytes);
	s->type = GM_CHD_HUNK_NONE;
	s->length = w->hunk_bytes;
	if (!w->cd) {
		/* deflate first: a hunk it cannot shrink (random, already
		   compressed: a sixth of bench/chd's DVD) is not given to LZMA,
		   which costs five times as much and does not shrink it
		   either; the smallest is kept, LZMA's on a tie (its slot is
		   first, as in chdman's choice) */
		size_t z = enc_zlib(e, s->in, w->hunk_bytes, s->best, w->hunk_bytes - 1), l;

		if (z == 0) {
			memcpy(s->best, s->in, w->hunk_bytes);
			return;
		}
		s->type = 1;
		s->length = (uint32_t)z;
		l = enc_lzma(e, s->in, w->hunk_bytes, s->out, z, 5 | LZMA_PRESET_EXTREME);
		if (l > 0 && l <= z) {
			uint8_t *t = s->best;

			s->best = s->out;
			s->out = t;
			s->type = 0;
			s->length = (uint32_t)l;
		}
		return;
	}
	for (unsigned c = 0; c < w->ncodecs; c++) {
		size_t n;

		/* FLAC is for samples and LZMA for data: a hunk of audio alone
		   is not tried with cdlz, one of data alone not with cdfl
		   (chdman tries both, and they do not win there) */
		if (w->cd && ((w->codecs[c] == GM_CHD_CODEC_CDLZ && s->data == 0 && s->audio > 0)
			      || (w->codecs[c] == GM_CHD_CODEC_CDFL && s->audio == 0)))
			continue;
		n = w->cd ? enc_cd(e, w->codecs[c], s->in, w->hunk_bytes, s->out, best - 1)
			: enc_plain(e, w->codecs[c], s->in, w->hunk_bytes, s->out, best - 1);

		if (n > 0 && n < best) {
			uint8_t *t = s->best;

			best = n;
			s->best = s->out;
			s->out = t;
			s->type = (uint8_t)c;
			s->length = (uint32_t)n;
		}
	}
	if (s->type == GM_CHD_HUNK_NONE)
		memcpy(s->best, s->in, w->hunk_bytes);
}

static void *worker_main(void *arg)
{
	struct worker *k = arg;
	struct writer *w = k->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct slot *s = NULL;

		/* the ready slot of the lowest hunk */
		for (unsigned i = 0; i < w->nslots; i++)
			if (w->slot[i].state == READY && (s == NULL || w->slot[i].hunk < s->hunk))
				s = &w->slot[i];
		if (s == NULL) {
			if (w->quit)
				break;
			pthread_cond_wait(&w->work, &w->lock);
			continue;
		}
		s->state = TAKEN;
		pthread_mutex_unlock(&w->lock);
		compress_slot(w, &k->e, s);
		pthread_mutex_lock(&w->lock);
		s->state = DONE;
		/* (the calling thread waits for one hunk only: 4 KiB DVD hunks
		   made a wake-up per hunk a tenth of the time) */
		if (s->hunk == w->want)
			pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- the map ---- */

enum {
	MAP_RLE_SMALL = 7, MAP_RLE_LARGE = 8, MAP_SELF_0 = 9, MAP_SELF_1 = 10
};

static unsigned bitlen(uint64_t v)
{
	unsigned n = 0;

	while (v != 0) {
		v >>= 1;
		n++;
	}
	return n;
}

/* The compressed map of entries (MAME's: types RLE'd and Huffman-coded,
   then lengths, CRCs and references) into *out. */
int gm_chd_encode_map(struct gm_ctx *ctx, const struct gm_chd_hunk *map, uint32_t n,
		      uint8_t **out, size_t *out_len)
{
	uint8_t *syms = malloc((size_t)n * 3 + 8), entry[12];
	uint32_t histo[16] = { 0 }, last_self = 0, max_self = 0, count = 0;
	uint64_t max_len = 0, first = 0;
	uint8_t last = 0;
	size_t ns = 0;
	uint16_t crc = 0xffff;
	struct gm_huff h;
	struct gm_bits_out b;
	unsigned lbits, sbits;
	bool have_first = false;

	if (syms == NULL || gm_huff_init(&h, 16, 8) != 0) {
		free(syms);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct gm_chd_hunk *e = &map[i];
		uint8_t t = e->type;

		entry[0] = e->type;
		entry[1] = (uint8_t)(e->length >> 16);
		entry[2] = (uint8_t)(e->length >> 8);
		entry[3] = (uint8_t)e->length;
		gm_put_be16(entry + 4, (uint32_t)(e->offset >> 32));
		gm_put_be32(entry + 6, (uint32_t)e->offset);
		gm_put_be16(entry + 10, e->crc);
		crc = gm_crc16_update(crc, entry, sizeof(entry));
		if (t == GM_CHD_HUNK_SELF) {
			uint32_t r = (uint32_t)e->offset;

			t = r == last_self ? MAP_SELF_0 : r == last_self + 1 ? MAP_SELF_1 : t;
			if (t == GM_CHD_HUNK_SELF && r > max_self)
				max_self = r;
			last_self = r;
		} else if (e->length > max_len) {
			max_len = e->length;
		}
		if (t == last)
			count++;
		if (t != last || i == n - 1) {
			while (count > 0) {
				if (count < 3) {
					syms[ns++] = last;
					count--;
				} else if (count <= 18) {
					syms[ns++] = MAP_RLE_SMALL;
					syms[ns++] = (uint8_t)(count - 3);
					count = 0;
				} else {
					uint32_t c = count < 274 ? count : 274;

					syms[ns++] = MAP_RLE_LARGE;
					syms[ns++] = (uint8_t)((c - 19) >> 4);
					syms[ns++] = (uint8_t)((c - 19) & 15);
					count -= c;
				}
			}
			if (t != last) {
				syms[ns++] = t;
				last = t;
			}
		}
	}
	for (size_t i = 0; i < ns; i++)
		histo[syms[i]]++;
	if (!gm_huff_from_histo(&h, histo)) {
		free(syms);
		gm_huff_release(&h);
		return gm_error_set(ctx, GM_ERR_INVALID, "the CHD map's Huffman code cannot be "
				    "made");
	}
	lbits = bitlen(max_len);
	sbits = bitlen(max_self);
	gm_bits_out_init(&b);
	gm_huff_export_rle(&h, &b);
	for (size_t i = 0; i < ns; i++)
		gm_huff_encode(&h, &b, syms[i]);
	/* the fields, hunk by hunk, as the decoder replays the types */
	{
		size_t k = 0;
		uint32_t rep = 0;

		last = 0;
		for (uint32_t i = 0; i < n; i++) {
			const struct gm_chd_hunk *e = &map[i];

			if (rep == 0) {
				uint8_t v = syms[k++];

				if (v == MAP_RLE_SMALL)
					rep = 2 + syms[k++];
				else if (v == MAP_RLE_LARGE) {
					rep = 18 + 16u * syms[k] + syms[k + 1];
					k += 2;
				} else {
					last = v;
				}
			} else {
				rep--;
			}
			switch (last) {
			case 0: case 1: case 2: case 3:
				gm_bits_write(&b, e->length, lbits);
				gm_bits_write(&b, e->crc, 16);
				break;
			case GM_CHD_HUNK_NONE:
				gm_bits_write(&b, e->crc, 16);
				break;
			case GM_CHD_HUNK_SELF:
				gm_bits_write(&b, (uint32_t)e->offset, sbits);
				break;
			default:
				break;
			}
			if (!have_first && e->type <= GM_CHD_HUNK_NONE) {
				first = e->offset;
				have_first = true;
			}
		}
	}
	gm_bits_flush(&b);
	free(syms);
	gm_huff_release(&h);
	if (b.nomem) {
		free(b.p);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	*out = malloc(16 + b.len);
	if (*out == NULL) {
		free(b.p);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	gm_put_be32(*out, (uint32_t)b.len);
	gm_put_be16(*out + 4, (uint32_t)(first >> 32));
	gm_put_be32(*out + 6, (uint32_t)first);
	gm_put_be16(*out + 10, crc);
	(*out)[12] = (uint8_t)lbits;
	(*out)[13] = (uint8_t)sbits;
	(*out)[14] = 0;
	(*out)[15] = 0;
	memcpy(*out + 16, b.p, b.len);
	*out_len = 16 + b.len;
	free(b.p);
	return 0;
}

/* ---- the layout of a source as CHD frames ---- */

struct meta {
	uint32_t tag;
	uint8_t flags;
	size_t len;
	char *data;
};

struct plan {
	bool dvd;
	bool sub;		/* RW_RAW subchannel for every track */
	unsigned ntracks;
	struct {
		int32_t first;	/* the first LBA stored in the CHD */
		uint32_t frames;
		enum gm_sector_kind kind;
		size_t skip, size;	/* the bytes of a read sector kept */
		bool audio;
	} t[GM_MAX_TRACKS];
	uint64_t frames;	/* padding included */
	uint64_t logical;
	struct meta meta[GM_MAX_TRACKS + 2];
	unsigned nmeta;
};

/* A track's CHT2 type and the bytes of each sector the CHD keeps; with
   subchannel every sector is kept raw (chdman puts a cooked sector's
   subchannel after its 2048 bytes, where MAME does not read it). */
static const char *type_name(const struct gm_track *t, bool sub, size_t *skip, size_t *size,
			     enum gm_sector_kind *kind)
{
	*kind = sub ? GM_SECTOR_KIND_RAW_SUB : GM_SECTOR_KIND_RAW;
	*skip = 0;
	*size = GM_SECTOR_RAW;
	if (t->mode == GM_TRACK_AUDIO)
		return "AUDIO";
	if (sub)
		return t->mode == GM_TRACK_MODE1 ? "MODE1_RAW" : "MODE2_RAW";
	switch (t->storage) {
	case GM_STORE_USER:
		*kind = GM_SECTOR_KIND_USER;
		*size = GM_SECTOR_USER;
		return t->mode == GM_TRACK_MODE1 ? "MODE1" : "MODE2_FORM1";
	case GM_STORE_FORM2:
		*skip = 24;
		*size = 2324;
		return "MODE2_FORM2";
	case GM_STORE_MODE2:
		*skip = 16;
		*size = 2336;
		return "MODE2_FORM_MIX";
	default:
		return t->mode == GM_TRACK_MODE1 ? "MODE1_RAW" : "MODE2_RAW";
	}
}

static int add_meta(struct gm_ctx *ctx, struct plan *p, uint32_t tag, uint8_t flags,
		    const char *text, size_t len)
{
	struct meta *m = &p->meta[p->nmeta];

	m->data = malloc(len ? len : 1);
	if (m->data == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memcpy(m->data, text, len);
	m->tag = tag;
	m->flags = flags;
	m->len = len;
	p->nmeta++;
	return 0;
}

static void hexify(char *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = hex[(uint8_t)*s >> 4];
		*out++ = hex[(uint8_t)*s & 15];
	}
	*out = '\0';
}

/* The GMCD text: what a CD CHD cannot say, a line each. */
static int gmcd_text(struct gm_ctx *ctx, const struct gm_disc *d, struct plan *p)
{
	size_t cap = 65536, len = 0;
	char *s = malloc(cap), *hex = malloc(4096);
	int ret;

#define PUT(...) do { \
		int n_ = snprintf(s + len, cap - len, __VA_ARGS__); \
		if (n_ < 0 || (size_t)n_ >= cap - len) \
			goto full; \
		len += (size_t)n_; \
	} while (0)
	if (s == NULL || hex == NULL) {
		free(s);
		free(hex);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	PUT("GMCD 1\n");
	if (d->mcn[0])
		PUT("MCN %s\n", d->mcn);
	for (int f = 0; f < GM_CDTEXT_COUNT; f++)
		if (d->cdtext[f] != NULL && strlen(d->cdtext[f]) < 2000) {
			hexify(hex, d->cdtext[f]);
			PUT("CDTEXT 0 %d %s\n", f, hex);
		}
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		PUT("TRACK %u SESSION %u CONTROL %u SCMS %u INDEX0 %ld PREGAP %ld POSTGAP %ld "
		    "END %ld ISRC %s\n", t->number, t->session, t->control, t->scms ? 1 : 0,
		    (long)t->index[0], (long)t->pregap, (long)t->postgap, (long)t->end,
		    t->isrc[0] ? t->isrc : "-");
		for (unsigned k = 1; k <= t->nindex && k < 100; k++)
			PUT("INDEX %u %u %ld\n", t->number, k, (long)t->index[k]);
		for (int f = 0; f < GM_CDTEXT_COUNT; f++)
			if (t->cdtext[f] != NULL && strlen(t->cdtext[f]) < 2000) {
				hexify(hex, t->cdtext[f]);
				PUT("CDTEXT %u %d %s\n", t->number, f, hex);
			}
	}
#undef PUT
	ret = add_meta(ctx, p, GM_CHD_META_GLASS, 0, s, len + 1);
	free(s);
	free(hex);
	return ret;
full:
	free(s);
	free(hex);
	return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "the disc's layout and CD-TEXT take "
			    "more than 64 KiB");
}

static int make_plan(struct gm_ctx *ctx, const struct gm_disc *d, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	if (d->media != GM_MEDIA_CD) {
		const struct gm_track *t = &d->tracks[0];

		if (d->ntracks != 1 || t->mode == GM_TRACK_AUDIO)
			return gm_error_set(ctx, GM_ERR_UNSUPPORTED, "a DVD or BD CHD holds one "
					    "data track; this disc has %u", d->ntracks);
		p->dvd = true;
		p->ntracks = 1;
		p->t[0].first = t->index[0] + t->pregap;
		p->t[0].frames = (uint32_t)gm_track_stored(t);
		p->t[0].kind = GM_SECTOR_KIND_USER;
		p->t[0].size = GM_SECTOR_USER;
		p->frames = p->t[0].frames;
		p->logical = p->frames * GM_SECTOR_USER;
		return add_meta(ctx, p, GM_CHD_META_DVD, GM_CHD_MDFLAGS_CHECKSUM, "", 1);
	}
	for (unsigned i = 0; i < d->ntracks; i++)
		if (d->tracks[i].sub_file >= 0 || d->tracks[i].storage == GM_STORE_RAW_SUB)
			p->sub = true;
	p->ntracks = d->ntracks;
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];
		char text[160];
		const char *type = type_name(t, p->sub, &p->t[i].skip, &p->t[i].size,
					     &p->t[i].kind);
		int32_t pregap = t->index[1] - t->index[0];
		/* a pregap that is stored, in whole or in part, is stored whole
		   (the part the image does not store is what the source makes:
		   silence, or empty sectors); GMCD says which part it was */
		bool stored = pregap > 0 && pregap > t->pregap;
		int32_t first = stored ? t->index[0] : t->index[1];
		int32_t frames = t->end - t->postgap - first;
		int n;

		if (frames < 0 || pregap < 0)
			return gm_error_set(ctx, GM_ERR_FORMAT, "track %u's layout cannot be "
					    "written to a CHD", t->number);
		p->t[i].first = first;
		p->t[i].frames = (uint32_t)frames;
		p->t[i].audio = t->mode == GM_TRACK_AUDIO;
		n = snprintf(text, sizeof(text), "TRACK:%u TYPE:%s SUBTYPE:%s FRAMES:%ld "
			     "PREGAP:%ld PGTYPE:%s%s PGSUB:%s POSTGAP:%ld", t->number, type,
			     p->sub ? "RW_RAW" : "NONE", (long)frames, (long)pregap,
			     /* chdman's: a stored pregap is V and the track's type,
				one not stored MODE1 whatever the track */
			     stored ? "V" : "", stored ? type : "MODE1",
			     p->sub && stored ? "RW_RAW" : "NONE", (long)t->postgap);
		if (add_meta(ctx, p, GM_CHD_META_CHT2, GM_CHD_MDFLAGS_CHECKSUM, text,
			     (size_t)n + 1) != 0)
			return -GM_ERR_NOMEM;
		p->frames += (uint64_t)frames + (GM_CHD_TRACK_PAD - frames % GM_CHD_TRACK_PAD)
			     % GM_CHD_TRACK_PAD;
	}
	p->logical = p->frames * GM_CHD_FRAME;
	return gmcd_text(ctx, d, p);
}

/* Hunk n of the plan's logical data from the source into buf. */
static int fill_hunk(struct gm_ctx *ctx, struct gm_source *src, const struct plan *p,
		     uint32_t hunk_bytes, uint32_t n, uint8_t *buf, uint8_t *scratch,
		     enum gm_sector_status *status, unsigned *audio, unsigned *data)
{
	uint64_t from = (uint64_t)n * hunk_bytes;
	size_t unit = p->dvd ? GM_SECTOR_USER : GM_CHD_FRAME;
	uint64_t u0 = from / unit, units = hunk_bytes / unit, track_frame = 0;

	memset(buf, 0, hunk_bytes);
	*audio = *data = 0;
	for (unsigned k = 0; k < p->ntracks; k++) {
		uint64_t len = p->t[k].frames, padded = len + (p->dvd ? 0 :
			(GM_CHD_TRACK_PAD - len % GM_CHD_TRACK_PAD) % GM_CHD_TRACK_PAD);
		uint64_t a = u0 > track_frame ? u0 : track_frame;
		uint64_t b = u0 + units < track_frame + len ? u0 + units : track_frame + len;

		if (a < b) {
			size_t rsize = gm_sector_kind_size(p->t[k].kind);
			struct gm_read req = {
				.lba = p->t[k].first + (int32_t)(a - track_frame),
				.count = (uint32_t)(b - a), .kind = p->t[k].kind,
				.data = scratch, .status = status
			};
			int ret = gm_source_read(ctx, src, &req);

			if (ret != 0)
				return ret;
			if (p->t[k].audio)
				*audio += (unsigned)(b - a);
			else
				*data += (unsigned)(b - a);
			for (uint64_t f = a; f < b; f++) {
				const uint8_t *r = scratch + (size_t)(f - a) * rsize;
				uint8_t *o = buf + (size_t)(f - u0) * unit;

				if (status[f - a] == GM_SECTOR_UNREAD
				    || status[f - a] == GM_SECTOR_ERROR)
					return gm_error_set(ctx, GM_ERR_UNREADABLE, "LBA %ld did "
							    "not read: a CHD holds whole "
							    "images only",
							    (long)(req.lba + (int32_t)(f - a)));
				memcpy(o, r + p->t[k].skip, p->t[k].size);
				if (p->t[k].audio)
					gm_swab16(o, GM_SECTOR_RAW);	/* big-endian */
				if (p->sub)
					memcpy(o + GM_CHD_FRAME_DATA, r + GM_SECTOR_RAW,
					       GM_CHD_FRAME_SUB);
			}
		}
		track_frame += padded;
	}
	return 0;
}

struct dedup {
	uint8_t (*sha)[20];	/* of every hunk stored as itself */
	uint32_t *table;	/* open addressing: hunk + 1, 0 empty */
	size_t cap;
};

static uint32_t dedup_find(struct dedup *dd, const uint8_t *sha, uint32_t n)
{
	size_t at = (size_t)(gm_be32(sha) ^ gm_be32(sha + 4)) & (dd->cap - 1);

	memcpy(dd->sha[n], sha, 20);
	for (;; at = (at + 1) & (dd->cap - 1)) {
		uint32_t v = dd->table[at];

		if (v == 0) {
			dd->table[at] = n + 1;
			return UINT32_MAX;
		}
		if (memcmp(dd->sha[v - 1], sha, 20) == 0)
			return v - 1;
	}
}

static int put(struct gm_ctx *ctx, FILE *f, const void *buf, size_t len, const char *path)
{
	if (len > 0 && fwrite(buf, 1, len, f) != len)
		return gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
	return 0;
}

static int chd_write(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		     const struct gm_write_opts *opts)
{
	const struct gm_disc *d = gm_source_disc(src);
	struct plan *p = calloc(1, sizeof(*p));
	struct writer w;
	struct worker *workers = NULL;
	struct gm_chd_hunk *map = NULL;
	struct dedup dd = { NULL, NULL, 0 };
	struct gm_outset set;
	enum gm_sector_status *status = NULL;
	uint8_t header[GM_CHD_HEADER_V5], *scratch = NULL, *maptext = NULL;
	uint8_t raw_sha1[20], sha1[20];
	EVP_MD_CTX *md = NULL;
	unsigned nworkers = 0, nthreads, digest_len;
	uint64_t offset, hunks64, meta_at;
	uint32_t hunks, next_read = 0, next_write = 0;
	size_t map_len = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	FILE *f = NULL;
	int ret;
	bool set_open = false;

	if (p == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	memset(&w, 0, sizeof(w));
	ret = make_plan(ctx, d, p);
	if (ret != 0)
		goto out;
	w.cd = !p->dvd;
	w.hunk_bytes = w.cd ? GM_CHD_CD_HUNK_FRAMES * GM_CHD_FRAME : 2 * GM_SECTOR_USER;
	if (w.cd) {
		w.codecs[0] = GM_CHD_CODEC_CDLZ;
		w.codecs[1] = GM_CHD_CODEC_CDZL;
		w.codecs[2] = GM_CHD_CODEC_CDFL;
		w.ncodecs = 3;
	} else {
		w.codecs[0] = GM_CHD_CODEC_LZMA;
		w.codecs[1] = GM_CHD_CODEC_ZLIB;
		w.ncodecs = 2;
	}
	hunks64 = (p->logical + w.hunk_bytes - 1) / w.hunk_bytes;
	if (hunks64 > (1u << 25)) {
		ret = gm_error_set(ctx, GM_ERR_UNSUPPORTED, "%llu hunks are more than a CHD "
				   "map can reference", (unsigned long long)hunks64);
		goto out;
	}
	hunks = (uint32_t)hunks64;
	for (dd.cap = 1024; dd.cap < 2 * (size_t)hunks; dd.cap *= 2)
		;
	map = calloc(hunks ? hunks : 1, sizeof(*map));
	dd.sha = malloc((hunks ? hunks : 1) * sizeof(*dd.sha));
	dd.table = calloc(dd.cap, sizeof(*dd.table));
	status = malloc(GM_CHD_CD_HUNK_FRAMES * 2 * sizeof(*status));
	scratch = malloc((size_t)GM_CHD_CD_HUNK_FRAMES * 2 * (GM_SECTOR_RAW + GM_SUB_SIZE));
	md = EVP_MD_CTX_new();
	nthreads = (unsigned)(cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : cores);
	/* small hunks (a DVD's 4 KiB) are queued deeper */
	w.nslots = nthreads * (w.hunk_bytes < 16384 ? 16 : SLOTS_PER_WORKER);
	w.slot = calloc(w.nslots, sizeof(*w.slot));
	if (map == NULL || dd.sha == NULL || dd.table == NULL || status == NULL
	    || scratch == NULL || md == NULL || w.slot == NULL
	    || EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	for (unsigned i = 0; i < w.nslots; i++) {
		w.slot[i].in = malloc(w.hunk_bytes);
		w.slot[i].out = malloc(w.hunk_bytes);
		w.slot[i].best = malloc(w.hunk_bytes);
		if (w.slot[i].in == NULL || w.slot[i].out == NULL || w.slot[i].best == NULL) {
			ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			goto out;
		}
	}
	gm_outset_init(&set, opts->force);
	set.sync = opts->sync;
	ret = gm_outset_open(ctx, &set, path, &f);
	if (ret != 0)
		goto out;
	set_open = true;
	/* the header comes last; the metadata first */
	memset(header, 0, sizeof(header));
	ret = put(ctx, f, header, sizeof(header), path);
	meta_at = sizeof(header);
	for (unsigned i = 0; ret == 0 && i < p->nmeta; i++) {
		uint8_t e[16];
		uint64_t next = i + 1 < p->nmeta ? meta_at + 16 + p->meta[i].len : 0;

		gm_put_be32(e, p->meta[i].tag);
		e[4] = p->meta[i].flags;
		e[5] = (uint8_t)(p->meta[i].len >> 16);
		e[6] = (uint8_t)(p->meta[i].len >> 8);
		e[7] = (uint8_t)p->meta[i].len;
		gm_put_be32(e + 8, (uint32_t)(next >> 32));
		gm_put_be32(e + 12, (uint32_t)next);
		ret = put(ctx, f, e, sizeof(e), path);
		if (ret == 0)
			ret = put(ctx, f, p->meta[i].data, p->meta[i].len, path);
		meta_at += 16 + p->meta[i].len;
	}
	if (ret != 0)
		goto out;
	offset = meta_at;
	/* the workers */
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.work, NULL);
	pthread_cond_init(&w.done, NULL);
	workers = calloc(nthreads, sizeof(*workers));
	for (unsigned i = 0; workers != NULL && i < nthreads; i++) {
		workers[i].w = &w;
		workers[i].e.split = malloc(w.hunk_bytes);
		if (workers[i].e.split == NULL)
			break;
		workers[i].e.lz = (lzma_stream)LZMA_STREAM_INIT;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
			free(workers[i].e.split);
			workers[i].e.split = NULL;
			break;
		}
		nworkers++;
	}
	if (nworkers == 0) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, "no thread to compress with");
		goto stop;
	}
	while (ret == 0 && next_write < hunks) {
		struct slot *s = NULL;

		/* fill free slots with the next hunks */
		pthread_mutex_lock(&w.lock);
		for (unsigned i = 0; i < w.nslots && next_read < hunks; i++) {
			if (w.slot[i].state != FREE)
				continue;
			pthread_mutex_unlock(&w.lock);
			ret = fill_hunk(ctx, src, p, w.hunk_bytes, next_read, w.slot[i].in,
					scratch, status, &w.slot[i].audio, &w.slot[i].data);
			if (ret == 0) {
				/* hashed in order as it is read; a hunk equal to an
				   earlier one is not compressed */
				uint64_t start = (uint64_t)next_read * w.hunk_bytes;
				size_t take = p->logical - start < w.hunk_bytes
					? (size_t)(p->logical - start) : w.hunk_bytes;
				uint8_t sha[20];
				unsigned sl = 0;

				EVP_DigestUpdate(md, w.slot[i].in, take);
				EVP_Digest(w.slot[i].in, w.hunk_bytes, sha, &sl, EVP_sha1(), NULL);
				w.slot[i].same = dedup_find(&dd, sha, next_read);
			}
			pthread_mutex_lock(&w.lock);
			if (ret != 0)
				break;
			w.slot[i].hunk = next_read++;
			w.slot[i].state = w.slot[i].same != UINT32_MAX ? DONE : READY;
		}
		pthread_cond_broadcast(&w.work);
		if (ret != 0) {
			pthread_mutex_unlock(&w.lock);
			break;
		}
		w.want = next_write;
		/* the next hunk in order, when it is done */
		for (;;) {
			for (unsigned i = 0; i < w.nslots && s == NULL; i++)
				if (w.slot[i].state == DONE && w.slot[i].hunk == next_write)
					s = &w.slot[i];
			if (s != NULL)
				break;
			pthread_cond_wait(&w.done, &w.lock);
		}
		pthread_mutex_unlock(&w.lock);
		{
			if (s->same != UINT32_MAX) {
				map[s->hunk].type = GM_CHD_HUNK_SELF;
				map[s->hunk].offset = s->same;
			} else {
				map[s->hunk].type = s->type;
				map[s->hunk].length = s->length;
				map[s->hunk].offset = offset;
				map[s->hunk].crc = s->crc;
				ret = put(ctx, f, s->best, s->length, path);
				offset += s->length;
			}
		}
		next_write++;
		if (opts->progress != NULL)
			opts->progress(opts->arg, (uint64_t)next_write * w.hunk_bytes,
				       (uint64_t)hunks * w.hunk_bytes);
		pthread_mutex_lock(&w.lock);
		s->state = FREE;
		pthread_mutex_unlock(&w.lock);
	}
stop:
	pthread_mutex_lock(&w.lock);
	w.quit = true;
	/* (slots not taken yet are dropped) */
	for (unsigned i = 0; i < w.nslots; i++)
		if (w.slot[i].state == READY)
			w.slot[i].state = FREE;
	pthread_cond_broadcast(&w.work);
	pthread_mutex_unlock(&w.lock);
	for (unsigned i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
	if (ret != 0)
		goto out;
	ret = gm_chd_encode_map(ctx, map, hunks, &maptext, &map_len);
	if (ret == 0)
		ret = put(ctx, f, maptext, map_len, path);
	if (ret != 0)
		goto out;
	/* the SHA-1s: of the data; of the data's and the checksummed
	   metadata's (tag and SHA-1 of each, sorted) */
	EVP_DigestFinal_ex(md, raw_sha1, &digest_len);
	{
		uint8_t entries[(GM_MAX_TRACKS + 2) * 24];
		unsigned ne = 0;

		for (unsigned i = 0; i < p->nmeta; i++) {
			unsigned sl = 0;

			if (!(p->meta[i].flags & GM_CHD_MDFLAGS_CHECKSUM))
				continue;
			gm_put_be32(entries + ne * 24, p->meta[i].tag);
			EVP_Digest(p->meta[i].data, p->meta[i].len, entries + ne * 24 + 4, &sl,
				   EVP_sha1(), NULL);
			ne++;
		}
		/* (sorted by the 24 bytes: insertion, a hundred at most) */
		for (unsigned i = 1; i < ne; i++)
			for (unsigned j = i; j > 0 && memcmp(entries + (j - 1) * 24,
							     entries + j * 24, 24) > 0; j--) {
				uint8_t t[24];

				memcpy(t, entries + j * 24, 24);
				memcpy(entries + j * 24, entries + (j - 1) * 24, 24);
				memcpy(entries + (j - 1) * 24, t, 24);
			}
		EVP_DigestInit_ex(md, EVP_sha1(), NULL);
		EVP_DigestUpdate(md, raw_sha1, 20);
		EVP_DigestUpdate(md, entries, (size_t)ne * 24);
		EVP_DigestFinal_ex(md, sha1, &digest_len);
	}
	memcpy(header, "MComprHD", 8);
	gm_put_be32(header + 8, GM_CHD_HEADER_V5);
	gm_put_be32(header + 12, 5);
	for (unsigned i = 0; i < 4; i++)
		gm_put_be32(header + 16 + 4 * i, i < w.ncodecs ? w.codecs[i] : 0);
	gm_put_be32(header + 32, (uint32_t)(p->logical >> 32));
	gm_put_be32(header + 36, (uint32_t)p->logical);
	gm_put_be32(header + 40, (uint32_t)(offset >> 32));
	gm_put_be32(header + 44, (uint32_t)offset);
	gm_put_be32(header + 48, 0);
	gm_put_be32(header + 52, p->nmeta ? (uint32_t)sizeof(header) : 0);
	gm_put_be32(header + 56, w.hunk_bytes);
	gm_put_be32(header + 60, p->dvd ? GM_SECTOR_USER : GM_CHD_FRAME);
	memcpy(header + 64, raw_sha1, 20);
	memcpy(header + 84, sha1, 20);
	if (fseeko(f, 0, SEEK_SET) != 0) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto out;
	}
	ret = put(ctx, f, header, sizeof(header), path);
	if (ret == 0)
		ret = gm_outset_commit(ctx, &set);
	if (ret == 0)
		set_open = false;
out:
	if (set_open)
		gm_outset_abort(&set);
	if (workers != NULL) {
		for (unsigned i = 0; i < nworkers; i++)
			enc_release(&workers[i].e);
		free(workers);
		pthread_mutex_destroy(&w.lock);
		pthread_cond_destroy(&w.work);
		pthread_cond_destroy(&w.done);
	}
	for (unsigned i = 0; w.slot != NULL && i < w.nslots; i++) {
		free(w.slot[i].in);
		free(w.slot[i].out);
		free(w.slot[i].best);
	}
	free(w.slot);
	for (unsigned i = 0; i < p->nmeta; i++)
		free(p->meta[i].data);
	free(p);
	free(map);
	free(dd.sha);
	free(dd.table);
	free(status);
	free(scratch);
	free(maptext);
	EVP_MD_CTX_free(md);
	return ret;
}

int gm_chd_write(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		 const struct gm_write_opts *opts)
{
	return chd_write(ctx, src, path, opts);
}
