/*
 * test_mmc.c - the MMC drive back end against scripted drives: a drive
 * that answers as MMC says, drives that answer as QEMU 7.2's ATAPI and
 * virtio-scsi CD-ROMs do (binary READ CD headers with zero EDC/ECC, C2
 * and subchannel selections ignored, the READ TOC format taken from byte
 * 9, no READ CD at all), and failures: no medium, medium errors, a
 * vanishing device, a read that reports success without transferring, a
 * drive without READ(10).  Also the sense words and drive discovery in a
 * made-up sysfs tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats.h"
#include "gm_test.h"
#include "mmc.h"
#include "rip.h"

enum fake_kind { FAKE_MMC, FAKE_QEMU_ATAPI, FAKE_QEMU_SCSI };

struct fake {
	enum fake_kind kind;
	int32_t sectors;
	uint16_t profile;
	bool no_medium;
	int32_t bad_first, bad_last;	/* medium errors; first > last: none */
	long gone_after;		/* commands before it vanishes; < 0 never */
	long commands;
	bool no_read10;
	bool short_transfer;		/* READ(10) leaves its last sector out */
	bool ignore_selections;		/* READ CD: 2352 bytes whatever is asked */
	int32_t c2_lba;			/* READ CD flags C2 errors here (or -1) */
	unsigned closed;
};

