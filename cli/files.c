/*
 * files.c - opening a file system for ls, extract and mount: the image
 * (or partial rip and its map), the tree asked for, warnings on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "files.h"
#include "image.h"
#include "rip.h"
#include "banned.h"

bool cli_files_option(const char *cmd, int c, const char *arg, struct cli_files_opts *o,
		      int *status)
{
	long long v;
	int t;

	*status = 0;
	switch (c) {
	case 0x100:
		t = gm_fs_type_parse(arg);
		if (t < 0 || t == GM_FS_AUTO)
			*status = cli_usage_error(cmd, "--fs takes udf, rockridge, joliet "
						  "or iso9660, not '%s'", arg);
		else
			o->type = (enum gm_fs_type)t;
		return true;
	case 0x101:
		if (!cli_parse_int(arg, 1, 99, &v))
			*status = cli_usage_error(cmd, "--session takes a session number "
						  "1-99, not '%s'", arg);
		else
			o->session = (unsigned)v;
		return true;
	case CLI_OPT_PARENT:
		*status = cli_add_parent(cmd, arg);
		return true;
	default:
		return false;
	}
}

void cli_files_warn(void *arg, const char *path, const char *msg)
{
	struct cli_files *f = arg;

	f->warned++;
	if (!f->quiet)
		fprintf(stderr, "glassmaster: %s: warning: '%s': %s\n", f->cmd, path, msg);
}

/* Sectors the map does not call finished are unreadable. */
static bool map_bad(void *arg, uint64_t lba)
{
	const struct gm_map *map = arg;
	uint64_t pos = lba * 2048;

	if (pos >= map->size)
		return true;
	return gm_map_status_at(map, pos) != GM_MAP_FINISHED
	       || gm_map_status_at(map, pos + 2047 < map->size ? pos + 2047 : map->size - 1)
		  != GM_MAP_FINISHED;
}

int cli_files_open(struct cli_files *f, const char *image, const struct cli_files_opts *o)
{
	struct gm_fs_opts fo = { .type = o->type, .session = o->session,
				 .warn = cli_files_warn, .warn_arg = f };
	int ret;

	f->ctx = gm_ctx_new();
	if (f->ctx == NULL)
		return cli_fail(f->cmd, NULL, -GM_ERR_NOMEM);
	if (gm_path_is_device(image)) {
		struct gm_drive *drive = NULL;

		/* a drive: its user data through READ(10)/READ(12) */
		ret = gm_drive_open(f->ctx, image, NULL, &drive);
		if (ret == 0)
			ret = gm_drive_source(f->ctx, drive, &f->src);
	} else {
		ret = gm_image_open(f->ctx, image, &f->src);
	}
	if (ret == 0) {
		cli_notes(f->cmd, gm_source_disc(f->src));
		if (o->map != NULL) {
			ret = gm_map_load(f->ctx, &f->map, o->map, GM_MAP_SIZE_ANY);
			if (ret == 0) {
				f->have_map = true;
				fo.bad = map_bad;
				fo.bad_arg = &f->map;
			}
		}
	}
	if (ret == 0)
		ret = gm_fs_open(f->ctx, f->src, &fo, &f->fs);
	if (ret != 0) {
		ret = cli_fail(f->cmd, f->ctx, ret);
		cli_files_close(f);
	}
	return ret;
}

void cli_files_close(struct cli_files *f)
{
	gm_fs_free(f->fs);
	f->fs = NULL;
	gm_source_free(f->src);
	f->src = NULL;
	if (f->have_map)
		gm_map_release(&f->map);
	f->have_map = false;
	gm_ctx_free(f->ctx);
	f->ctx = NULL;
}
