/*
 * mkraw.c - gm-mkraw, a test and benchmark helper: write a raw CD image of
 * encoded data sectors (Mode 1 or Mode 2 Form 1) filled from a file or from
 * a seeded pseudo-random stream, optionally with generated subchannel.
 *
 * usage: gm-mkraw [-m 1|2] [-s FIRST_LBA] [-n SECTORS] [-r SEED]
 *                 [-i INPUT] [-q] OUT
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

static uint64_t rng_state;

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 32);
}

int main(int argc, char **argv)
{
	long mode = 1, first = 0, count = 1000;
	unsigned long long seed = 1;
	const char *input = NULL;
	bool with_sub = false;
	FILE *in = NULL, *out;
	int c;

	while ((c = getopt(argc, argv, "m:s:n:r:i:q")) != -1) {
		switch (c) {
		case 'm': mode = strtol(optarg, NULL, 10); break;
		case 's': first = strtol(optarg, NULL, 10); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'r': seed = strtoull(optarg, NULL, 10); break;
		case 'i': input = optarg; break;
		case 'q': with_sub = true; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || (mode != 1 && mode != 2) || count < 0
	    || first < GM_LBA_MIN || first + count - 1 > GM_LBA_MAX)
		goto usage;
	if (input != NULL && (in = fopen(input, "rb")) == NULL) {
		perror(input);
		return 2;
	}
	out = fopen(argv[optind], "wb");
	if (out == NULL) {
		perror(argv[optind]);
		return 2;
	}
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;

	struct gm_q_track track = {.number = 1, .control = GM_CTL_DATA, .nindex = 1};
	struct gm_q_layout layout = {.tracks = &track, .ntracks = 1,
				     .leadout = (int32_t)(first + count)};
	track.index[0] = track.index[1] = (int32_t)first;

	for (long i = 0; i < count; i++) {
		uint8_t user[GM_SECTOR_USER], raw[GM_SECTOR_RAW + GM_SUB_SIZE];
		const uint8_t subheader[4] = {0, 0, GM_SUBMODE_DATA, 0};
		int32_t lba = (int32_t)(first + i);

		if (in != NULL) {
			size_t n = fread(user, 1, sizeof(user), in);

			memset(user + n, 0, sizeof(user) - n);
		} else {
			for (size_t j = 0; j < sizeof(user); j++)
				user[j] = rng_byte();
		}
		if (mode == 1)
			gm_sector_encode_mode1(raw, lba, user);
		else
			gm_sector_encode_form1(raw, lba, subheader, user);
		if (with_sub)
			gm_sub_generate(&layout, lba, raw + GM_SECTOR_RAW);
		if (fwrite(raw, with_sub ? sizeof(raw) : GM_SECTOR_RAW, 1, out) != 1) {
			perror(argv[optind]);
			return 3;
		}
	}
	if (in != NULL)
		fclose(in);
	if (fclose(out) != 0) {
		perror(argv[optind]);
		return 3;
	}
	return 0;
usage:
	fprintf(stderr, "usage: gm-mkraw [-m 1|2] [-s FIRST_LBA] [-n SECTORS] "
		"[-r SEED] [-i INPUT] [-q] OUT\n");
	return 2;
}