static void user_pattern(int32_t lba, uint8_t *out)
{
	for (unsigned j = 0; j < GM_SECTOR_USER; j++)
		out[j] = (uint8_t)(lba * 7 + j * 13 + (j >> 8));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static enum gm_mmc_status check(struct gm_sense *s, uint8_t key, uint8_t asc,
				uint8_t ascq)
{
	memset(s, 0, sizeof(*s));
	s->key = key;
	s->asc = asc;
	s->ascq = ascq;
	return GM_MMC_CHECK;
}

/* Copy an answer into the caller's buffer, cut to its length. */
static void answer(uint8_t *buf, size_t len, const uint8_t *a, size_t alen)
{
	memcpy(buf, a, alen < len ? alen : len);
}

static void raw_sector(const struct fake *f, int32_t lba, uint8_t *out)
{
	uint8_t user[GM_SECTOR_USER];

	user_pattern(lba, user);
	gm_sector_encode_mode1(out, lba, user);
	if (f->kind == FAKE_QEMU_ATAPI) {
		/* binary address, no EDC, no ECC */
		out[12] = (uint8_t)((lba + 150) / 4500);
		out[13] = (uint8_t)((lba + 150) / 75 % 60);
		out[14] = (uint8_t)((lba + 150) % 75);
		memset(out + 16 + GM_SECTOR_USER, 0, GM_SECTOR_RAW - 16 - GM_SECTOR_USER);
	}
}

static void subchannel(int32_t lba, uint8_t *out)
{
	uint8_t deint[GM_SUB_SIZE];
	struct gm_subq q;

	memset(&q, 0, sizeof(q));
	q.control = 4;
	q.adr = 1;
	q.track = 1;
	q.index = 1;
	gm_lba_to_msf(lba - GM_LBA_PREGAP, &q.rel);
	gm_lba_to_msf(lba, &q.abs);
	memset(deint, 0, sizeof(deint));
	gm_subq_encode(&q, deint + 12);
	gm_sub_interleave(deint, out);
}

static enum gm_mmc_status read_cd(struct fake *f, const uint8_t *cdb, uint8_t *buf,
				  size_t len, struct gm_sense *sense)
{
	int32_t lba = (int32_t)get32(cdb + 2);
	uint32_t count = (uint32_t)cdb[6] << 16 | (uint32_t)cdb[7] << 8 | cdb[8];
	size_t size = GM_SECTOR_RAW, at = 0;
	uint8_t sector[GM_SECTOR_RAW];

	if (f->kind == FAKE_QEMU_SCSI)
		return check(sense, 0x05, 0x20, 0x00);
	if (f->kind == FAKE_MMC && !f->ignore_selections) {
		if ((cdb[9] & 0x06) == 0x02)
			size += 294;
		if (cdb[10] == 0x01)
			size += GM_SUB_SIZE;
	}
	for (uint32_t i = 0; i < count; i++) {
		int32_t at_lba = lba + (int32_t)i;

		if (at_lba >= f->sectors)
			return check(sense, 0x05, 0x21, 0x00);
		if (at_lba >= f->bad_first && at_lba <= f->bad_last)
			return check(sense, 0x03, 0x11, 0x00);
		raw_sector(f, at_lba, sector);
		answer(buf + at, at < len ? len - at : 0, sector, GM_SECTOR_RAW);
		if (size > GM_SECTOR_RAW && at + GM_SECTOR_RAW < len) {
			uint8_t extra[294 + GM_SUB_SIZE];
			size_t n = 0;

			if ((cdb[9] & 0x06) == 0x02) {
				memset(extra, at_lba == f->c2_lba ? 0x10 : 0, 294);
				n = 294;
			}
			if (cdb[10] == 0x01) {
				subchannel(at_lba, extra + n);
				n += GM_SUB_SIZE;
			}
			answer(buf + at + GM_SECTOR_RAW, len - at - GM_SECTOR_RAW, extra, n);
		}
		at += size;
	}
	return GM_MMC_OK;
}

static enum gm_mmc_status read_user(struct fake *f, const uint8_t *cdb, uint8_t *buf,
				    size_t len, struct gm_sense *sense)
{
	int32_t lba = (int32_t)get32(cdb + 2);
	uint32_t count = cdb[0] == 0x28 ? get16(cdb + 7) : get32(cdb + 6);

	if (cdb[0] == 0x28 && f->no_read10)
		return check(sense, 0x05, 0x20, 0x00);
	for (uint32_t i = 0; i < count; i++) {
		int32_t at_lba = lba + (int32_t)i;

		if (at_lba >= f->sectors)
			return check(sense, 0x05, 0x21, 0x00);
		if (at_lba >= f->bad_first && at_lba <= f->bad_last) {
			check(sense, 0x03, 0x11, 0x05);
			sense->info_valid = true;
			sense->info = (uint32_t)at_lba;
			return GM_MMC_CHECK;
		}
		if (f->short_transfer && i + 1 == count && count > 1)
			break;
		if ((i + 1) * GM_SECTOR_USER <= len)
			user_pattern(at_lba, buf + i * GM_SECTOR_USER);
	}
	return GM_MMC_OK;
}

static enum gm_mmc_status read_toc(struct fake *f, const uint8_t *cdb, uint8_t *buf,
				   size_t len, struct gm_sense *sense)
{
	/* QEMU's ATAPI drive reads the format from byte 9 (SFF-8020i) */
	unsigned format = f->kind == FAKE_QEMU_ATAPI ? cdb[9] >> 6 : cdb[2] & 0x0f;
	uint8_t a[64];
	struct gm_msf lo;

	memset(a, 0, sizeof(a));
	switch (format) {
	case 0:
		set16(a, 2 + 2 * 8);
		a[2] = 1;
		a[3] = 1;
		a[5] = 0x14;
		a[6] = 1;
		a[13] = 0x14;
		a[14] = 0xaa;
		set32(a + 16, (uint32_t)f->sectors);
		answer(buf, len, a, 20);
		return GM_MMC_OK;
	case 1:
		set16(a, 10);
		a[2] = 1;
		a[3] = 1;
		a[5] = 0x14;
		a[6] = 1;
		answer(buf, len, a, 12);
		return GM_MMC_OK;
	case 2:
		set16(a, 2 + 4 * 11);
		a[2] = 1;
		a[3] = 1;
		gm_lba_to_msf(f->sectors, &lo);
		for (int i = 0; i < 4; i++) {
			uint8_t *d = a + 4 + i * 11;

			d[0] = 1;
			d[1] = 0x14;
			d[3] = i < 3 ? (uint8_t)(0xa0 + i) : 1;
		}
		a[4 + 8] = 1;		/* A0: first track 1 */
		a[4 + 11 + 8] = 1;	/* A1: last track 1 */
		a[4 + 22 + 8] = lo.m;
		a[4 + 22 + 9] = lo.s;
		a[4 + 22 + 10] = lo.f;
		a[4 + 33 + 9] = 2;	/* track 1 at 00:02:00 */
		answer(buf, len, a, 4 + 44);
		return GM_MMC_OK;
	default:
		return check(sense, 0x05, 0x24, 0x00);
	}
}

static enum gm_mmc_status configuration(struct fake *f, const uint8_t *cdb,
					uint8_t *buf, size_t len)
{
	uint16_t code = get16(cdb + 2);
	uint16_t current = f->no_medium ? 0 : f->profile;
	uint8_t a[32];
	size_t n = 8;

	memset(a, 0, sizeof(a));
	set16(a + 6, current);
	if (code == 0x0000) {
		set16(a + 8, 0);
		a[10] = 0x03;
		a[11] = 8;
		set16(a + 12, 0x0010);
		a[14] = current == 0x0010;
		set16(a + 16, 0x0008);
		a[18] = current == 0x0008;
		n = 20;
	} else if (code == 0x001e || code == 0x001f) {
		set16(a + 8, code);
		a[11] = 4;
		a[12] = code == 0x001e && f->kind == FAKE_MMC ? 0x03 : 0;
		n = 16;
	}
	set32(a, (uint32_t)(n - 4));
	answer(buf, len, a, n);
	return GM_MMC_OK;
}

static enum gm_mmc_status fake_run(void *arg, const uint8_t *cdb, size_t cdb_len,
				   enum gm_mmc_dir dir, uint8_t *buf, size_t len,
				   unsigned timeout_ms, struct gm_sense *sense,
				   int *err)
{
	struct fake *f = arg;
	uint8_t a[64];

	(void)cdb_len;
	(void)dir;
	(void)timeout_ms;
	*err = 0;
	if (f->gone_after >= 0 && f->commands >= f->gone_after) {
		*err = ENODEV;
		return GM_MMC_GONE;
	}
	f->commands++;
	if (f->no_medium && cdb[0] != 0x12 && cdb[0] != 0x46)
		return check(sense, 0x02, 0x3a, 0x00);
	memset(a, 0, sizeof(a));
	switch (cdb[0]) {
	case 0x00:
		return GM_MMC_OK;
	case 0x12:
		a[0] = 0x05;
		memcpy(a + 8, "FAKE    MMC DRIVE       1.00", 28);
		answer(buf, len, a, 36);
		return GM_MMC_OK;
	case 0x46:
		return configuration(f, cdb, buf, len);
	case 0x25:
		set32(a, (uint32_t)(f->sectors - 1));
		set32(a + 4, 2048);
		answer(buf, len, a, 8);
		return GM_MMC_OK;
	case 0x43:
		return read_toc(f, cdb, buf, len, sense);
	case 0x51:
		set16(a, 32);
		a[2] = 0x0e;
		a[4] = a[5] = a[6] = 1;
		answer(buf, len, a, 34);
		return GM_MMC_OK;
	case 0x52:
		if (f->kind != FAKE_MMC)
			return check(sense, 0x05, 0x20, 0x00);
		set16(a, 46);
		set32(a + 8, 0);
		set32(a + 24, (uint32_t)f->sectors);
		answer(buf, len, a, 48);
		return GM_MMC_OK;
	case 0x5a:
		set16(a, 6 + 28);
		a[8] = 0x2a;
		a[9] = 26;
		a[10] = 0x3b;
		a[13] = f->kind == FAKE_MMC ? 0x10 : 0;
		answer(buf, len, a, 36);
		return GM_MMC_OK;
	case 0xbe:
		return read_cd(f, cdb, buf, len, sense);
	case 0x28:
	case 0xa8:
		return read_user(f, cdb, buf, len, sense);
	case 0xad:
		if (f->profile != 0x0010 || cdb[7] != 0)
			return check(sense, 0x05, 0x24, 0x00);
		{
			uint8_t pfi[4 + 2048];

			memset(pfi, 0, sizeof(pfi));
			set16(pfi, 2050);
			pfi[4] = 0x01;		/* DVD-ROM, version 1 */
			pfi[6] = 0x01;
			set32(pfi + 8, 0x030000);
			set32(pfi + 12, 0x030000 + (uint32_t)f->sectors - 1);
			answer(buf, len, pfi, sizeof(pfi));
		}
		return GM_MMC_OK;
	case 0xbb:
		return GM_MMC_OK;
	default:	/* GET PERFORMANCE, SET STREAMING, ... */
		return check(sense, 0x05, 0x20, 0x00);
	}
}

static void fake_close(void *arg)
{
	((struct fake *)arg)->closed++;
}

static struct fake fake_new(enum fake_kind kind, int32_t sectors)
{
	struct fake f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.sectors = sectors;
	f.profile = 0x0008;
	f.bad_first = 1;
	f.bad_last = 0;
	f.gone_after = -1;
	f.c2_lba = -1;
	return f;
}

static int open_fake(struct fake *f, struct gm_ctx *ctx, struct gm_drive **drive)
{
	struct gm_mmc_io io = { fake_run, fake_close, f };

	return gm_drive_mmc_new(ctx, "/dev/fake", io, drive);
}

/* Take the journal; the caller frees it. */
static char *journal(struct gm_drive *drive)
{
	char *j = gm_drive_journal_take(drive);

	return j != NULL ? j : calloc(1, 1);
}

GM_TEST(mmc_good_drive_reads_raw_checked)
{
	struct fake f = fake_new(FAKE_MMC, 1000);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	const struct gm_drive_info *info;
	uint8_t *raw = malloc(40 * GM_SECTOR_RAW);
	uint8_t user[GM_SECTOR_USER];
	enum gm_read_result res[40];
	char *j;

	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	info = gm_drive_info(drive);
	CU_ASSERT_STRING_EQUAL(info->vendor, "FAKE");
	CU_ASSERT_STRING_EQUAL(info->product, "MMC DRIVE");
	CU_ASSERT_EQUAL(info->profile, 0x0008);
	CU_ASSERT_EQUAL(info->media, GM_MEDIA_CD);
	CU_ASSERT_EQUAL(info->sectors, 1000);
	CU_ASSERT_EQUAL(info->data_sectors, 1000);
	CU_ASSERT_TRUE(info->raw);
	CU_ASSERT_TRUE(info->c2);
	CU_ASSERT_TRUE(info->subchannel);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ CD raw: sync, header, EDC and ECC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "full TOC: 4 entries, 1 session"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "sessions 1-1; the last starts with track 1 "
				      "at LBA 0"));
	CU_ASSERT_PTR_NULL(strstr(j, "SFF-8020i"));
	free(j);
	/* 40 sectors: more than one command's worth */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 100, 40, true, raw, NULL, res), 0);
	for (int i = 0; i < 40; i++) {
		struct gm_sector_info si;

		CU_ASSERT_EQUAL(res[i], GM_READ_OK);
		CU_ASSERT_EQUAL(gm_sector_check(raw + i * GM_SECTOR_RAW, 100 + i, &si,
						NULL), GM_CHECK_GOOD);
		user_pattern(100 + i, user);
		CU_ASSERT_EQUAL(memcmp(raw + i * GM_SECTOR_RAW + 16, user,
				       GM_SECTOR_USER), 0);
	}
	gm_drive_close(drive);
	CU_ASSERT_EQUAL(f.closed, 1);
	free(raw);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_medium_error_fails_its_sectors_with_sense_in_journal)
{
	struct fake f = fake_new(FAKE_MMC, 1000);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	uint8_t *raw = malloc(8 * GM_SECTOR_RAW);
	enum gm_read_result res[8];
	char *j;

	f.bad_first = 500;
	f.bad_last = 500;
	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	free(gm_drive_journal_take(drive));
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 496, 8, true, raw, NULL, res), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(res[i], GM_READ_MEDIUM);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 501, 1, true, raw, NULL, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ CD at LBA 496 (8 sectors): MEDIUM ERROR "
				      "03/11/00: unrecovered read error"));
	free(j);
	gm_drive_close(drive);
	free(raw);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_qemu_atapi_raw_not_trusted_user_reads)
{
	struct fake f = fake_new(FAKE_QEMU_ATAPI, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	const struct gm_drive_info *info;
	uint8_t *data = malloc(64 * GM_SECTOR_USER);
	uint8_t user[GM_SECTOR_USER];
	enum gm_read_result res[64];
	char *j;

	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	info = gm_drive_info(drive);
	CU_ASSERT_FALSE(info->raw);
	CU_ASSERT_FALSE(info->c2);
	CU_ASSERT_FALSE(info->subchannel);
	CU_ASSERT_EQUAL(info->data_sectors, 800);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "binary instead of BCD header address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "(asked for in byte 9, SFF-8020i"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "is not a full TOC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ TOC format 1: the answer (20 bytes) is not "
				      "session information"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "sessions 1-1; the last starts with track 1 at "
				      "LBA 0 (asked for in byte 9, SFF-8020i)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "track 1 length from the TOC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ TRACK INFORMATION of track 1: ILLEGAL "
				      "REQUEST 05/20/00: invalid command operation code"));
	free(j);
	/* raw reads are refused by the drive layer now */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 0, 1, true, data, NULL, res),
			-GM_ERR_UNSUPPORTED);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 736, 64, false, data, NULL, res), 0);
	for (int i = 0; i < 64; i++) {
		CU_ASSERT_EQUAL(res[i], GM_READ_OK);
		user_pattern(736 + i, user);
		CU_ASSERT_EQUAL(memcmp(data + i * GM_SECTOR_USER, user, GM_SECTOR_USER), 0);
	}
	gm_drive_close(drive);
	free(data);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_ignored_c2_and_subchannel_selections_are_noticed)
{
	/* raw sectors right, but C2 and subchannel selections ignored: the
	   next sector's bytes arrive where C2 bits or subchannel belong */
	struct fake f = fake_new(FAKE_MMC, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	char *j;

	f.ignore_selections = true;
	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	CU_ASSERT_TRUE(gm_drive_info(drive)->raw);
	CU_ASSERT_FALSE(gm_drive_info(drive)->c2);
	CU_ASSERT_FALSE(gm_drive_info(drive)->subchannel);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ CD ignores the C2 selection"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ CD subchannel fails its check"));
	free(j);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_qemu_scsi_without_read_cd)
{
	struct fake f = fake_new(FAKE_QEMU_SCSI, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	char *j;

	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	CU_ASSERT_FALSE(gm_drive_info(drive)->raw);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ CD raw is refused: reading user data"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "full TOC: 4 entries"));
	free(j);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_no_medium_is_a_device_error)
{
	struct fake f = fake_new(FAKE_MMC, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive = NULL;

	f.no_medium = true;
	CU_ASSERT_EQUAL(open_fake(&f, ctx, &drive), -GM_ERR_DEVICE);
	CU_ASSERT_PTR_NULL(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "no medium in '/dev/fake' "
				      "(FAKE MMC DRIVE): NOT READY 02/3A/00: "
				      "medium not present"));
	CU_ASSERT_EQUAL(f.closed, 1);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_vanishing_drive_stops_reads)
{
	struct fake f = fake_new(FAKE_MMC, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	uint8_t *raw = malloc(64 * GM_SECTOR_RAW);
	enum gm_read_result res[64];

	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	f.gone_after = f.commands + 1;	/* one more command, then gone */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 0, 64, true, raw, NULL, res),
			-GM_ERR_DEVICE);
	for (int i = 0; i < 32; i++)
		CU_ASSERT_EQUAL(res[i], GM_READ_OK);
	for (int i = 32; i < 64; i++)
		CU_ASSERT_EQUAL(res[i], GM_READ_GONE);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "'/dev/fake' is gone at LBA 32"));
	gm_drive_close(drive);
	free(raw);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_success_without_transfer_is_a_failed_read)
{
	struct fake f = fake_new(FAKE_QEMU_SCSI, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	uint8_t *data = malloc(4 * GM_SECTOR_USER);
	enum gm_read_result res[4];
	char *j;

	f.short_transfer = true;
	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	free(gm_drive_journal_take(drive));
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 10, 4, false, data, NULL, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	CU_ASSERT_EQUAL(res[2], GM_READ_OK);
	CU_ASSERT_EQUAL(res[3], GM_READ_MEDIUM);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "success, but sector 13 was not transferred"));
	free(j);
	gm_drive_close(drive);
	free(data);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_read12_replaces_a_missing_read10)
{
	struct fake f = fake_new(FAKE_QEMU_SCSI, 800);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	uint8_t *data = malloc(2 * GM_SECTOR_USER);
	uint8_t user[GM_SECTOR_USER];
	enum gm_read_result res[2];
	char *j;

	f.no_read10 = true;
	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 5, 2, false, data, NULL, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	CU_ASSERT_EQUAL(res[1], GM_READ_OK);
	user_pattern(6, user);
	CU_ASSERT_EQUAL(memcmp(data + GM_SECTOR_USER, user, GM_SECTOR_USER), 0);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "READ(10) is not supported: READ(12)"));
	free(j);
	gm_drive_close(drive);
	free(data);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_dvd_profile_and_structures)
{
	struct fake f = fake_new(FAKE_MMC, 400000);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	char *j;

	f.profile = 0x0010;
	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	CU_ASSERT_EQUAL(gm_drive_info(drive)->media, GM_MEDIA_DVD);
	CU_ASSERT_EQUAL(gm_drive_info(drive)->data_sectors, 400000);
	CU_ASSERT_FALSE(gm_drive_info(drive)->raw);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "medium: DVD-ROM (profile 0010h), 400000 sectors"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "DVD physical format information: DVD-ROM, 1 layer, "
				      "data PSN 030000-091A7F"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "DVD burst cutting area: none"));
	free(j);
	CU_ASSERT_EQUAL(gm_drive_set_speed(ctx, drive, 4), 0);
	j = journal(drive);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "SET STREAMING: ILLEGAL REQUEST"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "read speed set with SET CD SPEED"));
	free(j);
	gm_drive_close(drive);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_describe_without_medium)
{
	struct fake f = fake_new(FAKE_MMC, 800);
	struct gm_mmc_io io = { fake_run, fake_close, &f };
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_caps caps;

	f.no_medium = true;
	memset(&caps, 0, sizeof(caps));
	CU_ASSERT_EQUAL(gm_mmc_describe(ctx, "/dev/fake", &io, &caps), 0);
	CU_ASSERT_FALSE(caps.medium);
	CU_ASSERT_EQUAL(caps.current, 0);
	CU_ASSERT_EQUAL(caps.nprofiles, 2);
	CU_ASSERT_EQUAL(caps.profiles[0], 0x0010);
	CU_ASSERT_EQUAL(caps.profiles[1], 0x0008);
	CU_ASSERT_TRUE(caps.cd_read);
	CU_ASSERT_TRUE(caps.dvd_read);
	CU_ASSERT_FALSE(caps.bd_read);
	CU_ASSERT_TRUE(caps.c2);
	CU_ASSERT_TRUE(caps.cd_text);
	CU_ASSERT_PTR_NOT_NULL(strstr(caps.status, "medium not present"));
	CU_ASSERT_EQUAL(f.closed, 0);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_sense_and_profile_words)
{
	struct gm_sense s = { 0x03, 0x11, 0x05, false, 0 };

	CU_ASSERT_STRING_EQUAL(gm_sense_text(&s), "L-EC uncorrectable error");
	s.ascq = 0x42;
	CU_ASSERT_STRING_EQUAL(gm_sense_text(&s), "unrecovered read error");
	s.asc = 0x3a;
	s.ascq = 0x02;
	CU_ASSERT_STRING_EQUAL(gm_sense_text(&s), "medium not present, tray open");
	s.asc = 0x99;
	CU_ASSERT_STRING_EQUAL(gm_sense_text(&s), "vendor-specific condition");
	CU_ASSERT_STRING_EQUAL(gm_sense_key_name(0x05), "ILLEGAL REQUEST");
	CU_ASSERT_STRING_EQUAL(gm_profile_name(0x002b), "DVD+R DL");
	CU_ASSERT_STRING_EQUAL(gm_profile_name(0x0043), "BD-RE");
	CU_ASSERT_STRING_EQUAL(gm_profile_name(0x0077), "unknown");
}

