/*
 * faults.h - fault scripts (glassmaster-faults(5)): what a damaged disc
 * and a failing drive do to reads, decided sector by sector and read by
 * read, deterministically for a seed.  Used by the simulated drive
 * (drive_sim.c) and by the emulated MMC drive (mmc_emu.c, and so `serve
 * --faults`).  Not installed.
 */
#ifndef GM_FAULTS_H
#define GM_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "rip.h"

struct gm_faults;

/*
 * Parse the script at path for a disc of sectors sectors (LBA 0 to
 * sectors - 1); a malformed line is -GM_ERR_FORMAT naming the script and
 * the line.
 */
int gm_faults_load(struct gm_ctx *ctx, const char *path, int32_t sectors,
		   struct gm_faults **out);
void gm_faults_free(struct gm_faults *f);

/* after-reads N vanish: N, or UINT64_MAX when the drive never vanishes. */
uint64_t gm_faults_vanish_after(const struct gm_faults *f);

/* Count one sector read against after-reads N vanish: true once N reads
   were counted (the drive is gone; nothing more is counted). */
bool gm_faults_vanished(struct gm_faults *f);

/* Whether the drive vanished already (counting nothing). */
bool gm_faults_gone(struct gm_faults *f);

/* Q one sector early (a drive returning subchannel a sector late), with
   a good CRC: ADR 1 frames of raw interleaved P-W only. */
void gm_faults_shift_q(uint8_t *sub);

/* Sleep ns nanoseconds (through signals). */
void gm_faults_sleep(uint64_t ns);

/* The delay of one request over lba .. lba + count - 1 (slow lines), ns. */
uint64_t gm_faults_delay(const struct gm_faults *f, int32_t lba, uint32_t count);

/*
 * One read of lba, whose data (raw: the 2352-byte sector; else its 2048
 * bytes of user data) was read right: count the read and do what the first
 * data line holding lba says.  c2 (GM_DRIVE_C2_SIZE bytes, may be NULL)
 * gets the C2 bits of damaged bytes ORed in; sub (96 bytes of raw
 * interleaved P-W, may be NULL) has its Q damaged by subq-bad and
 * subq-shift.  Safe for drives sharing f on several threads.  Returns GM_READ_OK, GM_READ_MEDIUM (data zeroed) or
 * GM_READ_C2.
 */
enum gm_read_result gm_faults_read(struct gm_faults *f, int32_t lba, bool raw,
				   uint8_t *data, uint8_t *c2, uint8_t *sub);

#endif
