/*
 * chd_codec.c - the decompressors of CHD hunks: zlib (raw deflate), lzma
 * (raw LZMA1, no end marker, the dictionary MAME's encoder derives from
 * the hunk size), zstd, huff (MAME's 8-bit Huffman), flac (two channels of
 * 16-bit samples, a leading 'L' or 'B' for their byte order) and the CD
 * codecs cdzl, cdlz, cdzs and cdfl, which split a hunk of frames into the
 * sectors (one codec) and the subchannel (zlib, or zstd for cdzs).
 *
 * The CD codecs but cdfl start with a bitmap of the frames whose sync
 * pattern and ECC were stripped (they verified) and are made again here,
 * then the compressed length of the sector part in 2 bytes (3 when a hunk
 * is 64 KiB or more).  cdfl holds audio: FLAC frames of 2352-sample blocks
 * without a stream header (one is made up for the decoder, as MAME does),
 * samples big-endian in the hunk, then the deflated subchannel.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <FLAC/stream_decoder.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "bytes.h"
#include "chd.h"
#include "formats.h"
#include "banned.h"

struct flac_feed {
	const uint8_t *parts[2];	/* the made-up header, the data */
	size_t lens[2];
	size_t part, at;		/* where the decoder reads */
	size_t consumed;		/* bytes handed to the decoder */
	uint8_t *out;			/* interleaved 16-bit samples */
	size_t want, got;		/* samples (per channel) */
	bool big_endian;		/* write them big-endian */
	bool error;
};

struct gm_chd_codec {
	uint32_t fourcc;
	uint32_t hunk_bytes;
	uint32_t base;			/* the CD codecs' sector codec */
	uint8_t *work;			/* the CD codecs' split hunk */
	z_stream z;
	bool z_ready;
	ZSTD_DCtx *zstd;
	FLAC__StreamDecoder *flac;
	struct flac_feed feed;
};