static void mkdirs(const char *root, const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, path);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

GM_TEST(mmc_drives_found_in_sysfs)
{
	char root[] = "/tmp/gm-unit-sysfs.XXXXXX", cmd[128];
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_caps *list;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	mkdirs(root, "class/block/sr10/device/scsi_generic/sg4");
	mkdirs(root, "class/block/sr2/device/scsi_generic/sg1");
	mkdirs(root, "class/block/sr0/device");
	mkdirs(root, "class/block/sda/device/scsi_generic/sg0");
	mkdirs(root, "class/block/srx");
	CU_ASSERT_EQUAL(gm_drive_list(ctx, root, false, &list, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(list[0].sr, "/dev/sr0");
	CU_ASSERT_STRING_EQUAL(list[0].sg, "");
	CU_ASSERT_STRING_EQUAL(list[1].sr, "/dev/sr2");
	CU_ASSERT_STRING_EQUAL(list[1].sg, "/dev/sg1");
	CU_ASSERT_STRING_EQUAL(list[2].sr, "/dev/sr10");
	CU_ASSERT_STRING_EQUAL(list[2].sg, "/dev/sg4");
	free(list);
	CU_ASSERT_EQUAL(gm_drive_list(ctx, "/nonexistent", false, &list, &n),
			-GM_ERR_DEVICE);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
	gm_ctx_free(ctx);
}

GM_TEST(mmc_c2_pointers_are_split_from_the_sectors)
{
	struct fake f = fake_new(FAKE_MMC, 1000);
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	uint8_t *raw = malloc(40 * GM_SECTOR_RAW), *c2 = malloc(40 * GM_DRIVE_C2_SIZE);
	enum gm_read_result res[40];

	CU_ASSERT_EQUAL_FATAL(open_fake(&f, ctx, &drive), 0);
	CU_ASSERT_TRUE_FATAL(gm_drive_info(drive)->c2);
	memset(c2, 0xee, 40 * GM_DRIVE_C2_SIZE);
	f.c2_lba = 233;
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 200, 40, true, raw, c2, res), 0);
	CU_ASSERT_EQUAL(res[33], GM_READ_C2);
	CU_ASSERT_EQUAL(c2[33 * GM_DRIVE_C2_SIZE + 7], 0x10);
	memset(c2 + 33 * GM_DRIVE_C2_SIZE, 0, GM_DRIVE_C2_SIZE);
	for (int i = 0; i < 40; i++) {
		if (i == 33)
			continue;
		CU_ASSERT_EQUAL(res[i], GM_READ_OK);
		CU_ASSERT_EQUAL(gm_sector_check(raw + i * GM_SECTOR_RAW, 200 + i, NULL, NULL),
				GM_CHECK_GOOD);
		for (int k = 0; k < GM_DRIVE_C2_SIZE; k++)
			if (c2[i * GM_DRIVE_C2_SIZE + k] != 0) {
				CU_FAIL("C2 bits where the drive gave none");
				break;
			}
	}
	gm_drive_close(drive);
	free(raw);
	free(c2);
	gm_ctx_free(ctx);
}
