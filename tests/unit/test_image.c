/*
 * test_image.c - the generic image source: sectors of cooked storage come
 * out as valid raw sectors at the right address, unstored gaps are
 * synthesised valid, user data survives every path, big-endian audio is
 * swapped, and generated subchannel has the positions of the layout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats.h"
#include "gm_test.h"
#include "image.h"
#include "image_private.h"

static char tmpdir[64];

static void write_file(const char *name, const void *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Write sheet as t.cue and open it; the error message goes to msg. */
static struct gm_source *try_sheet(const char *sheet, char *msg, size_t len)
{
	char path[128];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;

	snprintf(path, sizeof(path), "%s/t.cue", tmpdir);
	write_file("t.cue", sheet, strlen(sheet));
	gm_image_open(ctx, path, &src);
	snprintf(msg, len, "%s", gm_error(ctx));
	gm_ctx_free(ctx);
	return src;
}

static struct gm_source *open_sheet(const char *sheet)
{
	char msg[GM_ERROR_MAX];
	struct gm_source *src = try_sheet(sheet, msg, sizeof(msg));

	if (src == NULL)
		fprintf(stderr, "open: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(src);
	return src;
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gm-unit-image.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int read_one(struct gm_source *src, int32_t lba, enum gm_sector_kind kind,
		    uint8_t *buf, enum gm_sector_status *status)
{
	struct gm_read req = {
		.lba = lba, .count = 1, .kind = kind, .data = buf, .status = status
	};

	return gm_source_read(NULL, src, &req);
}

GM_TEST(image_cooked_mode1_becomes_valid_raw)
{
	uint8_t data[2048 * 20], raw[GM_SECTOR_RAW + GM_SUB_SIZE], user[2048];
	struct gm_sector_info info;
	enum gm_sector_status st;
	struct gm_source *src;

	setup();
	gm_test_rng_seed(5);
	gm_test_rng_fill(data, sizeof(data));
	write_file("d.bin", data, sizeof(data));
	src = open_sheet("FILE \"d.bin\" BINARY\n TRACK 01 MODE1/2048\n"
			 "  PREGAP 00:00:10\n  INDEX 01 00:00:00\n"
			 "  POSTGAP 00:00:05\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(gm_source_disc(src)->leadout, 10 + 20 + 5);
	for (int32_t lba = 0; lba < 35; lba++) {
		CU_ASSERT_EQUAL(read_one(src, lba, GM_SECTOR_KIND_RAW, raw, &st), 0);
		CU_ASSERT_EQUAL(gm_sector_check(raw, lba, &info, user), GM_CHECK_GOOD);
		CU_ASSERT_EQUAL(info.mode, GM_MODE_1);
		if (lba >= 10 && lba < 30) {
			CU_ASSERT_EQUAL(st, GM_SECTOR_GOOD);
			CU_ASSERT_EQUAL(memcmp(user, data + (lba - 10) * 2048, 2048), 0);
		} else {
			CU_ASSERT_EQUAL(st, GM_SECTOR_SYNTH);
		}
		CU_ASSERT_EQUAL(read_one(src, lba, GM_SECTOR_KIND_USER, user, &st), 0);
		if (lba >= 10 && lba < 30)
			CU_ASSERT_EQUAL(memcmp(user, data + (lba - 10) * 2048, 2048), 0);
	}
	/* beyond the disc: unread, zeroed */
	memset(raw, 0x55, sizeof(raw));
	CU_ASSERT_EQUAL(read_one(src, 35, GM_SECTOR_KIND_RAW, raw, &st), 0);
	CU_ASSERT_EQUAL(st, GM_SECTOR_UNREAD);
	CU_ASSERT_EQUAL(raw[100], 0);
	gm_source_free(src);
	teardown();
}

GM_TEST(image_raw_user_read_reports_bad_edc)
{
	uint8_t raw[GM_SECTOR_RAW * 4], user[2048 * 4], data[2048];
	enum gm_sector_status st[4];
	struct gm_read req = {.lba = 0, .count = 4, .kind = GM_SECTOR_KIND_USER,
			      .data = user, .status = st};
	struct gm_source *src;

	setup();
	for (int i = 0; i < 4; i++) {
		memset(data, i + 1, sizeof(data));
		gm_sector_encode_mode1(raw + i * GM_SECTOR_RAW, i, data);
	}
	raw[2 * GM_SECTOR_RAW + 500] ^= 1;
	write_file("r.bin", raw, sizeof(raw));
	src = open_sheet("FILE \"r.bin\" BINARY\n TRACK 01 MODE1/2352\n"
			 "  INDEX 01 00:00:00\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(gm_source_read(NULL, src, &req), 0);
	CU_ASSERT_EQUAL(st[0], GM_SECTOR_GOOD);
	CU_ASSERT_EQUAL(st[1], GM_SECTOR_GOOD);
	CU_ASSERT_EQUAL(st[2], GM_SECTOR_EDC);
	CU_ASSERT_EQUAL(st[3], GM_SECTOR_GOOD);
	CU_ASSERT_EQUAL(user[3 * 2048 + 7], 4);
	gm_source_free(src);
	teardown();
}

GM_TEST(image_motorola_audio_is_swapped)
{
	uint8_t be[GM_SECTOR_RAW * 2], raw[GM_SECTOR_RAW];
	enum gm_sector_status st;
	struct gm_source *src;

	setup();
	for (size_t i = 0; i < sizeof(be); i++)
		be[i] = (uint8_t)i;
	write_file("a.bin", be, sizeof(be));
	src = open_sheet("FILE \"a.bin\" MOTOROLA\n TRACK 01 AUDIO\n"
			 "  INDEX 01 00:00:00\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(read_one(src, 1, GM_SECTOR_KIND_RAW, raw, &st), 0);
	CU_ASSERT_EQUAL(raw[0], be[GM_SECTOR_RAW + 1]);
	CU_ASSERT_EQUAL(raw[1], be[GM_SECTOR_RAW]);
	CU_ASSERT_EQUAL(raw[2351], be[2 * GM_SECTOR_RAW - 2]);
	CU_ASSERT_EQUAL(read_one(src, 1, GM_SECTOR_KIND_USER, raw, &st), 0);
	CU_ASSERT_EQUAL(st, GM_SECTOR_AUDIO);
	gm_source_free(src);
	teardown();
}

GM_TEST(image_generated_subchannel_follows_layout)
{
	static uint8_t audio[GM_SECTOR_RAW * 400];
	uint8_t raw[GM_SECTOR_RAW + GM_SUB_SIZE], q[12];
	enum gm_sector_status st;
	struct gm_subq sq;
	struct gm_source *src;

	setup();
	write_file("a.bin", audio, sizeof(audio));
	src = open_sheet("CATALOG 0123456789012\n"
			 "FILE \"a.bin\" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n"
			 " TRACK 02 AUDIO\n  ISRC USABC9912345\n  FLAGS DCP\n"
			 "  INDEX 00 00:02:00\n  INDEX 01 00:04:00\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	/* LBA 200: track 2 pregap, 100 sectors before index 1 */
	CU_ASSERT_EQUAL(read_one(src, 200, GM_SECTOR_KIND_RAW_SUB, raw, &st), 0);
	gm_sub_channel(raw + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 1);
	CU_ASSERT_EQUAL(sq.track, 2);
	CU_ASSERT_EQUAL(sq.index, 0);
	CU_ASSERT_EQUAL(sq.control, GM_CTL_DCP);
	CU_ASSERT_EQUAL(gm_msf_to_lba(sq.abs), 200);
	CU_ASSERT_EQUAL(sq.rel.s * 75 + sq.rel.f, 100);
	/* absolute frame 375 = 75 mod 100, but in the pregap: position */
	CU_ASSERT_EQUAL(read_one(src, 375 - 150, GM_SECTOR_KIND_RAW_SUB, raw, &st), 0);
	gm_sub_channel(raw + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 1);
	/* absolute frame 475 = 75 mod 100 in index 1: the ISRC of track 2 */
	CU_ASSERT_EQUAL(read_one(src, 475 - 150, GM_SECTOR_KIND_RAW_SUB, raw, &st), 0);
	gm_sub_channel(raw + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 3);
	CU_ASSERT_STRING_EQUAL(sq.isrc, "USABC9912345");
	/* absolute frame 325 = 25 mod 100: the MCN */
	CU_ASSERT_EQUAL(read_one(src, 325 - 150, GM_SECTOR_KIND_RAW_SUB, raw, &st), 0);
	gm_sub_channel(raw + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 2);
	CU_ASSERT_STRING_EQUAL(sq.mcn, "0123456789012");
	gm_source_free(src);
	teardown();
}

GM_TEST(image_multifile_addresses)
{
	static uint8_t a[GM_SECTOR_RAW * 30], b[GM_SECTOR_RAW * 40];
	const struct gm_disc *d;
	struct gm_source *src;
	char msg[GM_ERROR_MAX];

	setup();
	write_file("a.bin", a, sizeof(a));
	write_file("b.bin", b, sizeof(b));
	src = try_sheet("FILE \"a.bin\" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n"
		       "  PREGAP 00:00:05\n", msg, sizeof(msg));
	CU_ASSERT_PTR_NULL(src);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "line 4: PREGAP must come before the INDEX lines"));
	/* an unstored PREGAP and a stored INDEX 00 together: 5 + 10 sectors */
	src = open_sheet("FILE \"a.bin\" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n"
			 "FILE \"b.bin\" BINARY\n TRACK 02 AUDIO\n  PREGAP 00:00:05\n"
			 "  INDEX 00 00:00:00\n  INDEX 01 00:00:10\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	d = gm_source_disc(src);
	CU_ASSERT_EQUAL(d->tracks[1].index[0], 30);
	CU_ASSERT_EQUAL(d->tracks[1].pregap, 5);
	CU_ASSERT_EQUAL(d->tracks[1].index[1], 45);
	CU_ASSERT_EQUAL(d->tracks[1].end, 75);
	gm_source_free(src);
	src = open_sheet("FILE \"a.bin\" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n"
			 "FILE \"b.bin\" BINARY\n TRACK 02 AUDIO\n"
			 "  INDEX 00 00:00:00\n  INDEX 01 00:00:10\n  INDEX 02 00:00:20\n"
			 "REM SESSION 02\n TRACK 03 AUDIO\n  INDEX 01 00:00:30\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	d = gm_source_disc(src);
	CU_ASSERT_EQUAL(d->ntracks, 3);
	CU_ASSERT_EQUAL(d->nsessions, 2);
	CU_ASSERT_EQUAL(d->tracks[1].index[0], 30);
	CU_ASSERT_EQUAL(d->tracks[1].index[1], 40);
	CU_ASSERT_EQUAL(d->tracks[1].index[2], 50);
	CU_ASSERT_EQUAL(d->tracks[1].end, 60);
	CU_ASSERT_EQUAL(d->tracks[1].offset, 0);
	/* session 2 starts after the lead-out and lead-in */
	CU_ASSERT_EQUAL(d->tracks[2].session, 2);
	CU_ASSERT_EQUAL(d->tracks[2].index[1], 60 + 6750 + 4500);
	CU_ASSERT_EQUAL(d->tracks[2].offset, 30 * GM_SECTOR_RAW);
	CU_ASSERT_EQUAL(d->leadout, 60 + 6750 + 4500 + 10);
	gm_source_free(src);
	teardown();
}

GM_TEST(image_dvd_user_reads_beyond_cd_addresses)
{
	char path[128];
	uint8_t buf[2048 * 2];
	enum gm_sector_status st[2];
	struct gm_read req = {.lba = 500000, .count = 2, .kind = GM_SECTOR_KIND_USER,
			      .data = buf, .status = st};
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_source *src = NULL;
	FILE *f;

	setup();
	/* a sparse DVD-sized image: LBAs beyond any CD address */
	snprintf(path, sizeof(path), "%s/dvd.iso", tmpdir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, 500000L * 2048, SEEK_SET), 0);
	fputs("DVD", f);
	CU_ASSERT_EQUAL(fseek(f, 600000L * 2048 - 1, SEEK_SET), 0);
	fputc(0, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(gm_image_open(ctx, path, &src), 0);
	CU_ASSERT_EQUAL(gm_source_disc(src)->media, GM_MEDIA_DVD);
	CU_ASSERT_EQUAL(gm_source_read(ctx, src, &req), 0);
	CU_ASSERT_EQUAL(st[0], GM_SECTOR_GOOD);
	CU_ASSERT_EQUAL(st[1], GM_SECTOR_GOOD);
	CU_ASSERT_EQUAL(memcmp(buf, "DVD", 3), 0);
	gm_source_free(src);
	gm_ctx_free(ctx);
	teardown();
}

/* ---------------------------------------------------------------------
 * Write-behind: the bytes arrive in order; a failed write reaches the
 * caller with its errno and the thread still ends.
 */

GM_TEST(image_writebehind_in_order)
{
	enum { SIZE = 3000, COUNT = 40 };
	uint8_t *bufs = malloc(2 * SIZE), *back = malloc((size_t)SIZE * COUNT);
	struct gm_writebehind wb;
	FILE *f = tmpfile();
	int bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bufs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	gm_writebehind_start(&wb);
	for (int i = 0; i < COUNT; i++) {
		uint8_t *buf = bufs + (i % 2) * SIZE;

		/* the buffer handed over two puts ago is free again */
		memset(buf, 'a' + i % 26, SIZE);
		buf[0] = (uint8_t)i;
		CU_ASSERT_EQUAL(gm_writebehind_put(&wb, f, buf, SIZE), 0);
	}
	CU_ASSERT_EQUAL(gm_writebehind_finish(&wb), 0);
	rewind(f);
	CU_ASSERT_EQUAL(fread(back, SIZE, COUNT, f), COUNT);
	for (int i = 0; i < COUNT; i++)
		bad += back[(size_t)i * SIZE] != (uint8_t)i
		       || back[(size_t)i * SIZE + SIZE - 1] != 'a' + i % 26;
	CU_ASSERT_EQUAL(bad, 0);
	fclose(f);
	free(back);
	free(bufs);
}

GM_TEST(image_writebehind_full_device)
{
	enum { SIZE = 1 << 20 };
	uint8_t *buf = calloc(1, SIZE);
	struct gm_writebehind wb;
	FILE *f = fopen("/dev/full", "w");
	int err = 0, puts = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	setvbuf(f, NULL, _IONBF, 0);
	gm_writebehind_start(&wb);
	/* the first failure shows at a later put, or at the finish */
	while (err == 0 && puts < 5) {
		err = gm_writebehind_put(&wb, f, buf, SIZE);
		puts++;
	}
	CU_ASSERT_TRUE(err == ENOSPC || puts == 5);
	CU_ASSERT_EQUAL(gm_writebehind_finish(&wb), ENOSPC);
	fclose(f);
	free(buf);
}
