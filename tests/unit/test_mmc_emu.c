/*
 * test_mmc_emu.c - the emulated MMC drive (rip/mmc_emu.c): the real MMC
 * back end (drive_mmc.c) probes it and reads through it as through a
 * drive, and its answers to single commands are held against what MMC-6
 * and SPC-3 say (READ CD fields, expected sector types, TOC formats,
 * GET CONFIGURATION, sense).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "formats.h"
#include "gm_test.h"
#include "mmc.h"
#include "rip.h"

#define DATA 300
#define AUDIO 120

static char dir[64];

static void user_pattern(int32_t lba, uint8_t *out)
{
	for (unsigned j = 0; j < GM_SECTOR_USER; j++)
		out[j] = (uint8_t)(lba * 5 + j * 11 + (j >> 7));
}

static uint8_t sample(size_t i)
{
	return (uint8_t)(i * 37 + (i >> 9));
}

/* dir/d.iso (DATA sectors), and dir/m.cue: a raw Mode 1 track of DATA
   sectors, then audio with a 75-sector INDEX 00, AUDIO sectors in all. */
static void make_images(void)
{
	uint8_t user[GM_SECTOR_USER], raw[GM_SECTOR_RAW];
	char path[128];
	FILE *iso, *bin, *cue;

	snprintf(dir, sizeof(dir), "/tmp/gm-emu.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.iso", dir);
	iso = fopen(path, "wb");
	snprintf(path, sizeof(path), "%s/m.bin", dir);
	bin = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(iso);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
	for (int32_t lba = 0; lba < DATA; lba++) {
		user_pattern(lba, user);
		fwrite(user, 1, sizeof(user), iso);
		gm_sector_encode_mode1(raw, lba, user);
		fwrite(raw, 1, sizeof(raw), bin);
	}
	for (size_t i = 0; i < (size_t)AUDIO * GM_SECTOR_RAW; i++)
		fputc(sample(i), bin);
	fclose(iso);
	fclose(bin);
	snprintf(path, sizeof(path), "%s/m.cue", dir);
	cue = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cue);
	fprintf(cue, "CATALOG 0123456789012\nTITLE \"Emulated Disc\"\n"
		"FILE \"m.bin\" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n"
		"  TRACK 02 AUDIO\n    TITLE \"Sine\"\n    ISRC USABC9912345\n"
		"    INDEX 00 00:04:00\n    INDEX 01 00:05:00\n");
	fclose(cue);
}