const char *gm_chd_codec_name(uint32_t fourcc, char buf[5])
{
	if (fourcc == 0)
		return "none";
	for (int i = 0; i < 4; i++) {
		char c = (char)(fourcc >> (24 - 8 * i));

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

struct gm_chd_codec *gm_chd_codec_new(struct gm_ctx *ctx, uint32_t fourcc,
				      uint32_t hunk_bytes)
{
	struct gm_chd_codec *c;
	char name[5];

	switch (fourcc) {
	case GM_CHD_CODEC_ZLIB: case GM_CHD_CODEC_ZSTD: case GM_CHD_CODEC_LZMA:
	case GM_CHD_CODEC_HUFF: case GM_CHD_CODEC_FLAC: case GM_CHD_CODEC_CDZL:
	case GM_CHD_CODEC_CDLZ: case GM_CHD_CODEC_CDFL: case GM_CHD_CODEC_CDZS:
		break;
	case GM_CHD_FOURCC('a', 'v', 'h', 'u'):
		gm_error_set(ctx, GM_ERR_UNSUPPORTED, "codec avhu (A/V, LaserDisc "
			     "CHDs) is not read: this is not a disc image");
		return NULL;
	default:
		gm_error_set(ctx, GM_ERR_UNSUPPORTED, "unknown codec '%s'",
			     gm_chd_codec_name(fourcc, name));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		return NULL;
	}
	c->fourcc = fourcc;
	c->hunk_bytes = hunk_bytes;
	if (fourcc == GM_CHD_CODEC_CDZL || fourcc == GM_CHD_CODEC_CDLZ
	    || fourcc == GM_CHD_CODEC_CDFL || fourcc == GM_CHD_CODEC_CDZS) {
		if (hunk_bytes % GM_CHD_FRAME != 0) {
			gm_error_set(ctx, GM_ERR_FORMAT, "codec %s needs hunks of whole "
				     "%d-byte frames, not %lu bytes",
				     gm_chd_codec_name(fourcc, name), GM_CHD_FRAME,
				     (unsigned long)hunk_bytes);
			free(c);
			return NULL;
		}
		c->base = fourcc == GM_CHD_CODEC_CDZL ? GM_CHD_CODEC_ZLIB
			: fourcc == GM_CHD_CODEC_CDLZ ? GM_CHD_CODEC_LZMA
			: fourcc == GM_CHD_CODEC_CDZS ? GM_CHD_CODEC_ZSTD : GM_CHD_CODEC_FLAC;
		c->work = malloc(hunk_bytes);
		if (c->work == NULL) {
			gm_error_set(ctx, GM_ERR_NOMEM, NULL);
			free(c);
			return NULL;
		}
	}
	return c;
}

void gm_chd_codec_free(struct gm_chd_codec *c)
{
	if (c == NULL)
		return;
	if (c->z_ready)
		inflateEnd(&c->z);
	ZSTD_freeDCtx(c->zstd);
	if (c->flac != NULL)
		FLAC__stream_decoder_delete(c->flac);
	free(c->work);
	free(c);
}

static int why(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -GM_ERR_FORMAT;
}

/* Raw deflate of exactly dlen bytes. */
static int inflate_raw(struct gm_chd_codec *c, const uint8_t *src, size_t len,
		       uint8_t *dst, size_t dlen, char *w, size_t wl)
{
	int z;

	if (!c->z_ready) {
		memset(&c->z, 0, sizeof(c->z));
		if (inflateInit2(&c->z, -MAX_WBITS) != Z_OK)
			return why(w, wl, "zlib cannot start");
		c->z_ready = true;
	} else if (inflateReset(&c->z) != Z_OK) {
		return why(w, wl, "zlib cannot start");
	}
	c->z.next_in = (Bytef *)(uintptr_t)src;
	c->z.avail_in = (uInt)len;
	c->z.next_out = dst;
	c->z.avail_out = (uInt)dlen;
	z = inflate(&c->z, Z_FINISH);
	if ((z != Z_STREAM_END && z != Z_OK && z != Z_BUF_ERROR) || c->z.avail_out != 0)
		return why(w, wl, "zlib data do not inflate to %lu bytes (%s)",
			   (unsigned long)dlen, c->z.msg ? c->z.msg : "too short");
	return 0;
}

uint32_t gm_chd_lzma_dict(size_t bytes)
{
	for (unsigned i = 11; i <= 30; i++) {
		if (bytes <= (2u << i))
			return 2u << i;
		if (bytes <= (3u << i))
			return 3u << i;
	}
	return 1u << 26;
}

static int unlzma(const uint8_t *src, size_t len, uint8_t *dst, size_t dlen,
		  uint32_t dict_for, char *w, size_t wl)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_lzma_preset(&opt, 9))
		return why(w, wl, "lzma cannot start");
	opt.dict_size = gm_chd_lzma_dict(dict_for);
	opt.lc = 3;
	opt.lp = 0;
	opt.pb = 2;
	filters[0].id = LZMA_FILTER_LZMA1;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	if (lzma_raw_decoder(&s, filters) != LZMA_OK)
		return why(w, wl, "lzma cannot start");
	s.next_in = src;
	s.avail_in = len;
	s.next_out = dst;
	s.avail_out = dlen;
	do
		r = lzma_code(&s, LZMA_RUN);
	while (r == LZMA_OK && s.avail_out > 0 && s.avail_in > 0);
	if (s.avail_out > 0 && r == LZMA_OK)
		r = lzma_code(&s, LZMA_FINISH);
	lzma_end(&s);
	if (s.avail_out != 0 || (r != LZMA_OK && r != LZMA_STREAM_END && r != LZMA_BUF_ERROR))
		return why(w, wl, "lzma data do not decode to %lu bytes (liblzma %d)",
			   (unsigned long)dlen, (int)r);
	return 0;
}

static int unzstd(struct gm_chd_codec *c, const uint8_t *src, size_t len, uint8_t *dst,
		  size_t dlen, char *w, size_t wl)
{
	ZSTD_inBuffer in = { src, len, 0 };
	ZSTD_outBuffer out = { dst, dlen, 0 };

	if (c->zstd == NULL && (c->zstd = ZSTD_createDCtx()) == NULL)
		return why(w, wl, "zstd cannot start");
	ZSTD_DCtx_reset(c->zstd, ZSTD_reset_session_only);
	while (out.pos < out.size) {
		size_t r = ZSTD_decompressStream(c->zstd, &out, &in);

		if (ZSTD_isError(r))
			return why(w, wl, "zstd data do not decode (%s)", ZSTD_getErrorName(r));
		if (in.pos == in.size && out.pos < out.size && r != 0)
			return why(w, wl, "zstd data end before %lu bytes",
				   (unsigned long)dlen);
		if (r == 0 && out.pos < out.size)
			break;
	}
	if (out.pos != dlen)
		return why(w, wl, "zstd data give %lu bytes, not %lu",
			   (unsigned long)out.pos, (unsigned long)dlen);
	return 0;
}

static int unhuff(const uint8_t *src, size_t len, uint8_t *dst, size_t dlen, char *w,
		  size_t wl)
{
	struct gm_huff h;
	struct gm_bits_in b;
	bool ok;

	if (gm_huff_init(&h, 256, 16) != 0)
		return why(w, wl, "out of memory");
	gm_bits_in_init(&b, src, len);
	ok = gm_huff_import_huffman(&h, &b);
	for (size_t i = 0; ok && i < dlen; i++)
		dst[i] = (uint8_t)gm_huff_decode(&h, &b);
	gm_huff_release(&h);
	if (!ok)
		return why(w, wl, "the Huffman tree of a huff hunk is invalid");
	if (b.overflow)
		return why(w, wl, "huff data end before %lu bytes", (unsigned long)dlen);
	return 0;
}

