/*
 * test_drive.c - drives: an image read as a drive gives valid raw sectors
 * and its user data, refuses what is out of range, and the simulated
 * faulty drive does exactly what each line of a fault script says,
 * deterministically, and names the line of a malformed script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats.h"
#include "gm_test.h"
#include "image.h"
#include "rip.h"

#define SECTORS 64

static char tmpdir[64];
static uint8_t iso[SECTORS * GM_SECTOR_USER];

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

/* A temp dir with d.iso of SECTORS random sectors (also in iso[]). */
static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gm-unit-drive.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
	gm_test_rng_seed(11);
	gm_test_rng_fill(iso, sizeof(iso));
	write_file("d.iso", iso, sizeof(iso));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Open d.iso with the fault script (NULL: none); the message to msg. */
static int try_open(const char *script, struct gm_drive **drive, char *msg,
		    size_t len)
{
	char path[128], faults[128];
	struct gm_ctx *ctx = gm_ctx_new();
	int ret;

	snprintf(path, sizeof(path), "%s/d.iso", tmpdir);
	snprintf(faults, sizeof(faults), "%s/f.faults", tmpdir);
	if (script != NULL)
		write_file("f.faults", script, strlen(script));
	ret = gm_drive_open_image(ctx, path, script ? faults : NULL, drive);
	snprintf(msg, len, "%s", gm_error(ctx));
	gm_ctx_free(ctx);
	return ret;
}

static struct gm_drive *open_drive(const char *script)
{
	char msg[GM_ERROR_MAX];
	struct gm_drive *drive = NULL;