static void remove_images(void)
{
	const char *names[] = { "d.iso", "m.bin", "m.cue" };
	char path[128];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static struct gm_mmc_io open_emu(struct gm_ctx *ctx, const char *name)
{
	struct gm_mmc_io io;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CU_ASSERT_EQUAL_FATAL(gm_mmc_emu_open(ctx, path, NULL, &io), 0);
	return io;
}

static enum gm_mmc_status cmd(struct gm_mmc_io *io, const uint8_t *cdb, size_t n,
			      uint8_t *buf, size_t len, struct gm_sense *sense)
{
	int err;

	return io->run(io->arg, cdb, n, GM_MMC_IN, buf, len, 1000, sense, &err);
}

GM_TEST(emu_mmc_backend_reads_an_iso_as_a_cd_drive)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive *drive;
	const struct gm_drive_info *info;
	uint8_t *raw = malloc(50 * GM_SECTOR_RAW), *c2 = malloc(50 * 294);
	uint8_t user[GM_SECTOR_USER];
	enum gm_read_result res[50];

	make_images();
	CU_ASSERT_EQUAL_FATAL(gm_drive_mmc_new(ctx, "emu", open_emu(ctx, "d.iso"), &drive), 0);
	info = gm_drive_info(drive);
	CU_ASSERT_STRING_EQUAL(info->vendor, "GLASSMST");
	CU_ASSERT_EQUAL(info->profile, 0x0008);
	CU_ASSERT_EQUAL(info->media, GM_MEDIA_CD);
	CU_ASSERT_EQUAL(info->sectors, DATA);
	CU_ASSERT_EQUAL(info->data_sectors, DATA);
	/* the back end trusts READ CD only once its sectors check out */
	CU_ASSERT_TRUE(info->raw);
	CU_ASSERT_TRUE(info->c2);
	CU_ASSERT_TRUE(info->subchannel);
	/* 50 raw sectors: two commands' worth, each sector checked */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, 200, 50, true, raw, c2, res), 0);
	for (int i = 0; i < 50; i++) {
		struct gm_sector_info si;

		CU_ASSERT_EQUAL(res[i], GM_READ_OK);
		CU_ASSERT_EQUAL(gm_sector_check(raw + i * GM_SECTOR_RAW, 200 + i, &si, NULL),
				GM_CHECK_GOOD);
		user_pattern(200 + i, user);
		CU_ASSERT_EQUAL(memcmp(raw + i * GM_SECTOR_RAW + 16, user, GM_SECTOR_USER), 0);
	}
	/* the last sector is readable, the one after is out of range */
	CU_ASSERT_EQUAL(gm_drive_read(ctx, drive, DATA - 1, 1, false, raw, NULL, res), 0);
	CU_ASSERT_EQUAL(res[0], GM_READ_OK);
	user_pattern(DATA - 1, user);
	CU_ASSERT_EQUAL(memcmp(raw, user, GM_SECTOR_USER), 0);
	gm_drive_close(drive);
	free(raw);
	free(c2);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_read_cd_of_audio_and_data_with_subchannel)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t *buf = malloc(4 * (GM_SECTOR_RAW + 296 + 96));
	uint8_t cdb[12], q[12];
	struct gm_subq sq;
	int32_t audio0 = DATA, audio1 = DATA + 75;

	make_images();
	io = open_emu(ctx, "m.cue");
	/* READ CD of two audio sectors, raw P-W: the samples, then Q of track 2 */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xbe;
	cdb[1] = 1 << 2;	/* CD-DA only */
	gm_put_be32(cdb + 2, (uint32_t)audio1);
	cdb[8] = 2;
	cdb[9] = 0x10;
	cdb[10] = 0x01;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, 2 * (GM_SECTOR_RAW + 96), &sense), GM_MMC_OK);
	for (size_t i = 0; i < GM_SECTOR_RAW; i += 97)
		CU_ASSERT_EQUAL(buf[GM_SECTOR_RAW + 96 + i],
				sample((size_t)(audio1 + 1 - DATA) * GM_SECTOR_RAW + i));
	/* (the second: the first's is an MCN frame, absolute frame 25) */
	gm_sub_channel(buf + 2 * GM_SECTOR_RAW + 96, GM_SUB_Q, q);
	CU_ASSERT_TRUE(gm_subq_crc_ok(q));
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 1);
	CU_ASSERT_EQUAL(sq.track, 2);
	CU_ASSERT_EQUAL(sq.index, 1);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.adr, 2);
	CU_ASSERT_STRING_EQUAL(sq.mcn, "0123456789012");
	/* in the pregap, formatted Q (010b): index 0 */
	gm_put_be32(cdb + 2, (uint32_t)audio0);
	cdb[8] = 1;
	cdb[10] = 0x02;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 16, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(gm_subq_decode(buf + GM_SECTOR_RAW, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.track, 2);
	CU_ASSERT_EQUAL(sq.index, 0);
	/* before LBA 0, the unstored pregap of track 1: index 0 counting
	   down to LBA 0, P set */
	cdb[1] = 0;
	gm_put_be32(cdb + 2, (uint32_t)-100);
	cdb[9] = 0xf8;
	cdb[10] = 0x01;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 96, &sense), GM_MMC_OK);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_TRUE(gm_subq_crc_ok(q));
	CU_ASSERT_EQUAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
	CU_ASSERT_EQUAL(sq.track, 1);
	CU_ASSERT_EQUAL(sq.index, 0);
	CU_ASSERT_EQUAL(sq.rel.s * 75 + sq.rel.f, 100);
	CU_ASSERT_EQUAL(sq.abs.s * 75 + sq.abs.f, 50);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_P, q);
	CU_ASSERT_EQUAL(q[0], 0xff);
	CU_ASSERT_EQUAL(q[11], 0xff);
	cdb[9] = 0x10;
	cdb[10] = 0x02;
	/* a data sector read as CD-DA, and audio read as Mode 1: refused */
	cdb[1] = 1 << 2;
	gm_put_be32(cdb + 2, 10);
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 16, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.key, 0x05);
	CU_ASSERT_EQUAL(sense.asc, 0x64);
	cdb[1] = 2 << 2;
	gm_put_be32(cdb + 2, (uint32_t)audio1);
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 16, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x64);
	/* Mode 1 user data only (10h), then user data + EDC/ECC (18h) */
	cdb[1] = 2 << 2;
	gm_put_be32(cdb + 2, 7);
	cdb[9] = 0x10;
	cdb[10] = 0;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_USER, &sense), GM_MMC_OK);
	{
		uint8_t user[GM_SECTOR_USER], raw[GM_SECTOR_RAW];

		user_pattern(7, user);
		CU_ASSERT_EQUAL(memcmp(buf, user, GM_SECTOR_USER), 0);
		cdb[9] = 0x18;
		CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, 2336, &sense), GM_MMC_OK);
		gm_sector_encode_mode1(raw, 7, user);
		CU_ASSERT_EQUAL(memcmp(buf, raw + 16, 2336), 0);
		/* everything and C2 pointers (01b): 2352 + 294 */
		cdb[9] = 0xfa;
		CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 294, &sense),
				      GM_MMC_OK);
		CU_ASSERT_EQUAL(memcmp(buf, raw, GM_SECTOR_RAW), 0);
		/* the block error byte too (10b): not on a 294-byte C2 drive */
		cdb[9] = 0xfc;
		CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 296, &sense),
				GM_MMC_CHECK);
		CU_ASSERT_EQUAL(sense.asc, 0x24);
	}
	/* READ(10) of audio is an illegal mode for the track */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x28;
	gm_put_be32(cdb + 2, (uint32_t)audio1);
	cdb[8] = 1;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 10, buf, GM_SECTOR_USER, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x64);
	io.close(io.arg);
	free(buf);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_toc_configuration_and_sense)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t buf[1024], cdb[12];

	make_images();
	io = open_emu(ctx, "m.cue");
	/* READ TOC format 0 in LBA: tracks 1 and 2, lead-out AAh */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x43;
	cdb[8] = 200;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 200, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(gm_be16(buf), 2 + 3 * 8);
	CU_ASSERT_EQUAL(buf[2], 1);
	CU_ASSERT_EQUAL(buf[3], 2);
	CU_ASSERT_EQUAL(buf[5], 0x14);	/* ADR 1, data */
	CU_ASSERT_EQUAL(gm_be32(buf + 8), 0);
	CU_ASSERT_EQUAL(buf[13], 0x10);	/* audio */
	CU_ASSERT_EQUAL(gm_be32(buf + 16), DATA + 75);
	CU_ASSERT_EQUAL(buf[22], 0xaa);
	CU_ASSERT_EQUAL(gm_be32(buf + 24), DATA + AUDIO);
	/* in MSF: track 2 at 00:02:00 + 375 sectors = 00:07:00 */
	cdb[1] = 0x02;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 200, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[17], 0);
	CU_ASSERT_EQUAL(buf[18], 7);
	CU_ASSERT_EQUAL(buf[19], 0);
	/* full TOC: A0, A1, A2 and two points */
	cdb[1] = 0x02;
	cdb[2] = 0x02;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 200, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(gm_be16(buf), 2 + 5 * 11);
	CU_ASSERT_EQUAL(buf[4 + 3], 0xa0);
	CU_ASSERT_EQUAL(buf[4 + 8], 1);
	CU_ASSERT_EQUAL(buf[4 + 11 + 3], 0xa1);
	CU_ASSERT_EQUAL(buf[4 + 11 + 8], 2);
	CU_ASSERT_EQUAL(buf[4 + 22 + 3], 0xa2);
	CU_ASSERT_EQUAL(buf[4 + 22 + 9], (DATA + AUDIO + 150) / 75 % 60);
	/* GET CONFIGURATION, one feature: CD Read, current */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x46;
	cdb[1] = 0x02;
	cdb[3] = 0x1e;
	cdb[8] = 64;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 64, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(gm_be16(buf + 6), 0x0008);
	CU_ASSERT_EQUAL(gm_be16(buf + 8), 0x001e);
	CU_ASSERT_EQUAL(buf[10] & 0x01, 0x01);
	CU_ASSERT_EQUAL(buf[12] & 0x03, 0x03);	/* C2 flags, CD-Text */
	/* INQUIRY VPD 80h: a serial number */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x12;
	cdb[1] = 0x01;
	cdb[2] = 0x80;
	cdb[4] = 64;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 6, buf, 64, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[0], 0x05);
	CU_ASSERT_EQUAL(buf[1], 0x80);
	CU_ASSERT_EQUAL(buf[3], 8);
	/* a READ beyond the medium, then an unknown opcode; REQUEST SENSE
	   tells the last and clears it */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x28;
	gm_put_be32(cdb + 2, DATA + AUDIO);
	cdb[8] = 1;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 10, buf, GM_SECTOR_USER, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.key, 0x05);
	CU_ASSERT_EQUAL(sense.asc, 0x21);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xff;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 6, buf, 0, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x20);
	cdb[0] = 0x03;
	cdb[4] = 18;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 6, buf, 18, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[2] & 0x0f, 0x05);
	CU_ASSERT_EQUAL(buf[12], 0x20);
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 6, buf, 18, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[2] & 0x0f, 0x00);
	io.close(io.arg);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_drive_profile_sets_identity_offset_c2_and_overread)
{
	static const char text[] =
		"# a drive with a read offset\n"
		"vendor PLEXTOR\nproduct DVDR   PX-760A\nrevision 1.07\n"
		"read-offset 667\n  overread-leadout 100 \n"
		"c2 none\ncdda-data yes\nsubq-bad 10\nspeeds 4x 8x, 48x\n";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_profile prof;
	struct gm_mmc_io io;
	struct gm_sense sense;
	struct gm_drive *drive;
	uint8_t *buf = malloc(2 * (GM_SECTOR_RAW + 96)), cdb[12], q[12];
	char path[128];
	int32_t a = DATA + 80;

	make_images();
	gm_drive_profile_init(&prof);
	CU_ASSERT_EQUAL_FATAL(gm_drive_profile_parse(ctx, "px.profile", text,
						     sizeof(text) - 1, &prof), 0);
	CU_ASSERT_STRING_EQUAL(prof.product, "DVDR   PX-760A");
	CU_ASSERT_EQUAL(prof.read_offset, 667);
	CU_ASSERT_EQUAL(prof.nspeeds, 3);
	CU_ASSERT_EQUAL(prof.speeds[2], 48);
	snprintf(path, sizeof(path), "%s/m.cue", dir);
	CU_ASSERT_EQUAL_FATAL(gm_mmc_emu_open(ctx, path, &prof, &io), 0);
	/* the audio comes 667 samples (2668 bytes) late: LBA a begins with
	   the disc's bytes 2668 before a's */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xbe;
	gm_put_be32(cdb + 2, (uint32_t)a);
	cdb[8] = 1;
	cdb[9] = 0x10;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW, &sense), GM_MMC_OK);
	for (size_t i = 0; i < GM_SECTOR_RAW; i += 101)
		CU_ASSERT_EQUAL(buf[i], sample((size_t)(a - DATA) * GM_SECTOR_RAW - 2668 + i));
	/* C2 is refused; data reads as CD-DA */
	cdb[9] = 0xfa;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 294, &sense), GM_MMC_CHECK);
	cdb[1] = 1 << 2;
	cdb[9] = 0x10;
	gm_put_be32(cdb + 2, 20);
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW, &sense), GM_MMC_OK);
	/* past the lead-out: 100 sectors readable, of silence; then not */
	cdb[1] = 0;
	gm_put_be32(cdb + 2, DATA + AUDIO + 99);
	cdb[10] = 0x01;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 96, &sense), GM_MMC_OK);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_TRUE(gm_subq_crc_ok(q));
	CU_ASSERT_EQUAL(q[1], 0xaa);	/* the lead-out's Q */
	gm_put_be32(cdb + 2, DATA + AUDIO + 100);
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 96, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x21);
	/* one sector in 10 with a bad Q CRC */
	gm_put_be32(cdb + 2, DATA + 10);
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 96, &sense), GM_MMC_OK);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_FALSE(gm_subq_crc_ok(q));
	gm_put_be32(cdb + 2, DATA + 11);
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW + 96, &sense), GM_MMC_OK);
	gm_sub_channel(buf + GM_SECTOR_RAW, GM_SUB_Q, q);
	CU_ASSERT_TRUE(gm_subq_crc_ok(q));
	/* the MMC back end sees the identity and no C2 */
	CU_ASSERT_EQUAL_FATAL(gm_drive_mmc_new(ctx, "emu", io, &drive), 0);
	CU_ASSERT_STRING_EQUAL(gm_drive_info(drive)->vendor, "PLEXTOR");
	CU_ASSERT_STRING_EQUAL(gm_drive_info(drive)->product, "DVDR   PX-760A");
	CU_ASSERT_TRUE(gm_drive_info(drive)->raw);
	CU_ASSERT_FALSE(gm_drive_info(drive)->c2);
	gm_drive_close(drive);
	free(buf);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_drive_profile_errors_name_the_line)
{
	static const struct { const char *text, *error; } bad[] = {
		{ "vendor TOOLONGVENDOR\n", "line 1: vendor: 1 to 8 printable" },
		{ "# x\nread-offset 99999\n", "line 2: read-offset: samples" },
		{ "c2 295\n", "line 1: c2: none, 294 or 296" },
		{ "cdda-data maybe\n", "line 1: cdda-data: yes or no" },
		{ "speeds 4x 0x\n", "line 1: speeds: up to 16 speeds" },
		{ "\n\ncache-size 64\n", "line 3: unknown key" },
		{ "cache 70000\n", "line 1: cache: sectors, 0 to 65536" },
		{ "c2-offset -3000\n", "line 1: c2-offset: bytes" },
		{ "subq-bad\n", "line 1: subq-bad: no value" },
	};
	struct gm_ctx *ctx = gm_ctx_new();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gm_drive_profile p;

		gm_drive_profile_init(&p);
		CU_ASSERT_EQUAL(gm_drive_profile_parse(ctx, "x.profile", bad[i].text,
						       strlen(bad[i].text), &p),
				-GM_ERR_FORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), bad[i].error));
		CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "drive profile 'x.profile'"));
	}
	gm_ctx_free(ctx);
}