/* ---- FLAC: a made-up STREAMINFO, then the hunk's frames ---- */

static FLAC__StreamDecoderReadStatus flac_read(const FLAC__StreamDecoder *d,
					       FLAC__byte buffer[], size_t *bytes,
					       void *arg)
{
	struct flac_feed *f = arg;
	size_t want = *bytes, done = 0;

	(void)d;
	while (done < want && f->part < 2) {
		size_t left = f->lens[f->part] - f->at;
		size_t take = left < want - done ? left : want - done;

		memcpy(buffer + done, f->parts[f->part] + f->at, take);
		done += take;
		f->at += take;
		f->consumed += take;
		if (f->at == f->lens[f->part]) {
			f->part++;
			f->at = 0;
		}
	}
	*bytes = done;
	return done == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
		: FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

static FLAC__StreamDecoderWriteStatus flac_write(const FLAC__StreamDecoder *d,
						 const FLAC__Frame *frame,
						 const FLAC__int32 *const buffer[], void *arg)
{
	struct flac_feed *f = arg;
	unsigned n = frame->header.blocksize;

	(void)d;
	if (frame->header.channels != 2 || frame->header.bits_per_sample != 16) {
		f->error = true;
		return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
	}
	for (unsigned i = 0; i < n && f->got < f->want; i++, f->got++) {
		uint8_t *o = f->out + f->got * 4;

		for (int ch = 0; ch < 2; ch++) {
			uint16_t v = (uint16_t)(int16_t)buffer[ch][i];

			if (f->big_endian)
				gm_put_be16(o + 2 * ch, v);
			else {
				o[2 * ch] = (uint8_t)v;
				o[2 * ch + 1] = (uint8_t)(v >> 8);
			}
		}
	}
	return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

static FLAC__StreamDecoderTellStatus flac_tell(const FLAC__StreamDecoder *d,
					       FLAC__uint64 *offset, void *arg)
{
	struct flac_feed *f = arg;

	(void)d;
	*offset = f->consumed;
	return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

static void flac_error(const FLAC__StreamDecoder *d, FLAC__StreamDecoderErrorStatus s,
		       void *arg)
{
	(void)d;
	(void)s;
	((struct flac_feed *)arg)->error = true;
}

/* samples stereo samples of a FLAC stream without header in src into out;
   *used: the bytes of src the frames took. */
static int unflac(struct gm_chd_codec *c, const uint8_t *src, size_t len, uint8_t *out,
		  size_t samples, unsigned block, bool big_endian, size_t *used, char *w,
		  size_t wl)
{
	static const uint8_t tmpl[42] = {
		'f', 'L', 'a', 'C', 0x80, 0x00, 0x00, 0x22,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x0a, 0xc4, 0x42, 0xf0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	uint8_t head[42];
	struct flac_feed *f = &c->feed;
	FLAC__uint64 pos = 0;
	bool ok = true;

	memcpy(head, tmpl, sizeof(head));
	head[8] = head[10] = (uint8_t)(block >> 8);
	head[9] = head[11] = (uint8_t)block;
	if (c->flac == NULL && (c->flac = FLAC__stream_decoder_new()) == NULL)
		return why(w, wl, "FLAC cannot start");
	memset(f, 0, sizeof(*f));
	f->parts[0] = head;
	f->lens[0] = sizeof(head);
	f->parts[1] = src;
	f->lens[1] = len;
	f->out = out;
	f->want = samples;
	f->big_endian = big_endian;
	FLAC__stream_decoder_set_md5_checking(c->flac, false);
	if (FLAC__stream_decoder_init_stream(c->flac, flac_read, NULL, flac_tell, NULL, NULL,
					     flac_write, NULL, flac_error, f)
	    != FLAC__STREAM_DECODER_INIT_STATUS_OK)
		return why(w, wl, "FLAC cannot start");
	while (ok && f->got < f->want && !f->error) {
		ok = FLAC__stream_decoder_process_single(c->flac);
		if (FLAC__stream_decoder_get_state(c->flac) == FLAC__STREAM_DECODER_END_OF_STREAM)
			break;
	}
	if (ok && !f->error && f->got == f->want)
		ok = FLAC__stream_decoder_get_decode_position(c->flac, &pos);
	FLAC__stream_decoder_finish(c->flac);
	if (!ok || f->error || f->got != f->want)
		return why(w, wl, "FLAC data give %lu of %lu samples",
			   (unsigned long)f->got, (unsigned long)f->want);
	if (pos < sizeof(head) || pos - sizeof(head) > len)
		return why(w, wl, "FLAC data end where they cannot");
	*used = (size_t)(pos - sizeof(head));
	return 0;
}

/* MAME's block sizes: a quarter of the bytes halved down to 2048 samples
   (flac) or to a sector's 2352 (cdfl). */
static unsigned flac_block(size_t bytes, unsigned most)
{
	size_t b = bytes / 4;

	while (b > most)
		b /= 2;
	return (unsigned)b;
}

static int base_decompress(struct gm_chd_codec *c, uint32_t codec, const uint8_t *src,
			   size_t len, uint8_t *dst, size_t dlen, char *w, size_t wl)
{
	switch (codec) {
	case GM_CHD_CODEC_ZLIB:
		return inflate_raw(c, src, len, dst, dlen, w, wl);
	case GM_CHD_CODEC_LZMA:
		return unlzma(src, len, dst, dlen, (uint32_t)dlen, w, wl);
	case GM_CHD_CODEC_ZSTD:
		return unzstd(c, src, len, dst, dlen, w, wl);
	case GM_CHD_CODEC_HUFF:
		return unhuff(src, len, dst, dlen, w, wl);
	case GM_CHD_CODEC_FLAC: {
		size_t used;

		if (len < 1 || (src[0] != 'L' && src[0] != 'B') || dlen % 4 != 0)
			return why(w, wl, "a flac hunk without its byte order");
		return unflac(c, src + 1, len - 1, dst, dlen / 4, flac_block(dlen, 2048),
			      src[0] == 'B', &used, w, wl);
	}
	}
	return why(w, wl, "no such codec");
}

static const uint8_t cd_sync[12] = {
	0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00
};

static int cd_decompress(struct gm_chd_codec *c, const uint8_t *src, size_t len,
			 uint8_t *dst, char *w, size_t wl)
{
	size_t frames = c->hunk_bytes / GM_CHD_FRAME;
	size_t data = frames * GM_CHD_FRAME_DATA, subs = frames * GM_CHD_FRAME_SUB;
	size_t ecc_bytes = 0, header = 0, base_len;
	const uint8_t *bitmap = src;	/* frames whose sync and ECC are made */
	uint8_t *buf = c->work;
	int ret;

	if (c->fourcc == GM_CHD_CODEC_CDFL) {
		size_t used;

		ret = unflac(c, src, len, buf, data / 4, flac_block(data, GM_CHD_FRAME_DATA),
			     true, &used, w, wl);
		if (ret != 0)
			return ret;
		base_len = used;
	} else {
		size_t width = c->hunk_bytes < 65536 ? 2 : 3;

		ecc_bytes = (frames + 7) / 8;
		header = ecc_bytes + width;
		if (len < header)
			return why(w, wl, "%lu bytes: shorter than the codec's header",
				   (unsigned long)len);
		base_len = gm_be16(src + ecc_bytes);
		if (width == 3)
			base_len = base_len << 8 | src[ecc_bytes + 2];
		if (base_len > len - header)
			return why(w, wl, "its sector part (%lu bytes) is longer than the "
				   "hunk's %lu", (unsigned long)base_len, (unsigned long)len);
		ret = base_decompress(c, c->base, src + header, base_len, buf, data, w, wl);
		if (ret != 0)
			return ret;
	}
	src += header + base_len;
	len -= header + base_len;
	ret = c->fourcc == GM_CHD_CODEC_CDZS ? unzstd(c, src, len, buf + data, subs, w, wl)
		: inflate_raw(c, src, len, buf + data, subs, w, wl);
	if (ret != 0)
		return ret;
	for (size_t i = 0; i < frames; i++) {
		uint8_t *frame = dst + i * GM_CHD_FRAME;

		memcpy(frame, buf + i * GM_CHD_FRAME_DATA, GM_CHD_FRAME_DATA);
		memcpy(frame + GM_CHD_FRAME_DATA, buf + data + i * GM_CHD_FRAME_SUB,
		       GM_CHD_FRAME_SUB);
		if (ecc_bytes > 0 && (bitmap[i / 8] & (1u << (i % 8)))) {
			memcpy(frame, cd_sync, sizeof(cd_sync));
			/* (a Mode 2 Form 1 sector's parity leaves out its header) */
			gm_ecc_generate(frame, frame[15] == 2);
		}
	}
	return 0;
}

int gm_chd_codec_decompress(struct gm_chd_codec *c, const uint8_t *src, size_t len,
			    uint8_t *dst, char *w, size_t wl)
{
	if (c->base != 0)
		return cd_decompress(c, src, len, dst, w, wl);
	return base_decompress(c, c->fourcc, src, len, dst, c->hunk_bytes, w, wl);
}
