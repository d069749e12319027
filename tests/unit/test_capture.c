/*
 * test_capture.c - the CD capture's pieces below the command line: the
 * capture description survives a save and a load and names the line of
 * what is wrong in it; READ CD of every sector through the emulated
 * drive (the probe's findings, LBA -150, the read offset's sign) and the
 * C2 bits that run on across the sectors of one command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "formats.h"
#include "gm_test.h"
#include "rip.h"

#define AUDIO 300		/* sectors of the test disc */

static char dir[64];
static uint8_t *bin;

/* A one-track audio disc of seeded noise: DIR/a.bin, DIR/a.cue. */
static void make_disc(void)
{
	char path[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/gm-unit-capture.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	bin = malloc((size_t)AUDIO * GM_SECTOR_RAW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
	gm_test_rng_seed(77);
	gm_test_rng_fill(bin, (size_t)AUDIO * GM_SECTOR_RAW);
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(bin, GM_SECTOR_RAW, AUDIO, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a.cue", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("FILE \"a.bin\" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n", f);
	fclose(f);
}

static void remove_disc(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	free(bin);
}

GM_TEST(capture_desc_round_trip_and_errors)
{
	static const struct { const char *text, *error; } bad[] = {
		{ "format 2\n", "line 1: format: invalid value" },
		{ "format 1\nfirst-lba -150\nsectors 10\nleadout 5\nunreachable -150 -140\n",
		  "line 5: unreachable: invalid value" },
		{ "format 1\nfirst-lba -150\nsectors 10\nleadout 5\nspeed 4\n",
		  "line 5: unknown key 'speed'" },
		{ "format 1\nsectors 10\n", "first-lba, sectors or leadout missing" },
		{ "format 1\nfirst-lba -150\nsectors 10\nleadout 900\n", "does not fit" },
		{ "format 1\nc2 295\n", "line 2: c2: invalid value" },
	};
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_capture_desc d, back;
	char path[128];

	make_disc();
	memset(&d, 0, sizeof(d));
	d.first_lba = -151;
	d.sectors = 1000;
	d.leadout = 800;
	d.reach_lo = -150;
	d.reach_hi = 900;
	d.read_offset = -472;
	snprintf(d.offset_why, sizeof(d.offset_why), "drive database 'x' line 3");
	d.over_out = 100;
	d.c2_offset = -12;
	d.c2_size = 296;
	d.sub = true;
	d.audio_first = true;
	snprintf(d.drive, sizeof(d.drive), "A B 1.0");
	CU_ASSERT_EQUAL_FATAL(gm_capture_desc_alloc(ctx, &d), 0);
	d.unreach[0] |= 1;		/* LBA -151 */
	d.unreach[999 / 8] |= 1u << (999 % 8);	/* LBA 848 */
	d.unreach[998 / 8] |= 1u << (998 % 8);
	snprintf(path, sizeof(path), "%s/x.capture", dir);
	CU_ASSERT_EQUAL_FATAL(gm_capture_desc_save(ctx, &d, path), 0);
	CU_ASSERT_EQUAL_FATAL(gm_capture_desc_load(ctx, &back, path), 0);
	CU_ASSERT_EQUAL(back.first_lba, -151);
	CU_ASSERT_EQUAL(back.sectors, 1000);
	CU_ASSERT_EQUAL(back.leadout, 800);
	CU_ASSERT_EQUAL(back.reach_hi, 900);
	CU_ASSERT_EQUAL(back.read_offset, -472);
	CU_ASSERT_STRING_EQUAL(back.offset_why, "drive database 'x' line 3");
	CU_ASSERT_EQUAL(back.over_out, 100);
	CU_ASSERT_EQUAL(back.c2_offset, -12);
	CU_ASSERT_EQUAL(back.c2_size, 296);
	CU_ASSERT_TRUE(back.sub && back.audio_first && !back.audio_last);
	CU_ASSERT_STRING_EQUAL(back.drive, "A B 1.0");
	CU_ASSERT_EQUAL(memcmp(back.unreach, d.unreach, (1000 + 7) / 8), 0);
	gm_capture_desc_release(&back);
	gm_capture_desc_release(&d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_NOT_EQUAL(gm_capture_desc_parse(ctx, &back, "t.capture", bad[i].text,
							  strlen(bad[i].text)), 0);
		if (strstr(gm_error(ctx), bad[i].error) == NULL)
			printf("\n  '%s' gave: %s\n", bad[i].text, gm_error(ctx));
		CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), bad[i].error));
		gm_capture_desc_release(&back);
	}
	remove_disc();
	gm_ctx_free(ctx);
}

