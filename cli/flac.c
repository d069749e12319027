/*
 * flac.c - `split --format flac`: an audio track as a FLAC file through
 * libFLAC, tagged (Vorbis comments) from the disc's CD-TEXT, its ISRC and
 * MCN and the track's place, written beside its name and renamed when
 * complete.
 */
#include "config.h"

#include <FLAC/metadata.h>
#include <FLAC/stream_encoder.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "banned.h"

/* A Vorbis comment NAME=value (value NULL or empty: none). */
static bool tag(FLAC__StreamMetadata *vc, const char *name, const char *value)
{
	FLAC__StreamMetadata_VorbisComment_Entry e;

	if (value == NULL || *value == '\0')
		return true;
	return FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&e, name, value)
	       && FLAC__metadata_object_vorbiscomment_append_comment(vc, e, false);
}

int cli_write_flac(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		   int32_t from, int32_t to, unsigned number, unsigned total, bool force)
{
	const struct gm_disc *d = gm_source_disc(src);
	const struct gm_track *t = NULL;
	FLAC__StreamEncoder *enc = FLAC__stream_encoder_new();
	FLAC__StreamMetadata *vc = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
	size_t plen = strlen(path);
	char *part = malloc(plen + 6), num[16];
	uint8_t *buf = malloc(64 * 2352);
	FLAC__int32 *pcm = malloc(64 * 588 * 2 * sizeof(*pcm));
	enum gm_sector_status st[64];
	bool ok;
	int ret = 0;

	for (unsigned i = 0; i < d->ntracks; i++)
		if (d->tracks[i].number == number)
			t = &d->tracks[i];
	if (enc == NULL || vc == NULL || part == NULL || buf == NULL || pcm == NULL) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	if (!force && access(path, F_OK) == 0) {
		ret = gm_error_set(ctx, GM_ERR_EXISTS, "'%s' exists; use --force to replace it",
				   path);
		goto out;
	}
	memcpy(part, path, plen);
	memcpy(part + plen, ".part", 6);
	snprintf(num, sizeof(num), "%u", number);
	ok = tag(vc, "TRACKNUMBER", num);
	snprintf(num, sizeof(num), "%u", total);
	ok = ok && tag(vc, "TRACKTOTAL", num)
	     && tag(vc, "ALBUM", d->cdtext[GM_CDTEXT_TITLE])
	     && tag(vc, "ALBUMARTIST", d->cdtext[GM_CDTEXT_PERFORMER])
	     && tag(vc, "CATALOGNUMBER", d->mcn);
	if (t != NULL)
		ok = ok && tag(vc, "TITLE", t->cdtext[GM_CDTEXT_TITLE])
		     && tag(vc, "ARTIST", t->cdtext[GM_CDTEXT_PERFORMER]
			    ? t->cdtext[GM_CDTEXT_PERFORMER] : d->cdtext[GM_CDTEXT_PERFORMER])
		     && tag(vc, "COMPOSER", t->cdtext[GM_CDTEXT_COMPOSER])
		     && tag(vc, "ISRC", t->isrc);
	if (!ok) {
		ret = gm_error_set(ctx, GM_ERR_NOMEM, NULL);
		goto out;
	}
	FLAC__stream_encoder_set_channels(enc, 2);
	FLAC__stream_encoder_set_bits_per_sample(enc, 16);
	FLAC__stream_encoder_set_sample_rate(enc, 44100);
	FLAC__stream_encoder_set_compression_level(enc, 5);
	FLAC__stream_encoder_set_total_samples_estimate(enc, (FLAC__uint64)(to - from) * 588);
	FLAC__stream_encoder_set_metadata(enc, &vc, 1);
	if (FLAC__stream_encoder_init_file(enc, part, NULL, NULL)
	    != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot write '%s'", path);
		goto out;
	}
	for (int32_t lba = from; lba < to && ret == 0;) {
		uint32_t n = to - lba < 64 ? (uint32_t)(to - lba) : 64;
		struct gm_read req = { .lba = lba, .count = n, .kind = GM_SECTOR_KIND_RAW,
				       .data = buf, .status = st };

		if ((ret = gm_source_read(ctx, src, &req)) != 0)
			break;
		for (size_t k = 0; k < (size_t)n * 588 * 2; k++)
			pcm[k] = (FLAC__int16)(buf[2 * k] | buf[2 * k + 1] << 8);
		if (!FLAC__stream_encoder_process_interleaved(enc, pcm, n * 588))
			ret = gm_error_set(ctx, GM_ERR_IO, "cannot write '%s': %s", path,
					   FLAC__StreamEncoderStateString[
						FLAC__stream_encoder_get_state(enc)]);
		lba += (int32_t)n;
	}
	if (!FLAC__stream_encoder_finish(enc) && ret == 0)
		ret = gm_error_set(ctx, GM_ERR_IO, "cannot write '%s'", path);
	if (ret == 0 && rename(part, path) != 0)
		ret = gm_error_set_errno(ctx, GM_ERR_IO, errno, "cannot name '%s'", path);
	if (ret != 0)
		unlink(part);
out:
	if (enc != NULL)
		FLAC__stream_encoder_delete(enc);
	if (vc != NULL)
		FLAC__metadata_object_delete(vc);
	free(part);
	free(buf);
	free(pcm);
	return ret;
}
