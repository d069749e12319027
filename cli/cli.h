/*
 * cli.h - the glassmaster command line: the command table and what every
 * command shares (errors, help, progress).  Only cli/ prints or chooses an
 * exit status.
 *
 * Adding a command, the checklist:
 *   1. cli/cmd_<name>.c: option parsing, library calls, output; it defines
 *      `const struct gm_command gm_cmd_<name>` with its usage line(s);
 *   2. one line in the table in cli/main.c and one in cli/Makefile.inc;
 *   3. man/glassmaster-<name>.1 (mdoc) whose SYNOPSIS renders to exactly
 *      the usage lines (tests/cli/help_synopsis.sh checks it), listed in
 *      man/Makefile.inc and in glassmaster(1);
 *   4. tests in tests/cli/ for its behaviour and exit statuses;
 *   5. a section in README.md.
 */
#ifndef GM_CLI_H
#define GM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* Exit statuses, as documented in glassmaster(1). */
enum {
	GM_EXIT_OK = 0,
	GM_EXIT_MISMATCH = 1,
	GM_EXIT_USAGE = 2,
	GM_EXIT_DEVICE = 3,
	GM_EXIT_INTERRUPTED = 130
};

struct gm_command {
	const char *name;
	/* Runs the command: argv[0] is the command's name. */
	int (*run)(int argc, char **argv);
	const char *summary;	/* one line for `glassmaster --help` */
	const char *usage;	/* synopsis lines, each "glassmaster <name> ..." */
	const char *help;	/* description and options */
};

/* The commands, in the order --help lists them; NULL-terminated. */
extern const struct gm_command *const gm_commands[];

/* One per cli/cmd_<name>.c (and `help` in main.c). */
extern const struct gm_command gm_cmd_help;
extern const struct gm_command gm_cmd_verify;
extern const struct gm_command gm_cmd_info;
extern const struct gm_command gm_cmd_convert;
extern const struct gm_command gm_cmd_split;
extern const struct gm_command gm_cmd_hash;
extern const struct gm_command gm_cmd_rip;
extern const struct gm_command gm_cmd_drives;
extern const struct gm_command gm_cmd_master;
extern const struct gm_command gm_cmd_mkisofs;
extern const struct gm_command gm_cmd_serve;
extern const struct gm_command gm_cmd_ls;
extern const struct gm_command gm_cmd_extract;
extern const struct gm_command gm_cmd_mount;

/* Print a command's full help (usage, then help text) to f. */
void cli_help(const struct gm_command *cmd, FILE *f);

/*
 * Report a usage error for cmd: "glassmaster: <cmd>: <message>" and a
 * pointer to the help.  Returns GM_EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * --parent FILE, taken by every command that reads images: a CHD's parent
 * looked at first (repeatable, up to 16; a parent is otherwise looked for
 * beside the child).  cli_add_parent returns 0, or GM_EXIT_USAGE.
 */
#define CLI_OPT_PARENT 0x150
#define CLI_PARENT_OPTION {"parent", required_argument, NULL, CLI_OPT_PARENT}
int cli_add_parent(const char *cmd, const char *path);

/* Report the option getopt_long() rejected last; returns GM_EXIT_USAGE. */
int cli_bad_option(const char *cmd, char **argv);

/*
 * Report the library error on ctx: "glassmaster: <cmd>: <message>".
 * Returns the exit status of its code (ret is the negative code).
 */
int cli_fail(const char *cmd, struct gm_ctx *ctx, int ret);

/*
 * A library context for cmd; with profile_path, also the drive profile
 * there read into *profile, and *out set to it (else *out is NULL).  NULL
 * when either fails, the failure reported and its exit status in *status.
 */
struct gm_drive_profile;
struct gm_ctx *cli_ctx_with_profile(const char *cmd, const char *profile_path,
				    struct gm_drive_profile *profile,
				    const struct gm_drive_profile **out, int *status);

/* Seconds on the monotonic clock. */
double cli_now(void);

/* LBA from to to - 1 of src as the FLAC file path (flac.c), tagged as
   track number of total from the disc's CD-TEXT, ISRC and MCN. */
struct gm_source;
int cli_write_flac(struct gm_ctx *ctx, struct gm_source *src, const char *path,
		   int32_t from, int32_t to, unsigned number, unsigned total, bool force);

/* AccurateRip v1/v2 per track, the disc ids, MusicBrainz and CTDB: lines
   of text, or with json the members "accuraterip", "musicbrainz" and
   "ctdb" of an object (no braces around them). */
struct gm_ar_disc;
void cli_print_ar(const struct gm_ar_disc *ar, bool json);

/* cli_split's which: the CHD alone (rip -o NAME.chd); 1 is redump. */
#define CLI_SPLIT_CHD 128
/*
 * Split the CD capture at capture (NAME or NAME.capture) into the formats
 * of which (a bit each: 1 redump, 2 cue, 4 ccd, 8 toc, 16 iso) in dir_opt
 * (NULL: beside it), audio shifted by its read offset plus the write
 * offset *offset (NULL: found in the capture, else 0); a summary on
 * stdout, or with json one JSON object (no newline).
 */
int cli_split(struct gm_ctx *ctx, const char *capture, const char *dir_opt,
	      unsigned which, const int32_t *offset, bool force, bool json, int progress);

/* Load the drive database: the given files (which must exist), the
   user's (~/.config/glassmaster/drives.db) and the installed one. */
struct gm_drive_db;
int cli_load_drive_db(struct gm_ctx *ctx, struct gm_drive_db *db, char **given,
		      size_t ngiven);

/*
 * Make SIGINT, SIGTERM and SIGHUP set cli_stop_requested (commands poll it
 * through their library options and stop with their state saved) and
 * SIGXFSZ be ignored (a write past a file size limit then fails).
 */
void cli_catch_signals(void);
extern volatile int cli_stop_requested;

struct gm_disc;

/* Print what the image reader noted (a file found under another name, a
   guessed layout) to stderr, one "glassmaster: <cmd>: warning: ..." line each. */
void cli_notes(const char *cmd, const struct gm_disc *d);

/* The same as the JSON member "warnings": [...] (no separator). */
void cli_json_notes(FILE *f, const struct gm_disc *d);

/* Print s as a JSON string (quoted and escaped). */
void cli_json_string(FILE *f, const char *s);

/* Parse a decimal integer in [min, max]; false when it is not one. */
bool cli_parse_int(const char *s, long long min, long long max,
		   long long *out);

/* Progress on stderr: shown when stderr is a terminal, or when forced. */
struct cli_progress {
	bool enabled;
	const char *what;	/* "checking" */
	double start;		/* seconds, monotonic */
	double last;		/* last redraw */
	bool drawn;
};

void cli_progress_init(struct cli_progress *p, const char *what, int mode);
/* mode for cli_progress_init: */
enum { CLI_PROGRESS_AUTO, CLI_PROGRESS_ALWAYS, CLI_PROGRESS_NEVER };
/* A gm_progress_fn: arg is the struct cli_progress. */
void cli_progress_update(void *arg, uint64_t done, uint64_t total);
/* Clear the progress line if one was drawn. */
void cli_progress_done(struct cli_progress *p);

#endif