/* The sample of the disc at absolute sample position s (silence before
   LBA 0 and after the last sector). */
static void disc_sample(int64_t s, uint8_t *out)
{
	if (s < 0 || s >= (int64_t)AUDIO * 588)
		memset(out, 0, 4);
	else
		memcpy(out, bin + s * 4, 4);
}

GM_TEST(capture_read_cd_offset_pregap_and_c2_running_on)
{
	static const char text[] = "vendor GMUNIT\nproduct C2 RUNS ON\nread-offset 100\n"
				   "c2 294\nc2-offset 2000\n";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_profile prof;
	struct gm_drive *drive;
	const struct gm_drive_info *info;
	uint8_t *data = malloc(4 * GM_SECTOR_RAW), *c2 = malloc(4 * 294), *sub = malloc(4 * 96);
	enum gm_read_result res[4];
	char cue[128], faults[128];
	FILE *f;
	int flagged_next = 0, flagged_own = 0;

	make_disc();
	snprintf(cue, sizeof(cue), "%s/a.cue", dir);
	snprintf(faults, sizeof(faults), "%s/f", dir);
	f = fopen(faults, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("150 c2\n", f);
	fclose(f);
	gm_drive_profile_init(&prof);
	CU_ASSERT_EQUAL_FATAL(gm_drive_profile_parse(ctx, "p", text, sizeof(text) - 1, &prof), 0);
	CU_ASSERT_EQUAL_FATAL(gm_drive_open_emulated(ctx, cue, &prof, faults, &drive), 0);
	info = gm_drive_info(drive);
	CU_ASSERT_TRUE(info->cd_raw);
	CU_ASSERT_EQUAL(info->cd_c2, 294);
	CU_ASSERT_TRUE(info->cd_sub);
	CU_ASSERT_TRUE(info->cd_pregap);
	CU_ASSERT_EQUAL(info->leadout, AUDIO);
	/* LBA -150 and on: the disc's samples 100 late (588 L - 100 on) */
	CU_ASSERT_EQUAL_FATAL(gm_drive_read_cd(ctx, drive, -1, 2, data, c2, sub, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	for (int s = 0; s < 2 * 588; s++) {
		uint8_t want[4];

		disc_sample(-588 + s - 100, want);
		CU_ASSERT_EQUAL(memcmp(data + s * 4, want, 4), 0);
	}
	CU_ASSERT_EQUAL_FATAL(gm_drive_read_cd(ctx, drive, -150, 1, data, c2, sub, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	/* beyond the lead-out: refused, out of range */
	CU_ASSERT_EQUAL_FATAL(gm_drive_read_cd(ctx, drive, AUDIO, 1, data, c2, sub, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_RANGE);
	/* sector 150's damage: its bytes (in stream sectors 150 and 151 by the
	   offset) flagged 2000 bytes late, into the next sector's field when
	   the command holds it */
	CU_ASSERT_EQUAL_FATAL(gm_drive_read_cd(ctx, drive, 150, 3, data, c2, sub, res), 0);
	for (int k = 0; k < 294; k++) {
		flagged_own += c2[k] != 0;
		flagged_next += c2[294 + k] != 0 || c2[2 * 294 + k] != 0;
	}
	CU_ASSERT_TRUE(flagged_next > 0);
	CU_ASSERT_TRUE(res[1] == GM_READ_C2 || res[2] == GM_READ_C2);
	(void)flagged_own;
	gm_drive_close(drive);
	free(data);
	free(c2);
	free(sub);
	remove_disc();
	gm_ctx_free(ctx);
}
