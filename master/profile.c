/*
 * profile.c - the layout rules of DVD-Video and BDMV trees, checked on a
 * scanned tree before it is written (`glassmaster master --dvd-video`,
 * `--bdmv`).
 *
 * DVD-Video: VIDEO_TS holds only VIDEO_TS.IFO/VOB/BUP and, for each title
 * set nn (01 to 99), VTS_nn_0.IFO, VTS_nn_0.VOB to VTS_nn_9.VOB and
 * VTS_nn_0.BUP, regular files of whole 2048-byte sectors, none over
 * 2^30 - 2048 bytes (one UDF extent); every IFO has its BUP, of its size.
 * The files get sort weights above every other file's, in the order the
 * players read them (VIDEO_TS.IFO, VIDEO_TS.VOB, VIDEO_TS.BUP, then each
 * title set's IFO, VOBs and BUP), so that their data comes first and
 * back to back.  Where an IFO and its BUP have fewer than 16 sectors of
 * VOBs between them, the BUP is named in pads: the writer puts 16
 * sectors of zeros before it, so that the two never share a 16-sector
 * ECC block and one bad block cannot take both.
 *
 * BDMV: the root holds a BDMV directory with index.bdmv and
 * MovieObject.bdmv (and may hold CERTIFICATE); the layout itself is UDF
 * 2.50's with its metadata partition.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "master.h"
#include "banned.h"

#define PAD_SECTORS 16u		/* an ECC block of DVD */
#define ONE_EXTENT (0x40000000u - 2048u)

/* The place of a VIDEO_TS file in reading order: 0 to 2 for VIDEO_TS.*,
   then 100 * nn + 0 (IFO), 1 to 10 (VOB 0 to 9), 11 (BUP); -1 for a
   name the rule does not know. */
static int dvd_rank(const char *name)
{
	static const char *const vts[3] = { "IFO", "VOB", "BUP" };

	for (int k = 0; k < 3; k++) {
		char want[16];

		snprintf(want, sizeof(want), "VIDEO_TS.%s", vts[k]);
		if (strcmp(name, want) == 0)
			return k;
	}
	if (strlen(name) == 12 && strncmp(name, "VTS_", 4) == 0 && name[4] >= '0'
	    && name[4] <= '9' && name[5] >= '0' && name[5] <= '9' && name[6] == '_'
	    && name[7] >= '0' && name[7] <= '9' && name[8] == '.') {
		int nn = (name[4] - '0') * 10 + (name[5] - '0'), m = name[7] - '0';

		if (nn == 0)
			return -1;
		if (strcmp(name + 9, "VOB") == 0)
			return 100 * nn + 1 + m;
		if (m == 0 && strcmp(name + 9, "IFO") == 0)
			return 100 * nn;
		if (m == 0 && strcmp(name + 9, "BUP") == 0)
			return 100 * nn + 11;
	}
	return -1;
}

static int by_rank(const void *x, const void *y)
{
	const struct gm_node *a = *(const struct gm_node *const *)x;
	const struct gm_node *b = *(const struct gm_node *const *)y;
	int ra = dvd_rank(a->name), rb = dvd_rank(b->name);

	return (ra > rb) - (ra < rb);
}

static const struct gm_node *child(const struct gm_node *dir, const char *name)
{
	for (size_t i = 0; dir != NULL && i < dir->nchildren; i++)
		if (strcmp(dir->children[i]->name, name) == 0)
			return dir->children[i];
	return NULL;
}

/* The IFO and BUP of a group (rank / 100) and the VOB sectors between. */
struct group {
	const struct gm_node *ifo, *bup;
	uint64_t vob_sectors;
};