	if (try_open(script, &drive, msg, sizeof(msg)) != 0)
		fprintf(stderr, "open: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(drive);
	return drive;
}

/* Read one sector; returns the result (the call's return to *ret). */
static enum gm_read_result read1(struct gm_drive *drive, int32_t lba, bool raw,
				 uint8_t *buf, uint8_t *c2, int *ret)
{
	enum gm_read_result res = GM_READ_OK;
	int r = gm_drive_read(NULL, drive, lba, 1, raw, buf, c2, &res);

	if (ret != NULL)
		*ret = r;
	else
		CU_ASSERT_EQUAL(r, 0);
	return res;
}

static bool raw_is_right(const uint8_t *raw, int32_t lba)
{
	uint8_t user[GM_SECTOR_USER];

	return gm_sector_check(raw, lba, NULL, user) == GM_CHECK_GOOD
	       && memcmp(user, iso + (size_t)lba * GM_SECTOR_USER,
			 GM_SECTOR_USER) == 0;
}

static bool user_is_right(const uint8_t *user, int32_t lba)
{
	return memcmp(user, iso + (size_t)lba * GM_SECTOR_USER,
		      GM_SECTOR_USER) == 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

GM_TEST(drive_image_info)
{
	struct gm_drive *drive;
	const struct gm_drive_info *info;

	setup();
	drive = open_drive(NULL);
	info = gm_drive_info(drive);
	CU_ASSERT_STRING_EQUAL(info->vendor, "IMAGE");
	CU_ASSERT_EQUAL(info->media, GM_MEDIA_CD);
	CU_ASSERT_EQUAL(info->sectors, SECTORS);
	CU_ASSERT_TRUE(info->raw);
	CU_ASSERT_TRUE(info->c2);
	CU_ASSERT_EQUAL(gm_drive_reads(drive), 0);
	gm_drive_close(drive);
	gm_drive_close(NULL);
	teardown();
}

GM_TEST(drive_image_reads_raw_and_user)
{
	static uint8_t raw[SECTORS * GM_SECTOR_RAW], user[SECTORS * GM_SECTOR_USER];
	static uint8_t c2[SECTORS * GM_DRIVE_C2_SIZE];
	enum gm_read_result res[SECTORS];
	struct gm_drive *drive;

	setup();
	drive = open_drive(NULL);
	memset(c2, 0xff, sizeof(c2));
	CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 0, SECTORS, true, raw, c2,
				      res), 0);
	for (int32_t lba = 0; lba < SECTORS; lba++) {
		CU_ASSERT_EQUAL(res[lba], GM_READ_OK);
		CU_ASSERT_TRUE(raw_is_right(raw + (size_t)lba * GM_SECTOR_RAW, lba));
	}
	CU_ASSERT_TRUE(all_zero(c2, sizeof(c2)));
	CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 0, SECTORS, false, user, NULL,
				      res), 0);
	for (int32_t lba = 0; lba < SECTORS; lba++)
		CU_ASSERT_EQUAL(res[lba], GM_READ_OK);
	CU_ASSERT_EQUAL(memcmp(user, iso, sizeof(iso)), 0);
	CU_ASSERT_EQUAL(gm_drive_reads(drive), 2 * SECTORS);
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_image_out_of_range)
{
	uint8_t raw[3 * GM_SECTOR_RAW];
	enum gm_read_result res[3];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;

	setup();
	drive = open_drive(NULL);
	/* the last sector reads, the two after it are out of range */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, SECTORS - 1, 3, true, raw,
				      NULL, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	CU_ASSERT_TRUE(raw_is_right(raw, SECTORS - 1));
	CU_ASSERT_EQUAL(res[1], GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(res[2], GM_READ_MEDIUM);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "sector 64 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "out of range"));
	CU_ASSERT_EQUAL(read1(drive, -1, false, raw, NULL, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, SECTORS, false, raw, NULL, NULL),
			GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, INT32_MAX, false, raw, NULL, NULL),
			GM_READ_MEDIUM);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(drive_image_dvd_is_not_raw)
{
	char path[128];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive = NULL;
	uint8_t raw[GM_SECTOR_RAW];
	enum gm_read_result res;
	FILE *f;

	setup();
	/* 737,280,000 bytes and one sector more, sparse */
	snprintf(path, sizeof(path), "%s/big.iso", tmpdir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, 737280000L + GM_SECTOR_USER - 1, SEEK_SET), 0);
	CU_ASSERT_EQUAL(fputc(0, f), 0);
	fclose(f);
	CU_ASSERT_EQUAL(gm_drive_open_image(ctx, path, NULL, &drive), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(drive);
	CU_ASSERT_EQUAL(gm_drive_info(drive)->media, GM_MEDIA_DVD);
	CU_ASSERT_FALSE(gm_drive_info(drive)->raw);
	CU_ASSERT_FALSE(gm_drive_info(drive)->c2);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 0, 1, true, raw, NULL, &res),
			-GM_ERR_UNSUPPORTED);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 360000, 1, false, raw, NULL,
				      &res), 0);
	CU_ASSERT_EQUAL(res, GM_READ_OK);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(drive_sim_info)
{
	struct gm_drive *drive;
	const struct gm_drive_info *info;

	setup();
	drive = open_drive("# nothing wrong\n\n");
	info = gm_drive_info(drive);
	CU_ASSERT_STRING_EQUAL(info->vendor, "SIM");
	CU_ASSERT_STRING_EQUAL(info->product, "FAULTY DRIVE");
	CU_ASSERT_EQUAL(info->sectors, SECTORS);
	CU_ASSERT_TRUE(info->raw);
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_unreadable)
{
	uint8_t raw[4 * GM_SECTOR_RAW];
	enum gm_read_result res[4];
	struct gm_drive *drive;

	setup();
	drive = open_drive("10-11 unreadable\n");
	for (int i = 0; i < 10; i++) {
		/* a command over a bad sector fails whole, as on a real
		   drive (the simulated drive is the emulated MMC drive) */
		CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 9, 4, i % 2 == 0, raw,
					      NULL, res), 0);
		for (int k = 0; k < 4; k++)
			CU_ASSERT_EQUAL(res[k], GM_READ_MEDIUM);
		/* sector by sector, only the bad ones fail */
		for (int k = 0; k < 4; k++)
			CU_ASSERT_EQUAL(read1(drive, 9 + k, i % 2 == 0, raw, NULL, NULL),
					k == 1 || k == 2 ? GM_READ_MEDIUM : GM_READ_OK);
	}
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_flaky)
{
	uint8_t raw[GM_SECTOR_RAW];
	struct gm_drive *drive;
	int fails = 0;

	setup();
	drive = open_drive("20 flaky 3   # three failures\n21 flaky 1\n");
	for (int i = 0; i < 10; i++) {
		enum gm_read_result r = read1(drive, 20, i % 2 == 1, raw, NULL,
					      NULL);

		if (r == GM_READ_MEDIUM) {
			fails++;
			CU_ASSERT_TRUE(i < 3);
		} else {
			CU_ASSERT_EQUAL(r, GM_READ_OK);
			CU_ASSERT_TRUE(i % 2 == 1 ? raw_is_right(raw, 20)
				       : user_is_right(raw, 20));
		}
	}
	CU_ASSERT_EQUAL(fails, 3);
	/* the counts are per sector: 21 has its own */
	CU_ASSERT_EQUAL(read1(drive, 21, true, raw, NULL, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, 21, true, raw, NULL, NULL), GM_READ_OK);
	gm_drive_close(drive);
	teardown();
}

