/*
 * mkudf.c - gm-mkudf: a UDF image from directories through gm_udf_write(),
 * for the tests while `glassmaster master` has no --fs udf.
 *
 *   gm-mkudf [-V VOLID] [-r REV] [-e EXTENT_BYTES] [-t FILE] [-f] OUT SRC...
 *
 * -t appends a byte to FILE between the scan and the write: a file that
 * changed, which must fail the image.
 * Symlinks are kept (as `master --udf-symlinks keep`): the tests check
 * them as ECMA-167 writes them.
 * SOURCE_DATE_EPOCH clamps the tree's times and dates the volume.  Prints
 * the image's size, file and directory counts and the writer's notes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glassmaster.h"
#include "master.h"

int main(int argc, char **argv)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_tree_opts topts;
	struct gm_udf_opts uopts;
	struct gm_udf_report report;
	struct gm_tree *tree = NULL;
	const char *epoch = getenv("SOURCE_DATE_EPOCH"), *touch = NULL;
	int c, ret;

	gm_tree_opts_init(&topts);
	gm_udf_opts_init(&uopts);
	uopts.keep_symlinks = true;
	while ((c = getopt(argc, argv, "V:r:e:t:f")) != -1) {
		switch (c) {
		case 'V':
			uopts.volume_id = optarg;
			break;
		case 'r':
			uopts.revision = (unsigned)strtoul(optarg, NULL, 16);
			break;
		case 'e':
			uopts.extent_max = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			uopts.force = true;
			break;
		case 't':
			touch = optarg;
			break;
		default:
			fprintf(stderr, "usage: gm-mkudf [-V VOLID] [-r REV] [-e BYTES] "
				"[-f] OUT SRC...\n");
			return 2;
		}
	}
	if (argc - optind < 2 || ctx == NULL) {
		fprintf(stderr, "usage: gm-mkudf [-V VOLID] [-r REV] [-e BYTES] [-f] "
			"OUT SRC...\n");
		return 2;
	}
	if (epoch != NULL && *epoch != '\0') {
		uopts.date = strtoll(epoch, NULL, 10);
		topts.clamp = uopts.date;
	}
	ret = gm_tree_scan(ctx, (const char *const *)argv + optind + 1,
			   (size_t)(argc - optind - 1), &topts, &tree);
	if (ret == 0 && touch != NULL) {
		FILE *f = fopen(touch, "ab");

		if (f == NULL || fputc('x', f) == EOF || fclose(f) != 0) {
			fprintf(stderr, "gm-mkudf: cannot append to '%s'\n", touch);
			return 1;
		}
	}
	if (ret == 0)
		ret = gm_udf_write(ctx, tree, &uopts, argv[optind], &report);
	if (ret != 0) {
		fprintf(stderr, "gm-mkudf: %s\n", gm_error(ctx));
		gm_tree_free(tree);
		gm_ctx_free(ctx);
		return 1;
	}
	printf("size %llu files %llu dirs %llu\n", (unsigned long long)report.size,
	       (unsigned long long)report.files, (unsigned long long)report.dirs);
	for (size_t i = 0; i < report.nnotes; i++)
		printf("note: %s\n", report.notes[i]);
	gm_udf_report_release(&report);
	gm_tree_free(tree);
	gm_ctx_free(ctx);
	return 0;
}