int gm_dvd_video_prepare(struct gm_ctx *ctx, struct gm_tree *tree,
			 const struct gm_node ***pads, size_t *npads)
{
	struct gm_node *vts = NULL;
	struct gm_node **files;
	struct group *groups;
	size_t n;
	int ret = 0;

	*pads = NULL;
	*npads = 0;
	for (size_t i = 0; i < tree->root->nchildren; i++)
		if (strcmp(tree->root->children[i]->name, "VIDEO_TS") == 0)
			vts = tree->root->children[i];
	if (vts == NULL || vts->kind != GM_NODE_DIR)
		return gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: the root has no "
				    "VIDEO_TS directory");
	n = vts->nchildren;
	files = malloc((n ? n : 1) * sizeof(*files));
	groups = calloc(100, sizeof(*groups));
	*pads = calloc(100, sizeof(**pads));
	if (files == NULL || groups == NULL || *pads == NULL) {
		free(files);
		free(groups);
		free(*pads);
		*pads = NULL;
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct gm_node *g = vts->children[i];
		int rank = dvd_rank(g->name);

		files[i] = g;
		if (rank < 0)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: "
					   "'/VIDEO_TS/%s': VIDEO_TS holds only "
					   "VIDEO_TS.IFO, VIDEO_TS.VOB, VIDEO_TS.BUP and "
					   "VTS_nn_0.IFO, VTS_nn_m.VOB, VTS_nn_0.BUP "
					   "(in capitals)", g->name);
		else if (g->kind != GM_NODE_FILE)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: "
					   "'/VIDEO_TS/%s' is not a regular file", g->name);
		else if (g->size % 2048 != 0)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: "
					   "'/VIDEO_TS/%s' has %llu bytes: DVD-Video "
					   "files are whole 2048-byte sectors", g->name,
					   (unsigned long long)g->size);
		else if (g->size > ONE_EXTENT)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: "
					   "'/VIDEO_TS/%s' has %llu bytes: a DVD-Video "
					   "file is one extent of at most %u bytes "
					   "(1 GiB less a sector)", g->name,
					   (unsigned long long)g->size, ONE_EXTENT);
		if (ret != 0)
			break;
		{
			struct group *gr = &groups[rank / 100];
			int within = rank % 100;

			if (rank < 100)	/* VIDEO_TS.*: IFO 0, VOB 1, BUP 2 */
				within = rank == 0 ? 0 : rank == 1 ? 1 : 11;
			if (within == 0)
				gr->ifo = g;
			else if (within == 11)
				gr->bup = g;
			else
				gr->vob_sectors += g->size / 2048;
		}
	}
	for (int k = 0; ret == 0 && k < 100; k++) {
		const struct group *gr = &groups[k];
		char ifo[16], bup[16];
		bool any = gr->ifo != NULL || gr->bup != NULL || gr->vob_sectors > 0;

		if (k == 0) {
			snprintf(ifo, sizeof(ifo), "VIDEO_TS.IFO");
			snprintf(bup, sizeof(bup), "VIDEO_TS.BUP");
		} else {
			snprintf(ifo, sizeof(ifo), "VTS_%02d_0.IFO", k);
			snprintf(bup, sizeof(bup), "VTS_%02d_0.BUP", k);
		}
		if (k == 0 && gr->ifo == NULL)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: VIDEO_TS "
					   "has no VIDEO_TS.IFO");
		else if (any && gr->ifo == NULL)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: title "
					   "set %02d has no %s", k, ifo);
		else if (any && gr->bup == NULL)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: %s has "
					   "no backup %s", ifo, bup);
		else if (any && gr->bup->size != gr->ifo->size)
			ret = gm_error_set(ctx, GM_ERR_INVALID, "--dvd-video: %s has "
					   "%llu bytes, its backup %s %llu: a BUP is a "
					   "copy of its IFO", ifo,
					   (unsigned long long)gr->ifo->size, bup,
					   (unsigned long long)gr->bup->size);
		else if (any && gr->vob_sectors < PAD_SECTORS)
			(*pads)[(*npads)++] = gr->bup;
	}
	if (ret == 0) {
		/* reading order, above every other weight */
		qsort(files, n, sizeof(*files), by_rank);
		for (size_t i = 0; i < n; i++)
			files[i]->sort_weight = (int32_t)(0x7fffff00 - 4 * (int64_t)i);
	}
	free(files);
	free(groups);
	if (ret != 0 || *npads == 0) {
		free(*pads);
		*pads = NULL;
		*npads = 0;
	}
	return ret;
}

int gm_bdmv_check(struct gm_ctx *ctx, const struct gm_tree *tree)
{
	const struct gm_node *bdmv = child(tree->root, "BDMV");
	static const char *const need[2] = { "index.bdmv", "MovieObject.bdmv" };

	if (bdmv == NULL || bdmv->kind != GM_NODE_DIR)
		return gm_error_set(ctx, GM_ERR_INVALID, "--bdmv: the root has no BDMV "
				    "directory");
	for (int k = 0; k < 2; k++) {
		const struct gm_node *g = child(bdmv, need[k]);

		if (g == NULL || g->kind != GM_NODE_FILE)
			return gm_error_set(ctx, GM_ERR_INVALID, "--bdmv: BDMV has no "
					    "%s", need[k]);
	}
	return 0;
}