GM_TEST(emu_subchannel_cdtext_and_mode_select)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t buf[4096], cdb[12];
	int err;

	make_images();
	io = open_emu(ctx, "m.cue");
	/* READ SUB-CHANNEL: the MCN, then track 2's ISRC */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x42;
	cdb[2] = 0x40;
	cdb[3] = 0x02;
	cdb[8] = 24;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 24, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[4], 0x02);
	CU_ASSERT_EQUAL(buf[8] & 0x80, 0x80);
	CU_ASSERT_EQUAL(memcmp(buf + 9, "0123456789012", 13), 0);
	cdb[3] = 0x03;
	cdb[6] = 2;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 24, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[6], 2);
	CU_ASSERT_EQUAL(memcmp(buf + 9, "USABC9912345", 12), 0);
	cdb[6] = 9;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 10, buf, 24, &sense), GM_MMC_CHECK);
	/* the current position follows the last read: track 2, index 0 */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xbe;
	gm_put_be32(cdb + 2, DATA + 3);
	cdb[8] = 1;
	cdb[9] = 0x10;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, buf, GM_SECTOR_RAW, &sense), GM_MMC_OK);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x42;
	cdb[2] = 0x40;
	cdb[3] = 0x01;
	cdb[8] = 16;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 16, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(buf[6], 2);
	CU_ASSERT_EQUAL(buf[7], 0);
	CU_ASSERT_EQUAL(gm_be32(buf + 8), DATA + 3);
	/* READ TOC format 5: CD-TEXT packs whose CRCs hold, with the titles */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x43;
	cdb[2] = 0x05;
	gm_put_be16(cdb + 7, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, sizeof(buf), &sense), GM_MMC_OK);
	{
		size_t n = (gm_be16(buf) - 2) / 18;
		bool title = false;

		CU_ASSERT_TRUE(n >= 4);
		for (size_t k = 0; k < n; k++) {
			const uint8_t *p = buf + 4 + 18 * k;

			CU_ASSERT_EQUAL((uint16_t)~gm_crc16(p, 16), gm_be16(p + 16));
			title |= p[0] == 0x80 && memmem(p + 4, 12, "Emulated", 8) != NULL;
		}
		CU_ASSERT_TRUE(title);
	}
	/* MODE SELECT(10) of page 01h is taken; another page is not */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x55;
	cdb[1] = 0x10;
	cdb[8] = 20;
	memset(buf, 0, 20);
	buf[8] = 0x01;
	buf[9] = 10;
	CU_ASSERT_EQUAL(io.run(io.arg, cdb, 10, GM_MMC_OUT, buf, 20, 1000, &sense, &err),
			GM_MMC_OK);
	buf[8] = 0x2a;
	CU_ASSERT_EQUAL(io.run(io.arg, cdb, 10, GM_MMC_OUT, buf, 20, 1000, &sense, &err),
			GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x26);
	/* READ DISC STRUCTURE of a CD: incompatible medium */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xad;
	cdb[9] = 64;
	CU_ASSERT_EQUAL(cmd(&io, cdb, 12, buf, 64, &sense), GM_MMC_CHECK);
	CU_ASSERT_EQUAL(sense.asc, 0x30);
	io.close(io.arg);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_full_toc_of_forty_sessions)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t *buf = malloc(8192), cdb[12];
	char path[128];
	FILE *f;

	make_images();
	/* forty sessions of one audio track each: 160 entries */
	snprintf(path, sizeof(path), "%s/m.cue", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int s = 1; s <= 40; s++)	/* track s from sector 10 (s - 1) */
		fprintf(f, "FILE \"m.bin\" BINARY\nREM SESSION %02d\n  TRACK %02d AUDIO\n"
			"    INDEX 01 00:%02d:%02d\n", s, s, (s - 1) * 10 / 75,
			(s - 1) * 10 % 75);
	fclose(f);
	io = open_emu(ctx, "m.cue");
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x43;
	cdb[2] = 0x02;
	gm_put_be16(cdb + 7, 8192);
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, buf, 8192, &sense), GM_MMC_OK);
	/* A0, A1, A2 and the track a session, B0 in all but the last, C0
	   in the first */
	CU_ASSERT_EQUAL(gm_be16(buf), 2 + (40 * 4 + 39 + 1) * 11);
	CU_ASSERT_EQUAL(buf[3], 40);
	/* session 1: B0 names the next program area (session 2's track,
	   entry 9, its 150-sector pregap included), two mode-5 pointers and
	   the latest lead-out; then C0 */
	CU_ASSERT_EQUAL(buf[4 + 4 * 11 + 1] >> 4, 5);
	CU_ASSERT_EQUAL(buf[4 + 4 * 11 + 3], 0xb0);
	CU_ASSERT_EQUAL(buf[4 + 9 * 11 + 3], 2);
	CU_ASSERT_EQUAL((buf[4 + 4 * 11 + 4] * 60 + buf[4 + 4 * 11 + 5]) * 75
			+ buf[4 + 4 * 11 + 6] + 150,
			(buf[4 + 9 * 11 + 8] * 60 + buf[4 + 9 * 11 + 9]) * 75
			+ buf[4 + 9 * 11 + 10]);
	CU_ASSERT_EQUAL(buf[4 + 4 * 11 + 7], 2);
	CU_ASSERT_EQUAL(buf[4 + 4 * 11 + 8], 79);
	CU_ASSERT_EQUAL(buf[4 + 5 * 11 + 3], 0xc0);
	CU_ASSERT_EQUAL(buf[4 + 5 * 11 + 8], 95);
	/* session 2: no C0, one mode-5 pointer */
	CU_ASSERT_EQUAL(buf[4 + 10 * 11], 2);
	CU_ASSERT_EQUAL(buf[4 + 10 * 11 + 3], 0xb0);
	CU_ASSERT_EQUAL(buf[4 + 10 * 11 + 7], 1);
	CU_ASSERT_EQUAL(buf[4 + 11 * 11], 3);
	/* the last entry: track 40's point, in session 40, no B0 after it */
	CU_ASSERT_EQUAL(buf[4 + 199 * 11], 40);
	CU_ASSERT_EQUAL(buf[4 + 199 * 11 + 3], 40);
	io.close(io.arg);
	free(buf);
	remove_images();
	gm_ctx_free(ctx);
}

