/*
 * mmc_sense.c - words for what MMC drives answer: sense keys and the
 * additional sense codes optical drives use (SPC-3 4.5.6 and Annex D,
 * MMC-6 Annex F) and its parsing (fixed and descriptor formats), command names for the log (MMC-6 table 3 and SPC-3), and
 * profile names (MMC-6 5.3.1, table 91).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "mmc.h"
#include "banned.h"

const char *gm_sense_key_name(uint8_t key)
{
	static const char *const names[16] = {
		"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
		"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION",
		"DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED",
		"ABORTED COMMAND", "OBSOLETE", "VOLUME OVERFLOW", "MISCOMPARE",
		"RESERVED"
	};

	return names[key & 0x0f];
}

/* asc, ascq (0xff: any qualifier), text; the most specific entry first. */
static const struct {
	uint8_t asc, ascq;
	const char *text;
} codes[] = {
	{ 0x00, 0x00, "no additional sense information" },
	{ 0x02, 0x00, "no seek complete" },
	{ 0x04, 0x00, "logical unit not ready, cause not reportable" },
	{ 0x04, 0x01, "logical unit is becoming ready" },
	{ 0x04, 0x02, "logical unit not ready, initializing command required" },
	{ 0x04, 0x03, "logical unit not ready, manual intervention required" },
	{ 0x04, 0x07, "logical unit not ready, operation in progress" },
	{ 0x04, 0x08, "logical unit not ready, long write in progress" },
	{ 0x04, 0xff, "logical unit not ready" },
	{ 0x05, 0x00, "logical unit does not respond to selection" },
	{ 0x06, 0x00, "no reference position found" },
	{ 0x08, 0x00, "logical unit communication failure" },
	{ 0x08, 0x01, "logical unit communication time-out" },
	{ 0x09, 0x00, "track following error" },
	{ 0x09, 0x01, "tracking servo failure" },
	{ 0x09, 0x02, "focus servo failure" },
	{ 0x09, 0x03, "spindle servo failure" },
	{ 0x11, 0x00, "unrecovered read error" },
	{ 0x11, 0x01, "read retries exhausted" },
	{ 0x11, 0x02, "error too long to correct" },
	{ 0x11, 0x05, "L-EC uncorrectable error" },
	{ 0x11, 0x06, "CIRC unrecovered error" },
	{ 0x11, 0x0f, "error reading UPC/EAN number" },
	{ 0x11, 0x10, "error reading ISRC number" },
	{ 0x11, 0xff, "unrecovered read error" },
	{ 0x15, 0x00, "random positioning error" },
	{ 0x15, 0x01, "mechanical positioning error" },
	{ 0x15, 0x02, "positioning error detected by read of medium" },
	{ 0x17, 0xff, "recovered data with retries" },
	{ 0x18, 0xff, "recovered data with error correction" },
	{ 0x1a, 0x00, "parameter list length error" },
	{ 0x20, 0x00, "invalid command operation code" },
	{ 0x21, 0x00, "logical block address out of range" },
	{ 0x21, 0x02, "invalid address for write" },
	{ 0x24, 0x00, "invalid field in CDB" },
	{ 0x25, 0x00, "logical unit not supported" },
	{ 0x26, 0x00, "invalid field in parameter list" },
	{ 0x28, 0x00, "not ready to ready change, medium may have changed" },
	{ 0x29, 0xff, "power on, reset, or bus device reset occurred" },
	{ 0x2a, 0xff, "parameters changed" },
	{ 0x2c, 0x00, "command sequence error" },
	{ 0x30, 0x00, "incompatible medium installed" },
	{ 0x30, 0x01, "cannot read medium, unknown format" },
	{ 0x30, 0x02, "cannot read medium, incompatible format" },
	{ 0x30, 0x07, "cleaning failure" },
	{ 0x30, 0xff, "incompatible medium installed" },
	{ 0x31, 0x00, "medium format corrupted" },
	{ 0x3a, 0x00, "medium not present" },
	{ 0x3a, 0x01, "medium not present, tray closed" },
	{ 0x3a, 0x02, "medium not present, tray open" },
	{ 0x3a, 0xff, "medium not present" },
	{ 0x3e, 0x02, "timeout on logical unit" },
	{ 0x44, 0x00, "internal target failure" },
	{ 0x47, 0xff, "SCSI parity error" },
	{ 0x4e, 0x00, "overlapped commands attempted" },
	{ 0x53, 0x02, "medium removal prevented" },
	{ 0x57, 0x00, "unable to recover table of contents" },
	{ 0x5a, 0x01, "operator medium removal request" },
	{ 0x5d, 0xff, "failure prediction threshold exceeded" },
	{ 0x63, 0x00, "end of user area encountered on this track" },
	{ 0x64, 0x00, "illegal mode for this track" },
	{ 0x64, 0x01, "invalid packet size" },
	{ 0x6f, 0x00, "copy protection key exchange failure, authentication "
		      "failure" },
	{ 0x6f, 0x01, "copy protection key exchange failure, key not present" },
	{ 0x6f, 0x02, "copy protection key exchange failure, key not "
		      "established" },
	{ 0x6f, 0x03, "read of scrambled sector without authentication" },
	{ 0x6f, 0x04, "media region code is mismatched to logical unit region" },
	{ 0x6f, 0xff, "copy protection failure" },
	{ 0x72, 0xff, "session fixation error" },
	{ 0x73, 0xff, "CD control error" },
};