/* The bytes of raw that differ from the right sector at lba are exactly
   those flagged in c2. */
static bool c2_marks_damage(const uint8_t *raw, const uint8_t *c2, int32_t lba)
{
	uint8_t good[GM_SECTOR_RAW];

	gm_sector_encode_mode1(good, lba, iso + (size_t)lba * GM_SECTOR_USER);
	for (size_t i = 0; i < GM_SECTOR_RAW; i++) {
		bool flagged = c2[i / 8] & (0x80 >> (i % 8));

		if (flagged != (raw[i] != good[i]))
			return false;
	}
	return true;
}

GM_TEST(drive_sim_c2)
{
	uint8_t raw[2 * GM_SECTOR_RAW], c2[2 * GM_DRIVE_C2_SIZE];
	uint8_t user[GM_SECTOR_USER];
	enum gm_read_result res[2];
	struct gm_drive *drive;

	setup();
	drive = open_drive("30-31 c2\n");
	for (int i = 0; i < 2; i++) {
		memset(c2, 0, sizeof(c2));
		CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 30, 2, true, raw, c2,
					      res), 0);
		for (int s = 0; s < 2; s++) {
			CU_ASSERT_EQUAL(res[s], GM_READ_C2);
			CU_ASSERT_FALSE(all_zero(c2 + s * GM_DRIVE_C2_SIZE,
						 GM_DRIVE_C2_SIZE));
			CU_ASSERT_FALSE(raw_is_right(raw + s * GM_SECTOR_RAW, 30 + s));
			CU_ASSERT_TRUE(c2_marks_damage(raw + s * GM_SECTOR_RAW,
						       c2 + s * GM_DRIVE_C2_SIZE,
						       30 + s));
		}
	}
	/* the third read of each is right, with no C2 bits */
	memset(c2, 0xff, sizeof(c2));
	CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 30, 2, true, raw, c2, res), 0);
	for (int s = 0; s < 2; s++) {
		CU_ASSERT_EQUAL(res[s], GM_READ_OK);
		CU_ASSERT_TRUE(raw_is_right(raw + s * GM_SECTOR_RAW, 30 + s));
	}
	CU_ASSERT_TRUE(all_zero(c2, sizeof(c2)));
	gm_drive_close(drive);

	/* user reads fail for the first two reads, then read right; the
	   C2 buffer is left alone */
	drive = open_drive("30 c2\n");
	memset(c2, 0x5a, sizeof(c2));
	CU_ASSERT_EQUAL(read1(drive, 30, false, user, c2, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, 30, false, user, c2, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, 30, false, user, c2, NULL), GM_READ_OK);
	CU_ASSERT_TRUE(user_is_right(user, 30));
	CU_ASSERT_EQUAL(c2[0], 0x5a);
	/* a raw read of it now is right too: one counter per sector */
	CU_ASSERT_EQUAL(read1(drive, 30, true, raw, c2, NULL), GM_READ_OK);
	CU_ASSERT_TRUE(raw_is_right(raw, 30));
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_corrupt_once)
{
	uint8_t buf[GM_SECTOR_RAW];
	struct gm_drive *drive;

	setup();
	drive = open_drive("40 corrupt-once\n41 corrupt-once\n");
	/* user read: silently wrong once */
	CU_ASSERT_EQUAL(read1(drive, 40, false, buf, NULL, NULL), GM_READ_OK);
	CU_ASSERT_FALSE(user_is_right(buf, 40));
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(read1(drive, 40, false, buf, NULL, NULL), GM_READ_OK);
		CU_ASSERT_TRUE(user_is_right(buf, 40));
	}
	/* raw read: OK, but only the EDC/ECC tells it is wrong */
	CU_ASSERT_EQUAL(read1(drive, 41, true, buf, NULL, NULL), GM_READ_OK);
	CU_ASSERT_NOT_EQUAL(gm_sector_check(buf, 41, NULL, NULL), GM_CHECK_GOOD);
	CU_ASSERT_EQUAL(read1(drive, 41, true, buf, NULL, NULL), GM_READ_OK);
	CU_ASSERT_TRUE(raw_is_right(buf, 41));
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_c2_silent)
{
	uint8_t buf[GM_SECTOR_RAW], c2[GM_DRIVE_C2_SIZE];
	struct gm_drive *drive;

	setup();
	drive = open_drive("42 c2-silent\n");
	/* two raw reads damaged in the user data, no C2 bit, no error */
	for (int i = 0; i < 2; i++) {
		memset(c2, 0, sizeof(c2));
		CU_ASSERT_EQUAL(read1(drive, 42, true, buf, c2, NULL), GM_READ_OK);
		CU_ASSERT_FALSE(raw_is_right(buf, 42));
		CU_ASSERT_NOT_EQUAL(gm_sector_check(buf, 42, NULL, NULL), GM_CHECK_GOOD);
		CU_ASSERT_TRUE(all_zero(c2, sizeof(c2)));
	}
	CU_ASSERT_EQUAL(read1(drive, 42, true, buf, c2, NULL), GM_READ_OK);
	CU_ASSERT_TRUE(raw_is_right(buf, 42));
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_first_fault_wins)
{
	uint8_t buf[GM_SECTOR_RAW];
	struct gm_drive *drive;

	setup();
	drive = open_drive("50 flaky 1\n48-52 unreadable\n");
	CU_ASSERT_EQUAL(read1(drive, 50, false, buf, NULL, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, 50, false, buf, NULL, NULL), GM_READ_OK);
	CU_ASSERT_EQUAL(read1(drive, 49, false, buf, NULL, NULL), GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(read1(drive, 51, false, buf, NULL, NULL), GM_READ_MEDIUM);
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_vanish)
{
	uint8_t buf[8 * GM_SECTOR_RAW];
	enum gm_read_result res[8];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;

	setup();
	drive = open_drive("after-reads 10 vanish\n");
	/* 4 + 4 sector reads, then a request of 4 of which 2 still read */
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 0, 4, true, buf, NULL,
					      res), 0);
		CU_ASSERT_EQUAL(res[3], GM_READ_OK);
	}
	/* the medium goes during the command: it fails whole */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 4, 4, true, buf, NULL, res),
			-GM_ERR_DEVICE);
	for (int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(res[k], GM_READ_GONE);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "is gone at LBA 4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "medium not present"));
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 0, 1, false, buf, NULL, res),
			-GM_ERR_DEVICE);
	CU_ASSERT_EQUAL(res[0], GM_READ_GONE);
	gm_drive_close(drive);

	/* exactly N: the N-th read works, the next one does not */
	drive = open_drive("after-reads 3 vanish\n");
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(read1(drive, i, false, buf, NULL, NULL), GM_READ_OK);
	CU_ASSERT_EQUAL(gm_drive_reads(drive), 3);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 3, 1, false, buf, NULL, res),
			-GM_ERR_DEVICE);
	CU_ASSERT_EQUAL(res[0], GM_READ_GONE);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
	teardown();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

