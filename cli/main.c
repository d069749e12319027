/*
 * main.c - glassmaster's entry point: global options and the command
 * table.  Each command lives in cli/cmd_<name>.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "banned.h"

const struct gm_command *const gm_commands[] = {
	&gm_cmd_rip,
	&gm_cmd_drives,
	&gm_cmd_master,
	&gm_cmd_mkisofs,
	&gm_cmd_info,
	&gm_cmd_convert,
	&gm_cmd_split,
	&gm_cmd_hash,
	&gm_cmd_ls,
	&gm_cmd_extract,
	&gm_cmd_mount,
	&gm_cmd_verify,
	&gm_cmd_serve,
	&gm_cmd_help,
	NULL
};

static const struct gm_command *find_command(const char *name)
{
	for (const struct gm_command *const *c = gm_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: glassmaster [--version] [--help] command [args]\n"
		"\n"
		"Rip, master and verify optical discs.\n"
		"\n"
		"commands:\n");
	for (const struct gm_command *const *c = gm_commands; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f,
		"\n"
		"'glassmaster help <command>' or 'glassmaster <command> --help'\n"
		"shows a command's options; glassmaster(1) has the exit statuses.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct gm_command *cmd;

	if (argc < 2) {
		main_usage(stdout);
		return GM_EXIT_OK;
	}
	if (argc > 2 || strcmp(argv[1], "--help") == 0) {
		if (argc == 2) {
			cli_help(&gm_cmd_help, stdout);
			return GM_EXIT_OK;
		}
		return cli_usage_error("help", "too many arguments");
	}
	cmd = find_command(argv[1]);
	if (cmd == NULL)
		return cli_usage_error("help", "unknown command '%s'", argv[1]);
	cli_help(cmd, stdout);
	return GM_EXIT_OK;
}

const struct gm_command gm_cmd_help = {
	.name = "help",
	.run = cmd_help,
	.summary = "show the help of glassmaster or of a command",
	.usage = "glassmaster help [command]",
	.help = "Show the list of commands, or the options of one command.\n",
};

int main(int argc, char **argv)
{
	const struct gm_command *cmd;

	if (argc < 2) {
		main_usage(stderr);
		return GM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return GM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("glassmaster %s\n", PACKAGE_VERSION);
		return GM_EXIT_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "glassmaster: unknown option '%s'\n"
			"Try 'glassmaster --help' for more information.\n", argv[1]);
		return GM_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (cmd == NULL) {
		fprintf(stderr, "glassmaster: '%s' is not a glassmaster command\n"
			"Try 'glassmaster --help' for the list of commands.\n", argv[1]);
		return GM_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
