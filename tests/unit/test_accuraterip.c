/*
 * test_accuraterip.c - disc ids against published vectors, written here
 * with their source (the samples' checksums are held against whipper's
 * accuraterip-checksum and the ids against libdiscid in tests/cli/split.sh):
 *
 *  - Ladyhawke, "Ladyhawke" (EAN 0602517818866), an enhanced CD of 12
 *    audio tracks and a data track: freedb id c60af50d (freedb.org), the
 *    MusicBrainz disc id KnpGsLhvH.lPrNc1PBL21lb9Bg4- (mb-submit-disc) and
 *    the AccurateRip file a/5/d/dBAR-012-0013bd5a-00b8d489-c60af50d.bin
 *    (EAC's request, seen with wireshark), as whipper's test suite records
 *    them (whipper/test/test_image_table.py, LadyhawkeTestCase);
 *  - Ettella Diamant, the example of MusicBrainz's "Disc ID Calculation"
 *    page: 49HHV7Eb8UKF3aQiNmu1GR8vKTY-;
 *  - the CDTOC "4+96+2D2B+6256+B327+D84A" (4 audio tracks) of the Rust
 *    crate cdtoc's documentation tests: the CUETools database id
 *    VukMWWItblELRM.CEFpXxw0FlME- and the freedb id 1f02e004.
 */
#include <string.h>

#include "gm_test.h"
#include "image.h"
#include "verify.h"

/* A disc of audio tracks starting at starts[] (LBA of INDEX 01), the last
   data in a second session when data is set, ending at leadout. */
static void make_disc(struct gm_disc *d, const int32_t *starts, unsigned n, int32_t leadout,
		      bool data)
{
	memset(d, 0, sizeof(*d));
	d->media = GM_MEDIA_CD;
	d->ntracks = n;
	d->leadout = leadout;
	d->nsessions = data ? 2 : 1;
	for (unsigned i = 0; i < n; i++) {
		struct gm_track *t = &d->tracks[i];

		t->number = (uint8_t)(i + 1);
		t->session = data && i + 1 == n ? 2 : 1;
		t->mode = data && i + 1 == n ? GM_TRACK_MODE1 : GM_TRACK_AUDIO;
		t->control = t->mode == GM_TRACK_AUDIO ? 0 : GM_CTL_DATA;
		t->index[0] = t->index[1] = starts[i];
		t->nindex = 1;
		t->end = i + 1 < n ? starts[i + 1] : leadout;
	}
	/* the audio session ends at its lead-out, 11400 sectors before the
	   data session's first track */
	if (data)
		d->tracks[n - 2].end = starts[n - 1] - 11400;
}

GM_TEST(ar_ids_published_vectors)
{
	static const int32_t ladyhawke[] = { 0, 15537, 31691, 50866, 66466, 81202, 99409,
					     115920, 133093, 149847, 161560, 177682, 207106 };
	static const int32_t ettella[] = { 0, 15213, 32164, 46442, 63264, 80339 };
	struct gm_disc d;
	struct gm_ar_disc ar;

	make_disc(&d, ladyhawke, 13, 210385, true);
	gm_ar_ids(&d, &ar);
	CU_ASSERT_EQUAL(ar.ntracks, 12);
	CU_ASSERT_EQUAL(ar.cddb, 0xc60af50du);
	CU_ASSERT_EQUAL(ar.id1, 0x0013bd5au);
	CU_ASSERT_EQUAL(ar.id2, 0x00b8d489u);
	CU_ASSERT_STRING_EQUAL(ar.dbar_path, "a/5/d/dBAR-012-0013bd5a-00b8d489-c60af50d.bin");
	CU_ASSERT_STRING_EQUAL(ar.musicbrainz, "KnpGsLhvH.lPrNc1PBL21lb9Bg4-");
	make_disc(&d, ettella, 6, 95312, false);
	gm_ar_ids(&d, &ar);
	CU_ASSERT_STRING_EQUAL(ar.musicbrainz, "49HHV7Eb8UKF3aQiNmu1GR8vKTY-");
	CU_ASSERT_EQUAL(ar.ntracks, 6);
	CU_ASSERT_EQUAL(ar.leadout, 95312);
	/* the CDTOC's sectors less the 150 before LBA 0 */
	{
		static const int32_t cdtoc[] = { 0x96 - 150, 0x2d2b - 150, 0x6256 - 150,
						 0xb327 - 150 };

		make_disc(&d, cdtoc, 4, 0xd84a - 150, false);
		gm_ar_ids(&d, &ar);
		CU_ASSERT_STRING_EQUAL(ar.ctdb_toc, "VukMWWItblELRM.CEFpXxw0FlME-");
		CU_ASSERT_EQUAL(ar.cddb, 0x1f02e004u);
	}
}

GM_TEST(ar_ids_count_audio_tracks_not_toc_numbers)
{
	/* a mixed-mode disc: data track 1, audio 2-4; id2 multiplies by the
	   audio ordinal (1-3), not by the track number (2-4) */
	static const int32_t starts[] = { 0, 20000, 30000, 45000 };
	struct gm_disc d;
	struct gm_ar_disc ar;

	make_disc(&d, starts, 4, 60000, false);
	d.tracks[0].mode = GM_TRACK_MODE1;
	d.tracks[0].control = GM_CTL_DATA;
	gm_ar_ids(&d, &ar);
	CU_ASSERT_EQUAL(ar.ntracks, 3);
	CU_ASSERT_EQUAL(ar.id1, 20000u + 30000 + 45000 + 60000);
	CU_ASSERT_EQUAL(ar.id2, 20000u * 1 + 30000 * 2 + 45000 * 3 + 60000 * 4);
	CU_ASSERT_EQUAL(ar.tracks[0].number, 2);
	CU_ASSERT_EQUAL(ar.tracks[0].ordinal, 1);
}