GM_TEST(drive_sim_slow)
{
	uint8_t buf[2 * GM_SECTOR_USER];
	enum gm_read_result res[2];
	struct gm_drive *drive;
	double t;

	setup();
	drive = open_drive("5-9 slow 40ms\n9 unreadable\n");
	t = now();
	/* one request touching the range: one delay */
	CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 4, 2, false, buf, NULL, res), 0);
	CU_ASSERT_TRUE(now() - t >= 0.040);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	CU_ASSERT_EQUAL(res[1], GM_READ_OK);
	/* slow adds to the sector's data fault */
	t = now();
	CU_ASSERT_EQUAL(read1(drive, 9, false, buf, NULL, NULL), GM_READ_MEDIUM);
	CU_ASSERT_TRUE(now() - t >= 0.040);
	gm_drive_close(drive);
	teardown();
}

GM_TEST(drive_sim_deterministic)
{
	static const char *scripts[] = {
		"seed 42\n3 corrupt-once\n4-5 c2\n",
		"3 corrupt-once\n4-5 c2\nseed 42\n",
		"3 corrupt-once\n4-5 c2\nseed 43\n",
	};
	uint8_t a[3][6 * GM_SECTOR_RAW], c2[3][6 * GM_DRIVE_C2_SIZE];
	enum gm_read_result res[6];

	setup();
	for (int k = 0; k < 3; k++) {
		struct gm_drive *drive = open_drive(scripts[k]);

		CU_ASSERT_EQUAL(gm_drive_read(NULL, drive, 0, 6, true, a[k], c2[k],
					      res), 0);
		CU_ASSERT_EQUAL(res[3], GM_READ_OK);
		CU_ASSERT_EQUAL(res[4], GM_READ_C2);
		gm_drive_close(drive);
	}
	CU_ASSERT_EQUAL(memcmp(a[0], a[1], sizeof(a[0])), 0);
	CU_ASSERT_EQUAL(memcmp(c2[0], c2[1], sizeof(c2[0])), 0);
	/* another seed, other damage */
	CU_ASSERT_NOT_EQUAL(memcmp(a[0], a[2], sizeof(a[0])), 0);
	teardown();
}