const char *gm_sense_text(const struct gm_sense *sense)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].asc == sense->asc
		    && (codes[i].ascq == sense->ascq || codes[i].ascq == 0xff))
			return codes[i].text;
	if (sense->asc >= 0x80)
		return "vendor-specific condition";
	return "condition not known to glassmaster";
}

const char *gm_mmc_command_name(uint8_t opcode)
{
	switch (opcode) {
	case 0x00: return "TEST UNIT READY";
	case 0x12: return "INQUIRY";
	case 0x25: return "READ CAPACITY";
	case 0x28: return "READ(10)";
	case 0x43: return "READ TOC/PMA/ATIP";
	case 0x46: return "GET CONFIGURATION";
	case 0x51: return "READ DISC INFORMATION";
	case 0x52: return "READ TRACK INFORMATION";
	case 0x5a: return "MODE SENSE(10)";
	case 0xa8: return "READ(12)";
	case 0xac: return "GET PERFORMANCE";
	case 0xad: return "READ DISC STRUCTURE";
	case 0xb6: return "SET STREAMING";
	case 0xbb: return "SET CD SPEED";
	case 0xbe: return "READ CD";
	default: return "command";
	}
}

const char *gm_profile_name(uint16_t profile)
{
	switch (profile) {
	case 0x0000: return "none";
	case 0x0001: return "non-removable disk";
	case 0x0002: return "removable disk";
	case 0x0008: return "CD-ROM";
	case 0x0009: return "CD-R";
	case 0x000a: return "CD-RW";
	case 0x0010: return "DVD-ROM";
	case 0x0011: return "DVD-R";
	case 0x0012: return "DVD-RAM";
	case 0x0013: return "DVD-RW restricted overwrite";
	case 0x0014: return "DVD-RW";
	case 0x0015: return "DVD-R DL";
	case 0x0016: return "DVD-R DL layer jump";
	case 0x0017: return "DVD-RW DL";
	case 0x0018: return "DVD-Download";
	case 0x001a: return "DVD+RW";
	case 0x001b: return "DVD+R";
	case 0x002a: return "DVD+RW DL";
	case 0x002b: return "DVD+R DL";
	case 0x0040: return "BD-ROM";
	case 0x0041: return "BD-R SRM";
	case 0x0042: return "BD-R RRM";
	case 0x0043: return "BD-RE";
	case 0x0050: return "HD DVD-ROM";
	case 0x0051: return "HD DVD-R";
	case 0x0052: return "HD DVD-RAM";
	case 0x0053: return "HD DVD-RW";
	case 0x0058: return "HD DVD-R DL";
	case 0x005a: return "HD DVD-RW DL";
	default: return "unknown";
	}
}

void gm_sense_parse(const uint8_t *s, size_t n, struct gm_sense *sense)
{
	memset(sense, 0, sizeof(*sense));
	if (n < 3)
		return;
	if ((s[0] & 0x7e) == 0x72) {	/* descriptor format */
		sense->key = s[1] & 0x0f;
		sense->asc = s[2];
		sense->ascq = n > 3 ? s[3] : 0;
		return;
	}
	sense->key = s[2] & 0x0f;
	if (n >= 14) {
		sense->asc = s[12];
		sense->ascq = s[13];
	}
	if (n >= 7 && (s[0] & 0x80)) {
		sense->info_valid = true;
		sense->info = (uint32_t)s[3] << 24 | (uint32_t)s[4] << 16
			      | (uint32_t)s[5] << 8 | s[6];
	}
}