/* The emulated drive of the profile text over dir/d.iso. */
static struct gm_mmc_io open_profiled(struct gm_ctx *ctx, const char *text,
				      struct gm_drive_profile *prof)
{
	struct gm_mmc_io io;
	char path[128];

	gm_drive_profile_init(prof);
	CU_ASSERT_EQUAL_FATAL(gm_drive_profile_parse(ctx, "t.profile", text,
						     strlen(text), prof), 0);
	snprintf(path, sizeof(path), "%s/d.iso", dir);
	CU_ASSERT_EQUAL_FATAL(gm_mmc_emu_open(ctx, path, prof, &io), 0);
	return io;
}

/* READ CD of LBA lba with its C2 field (294 bytes) into buf. */
static enum gm_mmc_status read_c2(struct gm_mmc_io *io, int32_t lba, uint8_t *buf,
				  struct gm_sense *sense)
{
	uint8_t cdb[12] = { 0xbe };

	gm_put_be32(cdb + 2, (uint32_t)lba);
	cdb[8] = 1;
	cdb[9] = 0xfa;
	return cmd(io, cdb, 12, buf, GM_SECTOR_RAW + 294, sense);
}

GM_TEST(emu_faults_cache_and_c2_offset)
{
	static const char text[] = "cache 16\nc2-offset 8\n";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_profile prof;
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t a[GM_SECTOR_RAW + 294], b[GM_SECTOR_RAW + 294], good[GM_SECTOR_RAW];
	uint8_t user[GM_SECTOR_USER], cdb[10] = { 0x28 };
	char faults[128];
	FILE *f;
	bool shifted = true, any = false;

	make_images();
	io = open_profiled(ctx, text, &prof);
	CU_ASSERT_EQUAL(prof.cache, 16);
	CU_ASSERT_EQUAL(prof.c2_offset, 8);
	snprintf(faults, sizeof(faults), "%s/f.faults", dir);
	f = fopen(faults, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("100 c2\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(gm_mmc_emu_load_faults(ctx, &io, faults, NULL), 0);
	user_pattern(100, user);
	gm_sector_encode_mode1(good, 100, user);
	/* the first read: damaged, each damaged byte flagged 8 bytes later */
	CU_ASSERT_EQUAL_FATAL(read_c2(&io, 100, a, &sense), GM_MMC_OK);
	for (int k = 0; k < GM_SECTOR_RAW; k++) {
		bool flag = k + 8 < GM_SECTOR_RAW
			    && (a[GM_SECTOR_RAW + (k + 8) / 8] & (0x80 >> ((k + 8) % 8)));

		if (a[k] != good[k]) {
			any = true;
			if (k + 8 < GM_SECTOR_RAW && !flag)
				shifted = false;
		} else if (flag) {
			shifted = false;
		}
	}
	CU_ASSERT_TRUE(any);
	CU_ASSERT_TRUE(shifted);
	/* again: the cache serves the same bytes, and counts no read */
	CU_ASSERT_EQUAL_FATAL(read_c2(&io, 100, b, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(read_c2(&io, 100, b, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	/* the head moves far: the cache is gone; read 2 is damaged anew */
	CU_ASSERT_EQUAL_FATAL(read_c2(&io, 200, b, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL_FATAL(read_c2(&io, 100, b, &sense), GM_MMC_OK);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(b, good, GM_SECTOR_RAW), 0);
	/* READ(10) with FUA bypasses the cache: read 3 is right */
	cdb[1] = 0x08;
	gm_put_be32(cdb + 2, 100);
	cdb[8] = 1;
	CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 10, b, GM_SECTOR_USER, &sense), GM_MMC_OK);
	CU_ASSERT_EQUAL(memcmp(b, user, GM_SECTOR_USER), 0);
	io.close(io.arg);
	unlink(faults);
	remove_images();
	gm_ctx_free(ctx);
}

GM_TEST(emu_profile_subq_shift)
{
	static const char text[] = "subq-shift 7\n";
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_drive_profile prof;
	struct gm_mmc_io io;
	struct gm_sense sense;
	uint8_t cdb[12] = { 0xbe }, q[16];
	struct gm_subq sq;

	make_images();
	io = open_profiled(ctx, text, &prof);
	cdb[8] = 1;
	cdb[10] = 0x02;		/* formatted Q only */
	for (int32_t lba = 12; lba <= 14; lba++) {
		gm_put_be32(cdb + 2, (uint32_t)lba);
		CU_ASSERT_EQUAL_FATAL(cmd(&io, cdb, 12, q, sizeof(q), &sense), GM_MMC_OK);
		CU_ASSERT_EQUAL_FATAL(gm_subq_decode(q, &sq), GM_SUBQ_OK);
		/* LBA 14 (a multiple of 7) comes with the Q of LBA 13 */
		CU_ASSERT_EQUAL(gm_msf_to_lba(sq.abs), lba == 14 ? 13 : lba);
		CU_ASSERT_EQUAL(gm_msf_to_lba(sq.rel) + 150, lba == 14 ? 13 : lba);
	}
	io.close(io.arg);
	remove_images();
	gm_ctx_free(ctx);
}