/* The script fails to open with a message containing want. */
static void check_bad(const char *script, const char *want)
{
	char msg[GM_ERROR_MAX];
	struct gm_drive *drive = NULL;

	CU_ASSERT_EQUAL(try_open(script, &drive, msg, sizeof(msg)), -GM_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(drive);
	if (strstr(msg, want) == NULL || strstr(msg, "fault script '") != msg)
		fprintf(stderr, "\nwanted '%s' in '%s'\n", want, msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "f.faults'"));
}

GM_TEST(drive_sim_malformed_scripts)
{
	setup();
	check_bad("1 unreadable\n\n# fine so far\n12-x unreadable\n",
		  "line 4: bad sector range '12-x'");
	check_bad("9-3 c2\n", "line 1: bad sector range '9-3'");
	check_bad("-3 c2\n", "line 1: bad sector range '-3'");
	check_bad("seed 1\n5 melted\n", "line 2: unknown fault 'melted'");
	check_bad("5\n", "line 1: a fault must follow sector range '5'");
	check_bad("5 flaky\n", "line 1: flaky needs a count");
	check_bad("5 flaky 0\n", "line 1: bad count '0'");
	check_bad("5 flaky x3\n", "line 1: bad count 'x3'");
	check_bad("5 slow\n", "line 1: slow needs a delay");
	check_bad("5 slow 50\n", "line 1: bad delay '50'");
	check_bad("5 slow 5h\n", "line 1: bad delay '5h'");
	check_bad("5 unreadable now\n", "line 1: unexpected 'now' after the fault");
	check_bad("5 flaky 2 3 # c\n", "line 1: unexpected '3' after the fault");
	check_bad("60-64 unreadable\n",
		  "line 1: sector 64 is beyond the image (64 sectors)");
	check_bad("\n\n99999999999 c2\n", "line 3: bad sector range '99999999999'");
	check_bad("seed\n", "line 1: seed needs a number");
	check_bad("seed 1\nseed 2\n", "line 2: a second seed");
	check_bad("after-reads vanish\n", "line 1: after-reads needs a number");
	check_bad("after-reads 5\n", "line 1: after-reads N must be followed by "
		  "'vanish'");
	check_bad("after-reads 5 vanish soon\n", "line 1: unexpected 'soon'");
	teardown();
}

