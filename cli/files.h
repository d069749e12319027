/*
 * files.h - what ls, extract and mount share: opening an image's file
 * system with the options they all take, warnings printed as the reader
 * gives them.
 */
#ifndef GM_CLI_FILES_H
#define GM_CLI_FILES_H

#include "fs.h"
#include "mapfile.h"

struct cli_files {
	const char *cmd;
	struct gm_ctx *ctx;
	struct gm_source *src;
	struct gm_fs *fs;
	struct gm_map map;
	bool have_map;
	bool quiet;		/* warnings not printed (counted) */
	unsigned warned;
};

/* The long options all three take, and their parsing: true when c was
   one of them (*status set to an exit status on a bad value, else 0). */
#define CLI_FILES_OPTIONS \
	{"fs", required_argument, NULL, 0x100}, \
	{"session", required_argument, NULL, 0x101}, \
	CLI_PARENT_OPTION
struct cli_files_opts {
	enum gm_fs_type type;
	unsigned session;
	const char *map;	/* extract only */
};
bool cli_files_option(const char *cmd, int c, const char *arg, struct cli_files_opts *o,
		      int *status);

/* Open image as o says into f (f->cmd set by the caller); an exit status. */
int cli_files_open(struct cli_files *f, const char *image, const struct cli_files_opts *o);

/* Close what cli_files_open() opened. */
void cli_files_close(struct cli_files *f);

/* Print a warning about path: "glassmaster: CMD: warning: 'PATH': MSG". */
void cli_files_warn(void *arg, const char *path, const char *msg);

#endif