GM_TEST(drive_sim_missing_script)
{
	char path[128], msg[GM_ERROR_MAX];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive = NULL;

	setup();
	snprintf(path, sizeof(path), "%s/d.iso", tmpdir);
	CU_ASSERT_EQUAL(gm_drive_open_image(ctx, path, "/nonexistent/f.faults",
					    &drive), -GM_ERR_NOENT);
	CU_ASSERT_PTR_NULL(drive);
	snprintf(msg, sizeof(msg), "%s", gm_error(ctx));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot open fault script "
				      "'/nonexistent/f.faults'"));
	gm_ctx_free(ctx);
	teardown();
}

GM_TEST(drive_db_records_match_and_errors)
{
	static const char mine[] =
		"# mine first\n"
		"vendor PLEXTOR\nproduct DVDR   PX-760A\nrevision 1.0?\nread-offset 31\n";
	static const char text[] =
		"vendor PLEXTOR\n# a comment keeps the record\nproduct DVDR   PX-760A\n"
		"read-offset 30\nc2-offset 294\n\n"
		"vendor ASUS\nproduct BW-16D1HT\nrevision 3.*\nread-offset 6\n";
	static const struct { const char *text, *error; } bad[] = {
		{ "vendor A\nproduct B\nread-offset x\n", "line 3: read-offset: samples" },
		{ "vendor A\n\nproduct B\n", "line 1: the record has no product" },
		{ "product B\n", "line 1: the record has no vendor" },
		{ "vendor A\nproduct B\nrevision 0123456789012345678901234567890123\n",
		  "line 3: revision: a pattern" },
		{ "vendor A\nproduct B\nbogus 1\n", "line 3: unknown key" },
	};
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_db *db = gm_drive_db_new();
	const struct gm_drive_db_record *r;
	char path[512];

	CU_ASSERT_EQUAL_FATAL(gm_drive_db_parse(ctx, db, "mine.db", mine, sizeof(mine) - 1), 0);
	CU_ASSERT_EQUAL_FATAL(gm_drive_db_parse(ctx, db, "t.db", text, sizeof(text) - 1), 0);
	CU_ASSERT_EQUAL(gm_drive_db_count(db), 3);
	/* INQUIRY fields come padded with spaces */
	r = gm_drive_db_match(db, "PLEXTOR ", "DVDR   PX-760A  ", "1.07");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->profile.read_offset, 31);
	CU_ASSERT_STRING_EQUAL(r->file, "mine.db");
	CU_ASSERT_EQUAL(r->line, 2);
	r = gm_drive_db_match(db, "PLEXTOR", "DVDR   PX-760A", "1.10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->profile.read_offset, 30);
	CU_ASSERT_EQUAL(r->profile.c2_offset, 294);
	CU_ASSERT_EQUAL(r->line, 1);
	CU_ASSERT_PTR_NOT_NULL(gm_drive_db_match(db, "ASUS", "BW-16D1HT", "3.10"));
	CU_ASSERT_PTR_NULL(gm_drive_db_match(db, "ASUS", "BW-16D1HT", "1.00"));
	CU_ASSERT_PTR_NULL(gm_drive_db_match(db, "ASUS", "BW-16D1H", "3.10"));
	CU_ASSERT_PTR_NULL(gm_drive_db_match(db, "GLASSMST", "VIRTUAL DRIVE", "0.1"));
	gm_drive_db_free(db);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		db = gm_drive_db_new();
		CU_ASSERT_EQUAL(gm_drive_db_parse(ctx, db, "x.db", bad[i].text,
						  strlen(bad[i].text)), -GM_ERR_FORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "drive database 'x.db' "));
		CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), bad[i].error));
		gm_drive_db_free(db);
	}
	/* the shipped database parses, and knows the Plextor */
	db = gm_drive_db_new();
	snprintf(path, sizeof(path), "%s/../rip/drives.db", gm_test_srcdir());
	CU_ASSERT_EQUAL_FATAL(gm_drive_db_load(ctx, db, path), 0);
	CU_ASSERT_TRUE(gm_drive_db_count(db) >= 10);
	r = gm_drive_db_match(db, "PLEXTOR", "DVDR   PX-760A", "1.07");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->profile.read_offset, 30);
	gm_drive_db_free(db);
	gm_ctx_free(ctx);
}
