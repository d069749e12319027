/*
 * cmd_mkisofs.c - `glassmaster mkisofs`: the command line build scripts
 * pass to genisoimage and `xorriso -as mkisofs`, mapped onto master's
 * ISO 9660 writer (libisofs).  Options are read in order, as xorriso
 * reads them: El Torito entries are closed by -eltorito-alt-boot,
 * --efi-boot or the end, and --sort-weight applies after the tree is
 * scanned.  An option not in the table stops it with the option's name:
 * never a silently different image.  Defaults are xorriso's emulation's:
 * Rock Ridge always, ISO level 1, no Joliet unless -J, 150 blocks of
 * padding.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "master.h"
#include "banned.h"

#define MAX_LIST 256
#define MAX_BOOTS 8

enum opt_id {
	O_OUT, O_ROCK, O_RATIONAL, O_JOLIET, O_JOLIET_LONG, O_LONG_NAMES, O_LEVEL,
	O_VOLID, O_APPID, O_PREPARER, O_PUBLISHER, O_SYSID, O_VOLSET, O_BOOT, O_CATALOG,
	O_CATALOG_HIDE, O_NO_EMUL, O_HARD_DISK, O_LOAD_SIZE, O_INFO_TABLE, O_ALT_BOOT,
	O_EFI, O_EFI_BOOT, O_EFI_PART, O_ISOHYBRID_MBR, O_GPT_BASDAT, O_APM_HFSPLUS,
	O_GRUB2_MBR, O_GRUB2_INFO, O_SYSTEM_AREA, O_PART_OFFSET, O_APPEND_PART,
	O_PROTECTIVE, O_APPEND_GPT, O_GRAFT, O_PATH_LIST, O_EXCLUDE, O_EXCLUDE_LIST,
	O_HIDE, O_HIDE_JOLIET, O_SORT, O_SORT_WEIGHT, O_FOLLOW, O_UDF, O_LIMITED,
	O_CHARSET, O_QUIET, O_VERBOSE, O_PRINT_SIZE, O_MULTI, O_MSINFO, O_MOD_DATE,
	O_VOLUME_DATE, O_MD5, O_CHECKSUMS, O_PAD, O_NO_PAD, O_CACHE_INODES, O_HELP,
	O_VERSION, O_ZISOFS, O_HFSPLUS, O_APM_BLOCK, O_HFS_CREATOR, O_HFS_BLESS
};

static const struct opt {
	const char *name;
	int args;
	enum opt_id id;
	const char *arg, *help;	/* NULL help: an alias, not listed */
} opts[] = {
	{ "-o", 1, O_OUT, "FILE", "the image to write" },
	{ "-output", 1, O_OUT, "FILE", NULL },
	{ "-R", 0, O_ROCK, NULL, "Rock Ridge with the files' own owners and modes "
	  "(Rock Ridge is always written)" },
	{ "-rock", 0, O_ROCK, NULL, NULL },
	{ "-r", 0, O_RATIONAL, NULL, "Rock Ridge with owner 0 and modes readable, "
	  "not writable, executable where any x bit is set" },
	{ "-rational-rock", 0, O_RATIONAL, NULL, NULL },
	{ "-J", 0, O_JOLIET, NULL, "a Joliet tree" },
	{ "-joliet", 0, O_JOLIET, NULL, NULL },
	{ "-joliet-long", 0, O_JOLIET_LONG, NULL, "Joliet names of up to 103 characters" },
	{ "-l", 0, O_LONG_NAMES, NULL, "ISO 9660 names of up to 31 characters" },
	{ "-full-iso9660-filenames", 0, O_LONG_NAMES, NULL, NULL },
	{ "-iso-level", 1, O_LEVEL, "N", "ISO level 1, 2 or 3 (default 1; 3 stores "
	  "files of 4 GiB and more in several extents)" },
	{ "-V", 1, O_VOLID, "ID", "the volume id" },
	{ "-volid", 1, O_VOLID, "ID", NULL },
	{ "-A", 1, O_APPID, "ID", "the application id" },
	{ "-appid", 1, O_APPID, "ID", NULL },
	{ "-p", 1, O_PREPARER, "ID", "the data preparer id" },
	{ "-preparer", 1, O_PREPARER, "ID", NULL },
	{ "-publisher", 1, O_PUBLISHER, "ID", "the publisher id" },
	{ "-sysid", 1, O_SYSID, "ID", "the system id" },
	{ "-volset", 1, O_VOLSET, "ID", "the volume set id" },
	{ "-b", 1, O_BOOT, "PATH", "an El Torito BIOS boot image (image path)" },
	{ "-eltorito-boot", 1, O_BOOT, "PATH", NULL },
	{ "-c", 1, O_CATALOG, "PATH", "the boot catalog (default /boot.catalog)" },
	{ "-eltorito-catalog", 1, O_CATALOG, "PATH", NULL },
	{ "--boot-catalog-hide", 0, O_CATALOG_HIDE, NULL, "the boot catalog in no "
	  "directory" },
	{ "-no-emul-boot", 0, O_NO_EMUL, NULL, "the entry loads the file as it is "
	  "(else floppy emulation)" },
	{ "-hard-disk-boot", 0, O_HARD_DISK, NULL, "the entry emulates a hard disk" },
	{ "-boot-load-size", 1, O_LOAD_SIZE, "N", "512-byte sectors to load (default: "
	  "the whole file)" },
	{ "-boot-info-table", 0, O_INFO_TABLE, NULL, "patch the boot info table into "
	  "the entry's file (ISOLINUX, GRUB)" },
	{ "-eltorito-alt-boot", 0, O_ALT_BOOT, NULL, "start the next El Torito entry" },
	{ "-e", 1, O_EFI, "PATH", "an El Torito EFI boot image (platform 0xEF)" },
	{ "--efi-boot", 1, O_EFI_BOOT, "PATH", "the same as -eltorito-alt-boot -e PATH "
	  "-no-emul-boot -eltorito-alt-boot" },
	{ "-efi-boot-part", 1, O_EFI_PART, "FILE", "a GPT EFI System partition: FILE, or "
	  "--efi-boot-image for the EFI boot image's own blocks" },
	{ "-isohybrid-mbr", 1, O_ISOHYBRID_MBR, "FILE", "an ISOLINUX isohybrid MBR "
	  "(isohdpfx.bin): the image boots as a disk too" },
	{ "-isohybrid-gpt-basdat", 0, O_GPT_BASDAT, NULL, "with -isohybrid-mbr: the "
	  "entry's file as a GPT Basic Data partition" },
	{ "-isohybrid-apm-hfsplus", 0, O_APM_HFSPLUS, NULL, "with -isohybrid-mbr: the "
	  "entry's file in an Apple partition map as HFS+" },
	{ "-hfsplus", 0, O_HFSPLUS, NULL, "an HFS+ tree beside ISO 9660 (the files' data "
	  "shared) and an Apple partition map" },
	{ "-apm-block-size", 1, O_APM_BLOCK, "N", "the Apple partition map's blocks: 512 "
	  "or 2048" },
	{ "-hfsplus-file-creator-type", 3, O_HFS_CREATOR, "CREATOR TYPE PATH", "HFS+ "
	  "creator and type codes (4 characters each) of the file at PATH" },
	{ "-hfs-bless-by", 2, O_HFS_BLESS, "KIND PATH", "an HFS+ blessing: p (PPC boot "
	  "directory), i (Intel boot file), s (show folder), 9 (OS 9), x (OS X)" },
	{ "--grub2-mbr", 1, O_GRUB2_MBR, "FILE", "GRUB's boot_hybrid.img as the MBR, "
	  "patched with the first boot image's address" },
	{ "--grub2-boot-info", 0, O_GRUB2_INFO, NULL, "patch the entry's file with its "
	  "own address at byte 2548 (GRUB's eltorito.img)" },
	{ "-G", 1, O_SYSTEM_AREA, "FILE", "FILE (up to 32 KiB) as the system area, "
	  "unpatched" },
	{ "--embedded-boot", 1, O_SYSTEM_AREA, "FILE", NULL },
	{ "-generic-boot", 1, O_SYSTEM_AREA, "FILE", NULL },
	{ "-partition_offset", 1, O_PART_OFFSET, "N", "the MBR partition starts at "
	  "2048-byte block N (0, or 16 and more) with a second superblock there" },
	{ "-append_partition", 3, O_APPEND_PART, "N TYPE FILE", "FILE appended as MBR "
	  "partition N (1-4) of TYPE (0xNN, FAT12, FAT16, Linux, 0xef)" },
	{ "--protective-msdos-label", 0, O_PROTECTIVE, NULL, "an MBR partition from "
	  "block 1 to the end (a protective MBR with a GPT)" },
	{ "-appended_part_as_gpt", 0, O_APPEND_GPT, NULL, "appended partitions in a GPT" },
	{ "-graft-points", 0, O_GRAFT, NULL, "pathspecs may be IMAGE-PATH=DISK-PATH" },
	{ "-path-list", 1, O_PATH_LIST, "FILE", "pathspecs, one a line" },
	{ "-m", 1, O_EXCLUDE, "PATTERN", "leave out what matches (fnmatch: the leaf "
	  "name, or the image path when PATTERN has a '/')" },
	{ "-exclude", 1, O_EXCLUDE, "PATTERN", NULL },
	{ "-exclude-list", 1, O_EXCLUDE_LIST, "FILE", "patterns to leave out, one a line" },
	{ "-hide", 1, O_HIDE, "PATTERN", "hide from the ISO 9660 and Rock Ridge tree" },
	{ "-hide-joliet", 1, O_HIDE_JOLIET, "PATTERN", "hide from the Joliet tree" },
	{ "-sort", 1, O_SORT, "FILE", "lines 'IMAGE-PATH WEIGHT': higher weights first "
	  "(paths in the image, not on disk)" },
	{ "--sort-weight", 2, O_SORT_WEIGHT, "WEIGHT PATH", "the weight of the files at "
	  "and under the image path PATH" },
	{ "-f", 0, O_FOLLOW, NULL, "store what symlinks point to" },
	{ "-follow-links", 0, O_FOLLOW, NULL, NULL },
	{ "-udf", 0, O_UDF, NULL, "a UDF 1.02 tree beside ISO 9660 (a bridge; not with "
	  "-efi-boot-part or -hfsplus)" },
	{ "-allow-limited-size", 0, O_LIMITED, NULL, "accepted: files of 4 GiB and "
	  "more need -iso-level 3" },
	{ "-input-charset", 1, O_CHARSET, "CHARSET", "only UTF-8 (and its aliases) is "
	  "taken" },
	{ "-quiet", 0, O_QUIET, NULL, "no progress" },
	{ "-v", 0, O_VERBOSE, NULL, "progress on stderr" },
	{ "-verbose", 0, O_VERBOSE, NULL, NULL },
	{ "-print-size", 0, O_PRINT_SIZE, NULL, "print the image's size in 2048-byte "
	  "blocks and write nothing" },
	{ "-M", 1, O_MULTI, "FILE", "a session appended to the image FILE: its tree "
	  "with the pathspecs merged in; without -C the output is FILE grown by it" },
	{ "-prev-session", 1, O_MULTI, "FILE", NULL },
	{ "-C", 1, O_MSINFO, "LAST,NEXT", "with -M: FILE's last session starts at LAST; "
	  "the output is the new session alone, for sector NEXT" },
	{ "-cdrecord-params", 1, O_MSINFO, "LAST,NEXT", NULL },
	{ "--modification-date", 1, O_MOD_DATE, "YYYYMMDDhhmmsscc", "the volume's "
	  "dates, and so GRUB's file system UUID" },
	{ "-volume_date", 2, O_VOLUME_DATE, "uuid YYYYMMDDhhmmsscc", "the same (only "
	  "the uuid form)" },
	{ "-md5", 0, O_MD5, NULL, "libisofs MD5 tags (session and files)" },
	{ "--md5", 0, O_MD5, NULL, NULL },
	{ "-checksum_algorithm_iso", 1, O_CHECKSUMS, "LIST", "accepted: only jigdo "
	  "files use it, and the image is the same" },
	{ "-z", 0, O_ZISOFS, NULL, "zisofs: files compressed where that saves blocks, "
	  "mkzftree's files marked as they are" },
	{ "-transparent-compression", 0, O_ZISOFS, NULL, NULL },
	{ "-pad", 0, O_PAD, NULL, "150 blocks of zeros at the end (the default)" },
	{ "-no-pad", 0, O_NO_PAD, NULL, "no padding" },
	{ "-cache-inodes", 0, O_CACHE_INODES, NULL, "accepted: hard links are always "
	  "stored once" },
	{ "-help", 0, O_HELP, NULL, "this list" },
	{ "--help", 0, O_HELP, NULL, NULL },
	{ "-version", 0, O_VERSION, NULL, "glassmaster's version" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* The option named by arg ("--x" and "-x" are one, as xorriso takes
   them); *value set for "--x=VALUE". */
static const struct opt *find_opt(const char *arg, const char **value)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);

	*value = NULL;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < NOPTS; i++) {
			const char *n = opts[i].name, *a = arg;
			size_t l = len;

			/* the second pass: one dash more or less */
			if (pass == 1) {
				if (a[1] == '-' && n[1] != '-') {
					a++;
					l--;
				} else if (a[1] != '-' && n[1] == '-') {
					n++;
				} else {
					continue;
				}
			}
			if (strlen(n) == l && strncmp(a, n, l) == 0) {
				if (eq != NULL && opts[i].args != 1)
					return NULL;
				*value = eq != NULL ? eq + 1 : NULL;
				return &opts[i];
			}
		}
	return NULL;
}

static void print_help(FILE *f)
{
	fprintf(f, "usage: glassmaster mkisofs [-as mkisofs] [OPTION ...] PATHSPEC ...\n\n"
		"Write an ISO 9660 image as genisoimage and xorriso -as mkisofs do\n"
		"(glassmaster-mkisofs(1)); what is not listed here is refused.\n\n"
		"options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char head[64];

		if (opts[i].help == NULL)
			continue;
		snprintf(head, sizeof(head), "%s%s%s", opts[i].name, opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		/* the text wrapped at 79 columns from column 27 */
		const char *t = opts[i].help;
		bool first = true;

		if (strlen(head) > 23) {
			fprintf(f, "  %s\n", head);
			first = false;
		}
		while (*t != '\0') {
			size_t take = strlen(t);

			if (take > 52) {
				take = 52;
				while (take > 0 && t[take] != ' ')
					take--;
				if (take == 0)
					take = 52;
			}
			fprintf(f, "  %-23s %.*s\n", first ? head : "", (int)take, t);
			first = false;
			t += take;
			while (*t == ' ')
				t++;
		}
	}
	fprintf(f, "\nexit status: 0 written, 2 usage error or bad input (nothing "
		"written),\n3 I/O failure (nothing written), 130 interrupted.\n");
}

struct front {
	const char *out;
	struct gm_iso_opts iso;
	struct gm_udf_opts udf;
	struct gm_tree_opts tree;
	const char *exclude[MAX_LIST], *hide[MAX_LIST], *hide_joliet[MAX_LIST];
	const char *specs[MAX_LIST];
	size_t nspecs;
	const char *path_list;
	struct { long long weight; const char *path; } weights[MAX_LIST];
	size_t nweights;
	struct gm_hfs_creator creators[MAX_LIST];
	size_t ncreators;
	struct gm_hfs_bless blesses[5];
	size_t nblesses;
	struct gm_boot_image boots[MAX_BOOTS];
	size_t nboots;
	bool pending;		/* boots[nboots] is being described */
	bool graft, rational, udf_bridge, print_size, long_names, joliet_long;
	int progress;
};

__attribute__((format(printf, 1, 2)))
static int usage(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cli_usage_error("mkisofs", "%s", msg);
}

/* The entry being described: the next one, made when none is. */
static struct gm_boot_image *entry(struct front *f)
{
	if (!f->pending) {
		if (f->nboots == MAX_BOOTS)
			return NULL;
		memset(&f->boots[f->nboots], 0, sizeof(f->boots[0]));
		f->boots[f->nboots].emul = GM_BOOT_FLOPPY;	/* mkisofs's default */
		f->pending = true;
	}
	return &f->boots[f->nboots];
}

/* Close the entry being described (it needs its file). */
static int close_entry(struct front *f)
{
	if (!f->pending)
		return 0;
	if (f->boots[f->nboots].path == NULL)
		return usage("%s", "boot options were given without -b or -e to say "
			     "which file boots");
	f->pending = false;
	f->nboots++;
	return 0;
}

static bool parse_int(const char *s, long long min, long long max, long long *v)
{
	return cli_parse_int(s, min, max, v);
}

/* -append_partition's TYPE. */
static bool part_type(const char *s, uint8_t *type)
{
	static const struct { const char *name; uint8_t type; } names[] = {
		{ "FAT12", 0x01 }, { "FAT16", 0x06 }, { "Linux", 0x83 },
	};
	long long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*type = names[i].type;
			return true;
		}
	if (strncmp(s, "0x", 2) == 0) {
		char *end;

		v = strtoll(s + 2, &end, 16);
		if (*end != '\0' || end == s + 2 || v < 0 || v > 255)
			return false;
	} else if (!cli_parse_int(s, 0, 255, &v)) {
		return false;
	}
	*type = (uint8_t)v;
	return true;
}

static bool add(const char **list, size_t *n, const char *v)
{
	if (*n >= MAX_LIST)
		return false;
	list[(*n)++] = v;
	return true;
}

static int parse(struct front *f, int argc, char **argv, bool *done)
{
	long long v;
	int i = 1;

	*done = false;
	/* invoked as `xorriso -as mkisofs ...` through a wrapper */
	if (argc > 2 && strcmp(argv[1], "-as") == 0 && strcmp(argv[2], "mkisofs") == 0)
		i = 3;
	for (; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *args[3] = { NULL, NULL, NULL };
		const struct opt *o;
		struct gm_boot_image *e;

		if (a[0] != '-' || a[1] == '\0') {
			if (!add(f->specs, &f->nspecs, a))
				return usage("more than 256 pathspecs");
			continue;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				if (!add(f->specs, &f->nspecs, argv[i]))
					return usage("more than 256 pathspecs");
			break;
		}
		o = find_opt(a, &val);
		if (o == NULL)
			return usage("option '%s' is not supported (glassmaster mkisofs "
				     "-help lists what is)", a);
		if (val != NULL) {
			args[0] = val;
		} else {
			if (i + o->args >= argc)
				return usage("option '%s' needs %s", a, o->arg);
			for (int k = 0; k < o->args; k++)
				args[k] = argv[++i];
		}
		switch (o->id) {
		case O_OUT: f->out = args[0]; break;
		case O_ROCK: break;
		case O_RATIONAL: f->rational = true; break;
		case O_JOLIET: f->iso.joliet = true; break;
		case O_JOLIET_LONG: f->joliet_long = true; break;
		case O_LONG_NAMES: f->long_names = true; break;
		case O_LEVEL:
			if (!parse_int(args[0], 1, 4, &v))
				return usage("-iso-level takes 1, 2, 3 or 4, not '%s'",
					     args[0]);
			/* 4 is ISO 9660:1999 names, which level 3 and the
			   1999 tree give */
			f->iso.level = v == 4 ? 3 : (int)v;
			f->iso.iso1999 = v == 4;
			break;
		case O_VOLID: f->iso.volume_id = args[0]; break;
		case O_APPID: f->iso.application = args[0]; break;
		case O_PREPARER: f->iso.preparer = args[0]; break;
		case O_PUBLISHER: f->iso.publisher = args[0]; break;
		case O_SYSID: f->iso.system_id = args[0]; break;
		case O_VOLSET: f->iso.volume_set = args[0]; break;
		case O_BOOT:
		case O_EFI:
			/* a second file for one entry starts the next one */
			if (f->pending && f->boots[f->nboots].path != NULL
			    && close_entry(f) != 0)
				return GM_EXIT_USAGE;
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->path = args[0];
			e->platform = o->id == O_EFI ? 0xef : 0x00;
			break;
		case O_EFI_BOOT:
			if (close_entry(f) != 0)
				return GM_EXIT_USAGE;
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->path = args[0];
			e->platform = 0xef;
			e->emul = GM_BOOT_NO_EMUL;
			if (close_entry(f) != 0)
				return GM_EXIT_USAGE;
			break;
		case O_CATALOG: f->iso.boot_catalog = args[0]; break;
		case O_CATALOG_HIDE: f->iso.catalog_hidden = true; break;
		case O_NO_EMUL:
		case O_HARD_DISK:
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->emul = o->id == O_NO_EMUL ? GM_BOOT_NO_EMUL : GM_BOOT_HARD_DISK;
			break;
		case O_LOAD_SIZE:
			if (!parse_int(args[0], 1, 65535, &v))
				return usage("-boot-load-size takes 1 to 65535 sectors, not "
					     "'%s'", args[0]);
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->load_size = (int)v;
			break;
		case O_INFO_TABLE:
		case O_GRUB2_INFO:
		case O_GPT_BASDAT:
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->isolinux |= o->id == O_INFO_TABLE ? 1 : o->id == O_GRUB2_INFO
				       ? 1 << 9 : 1 << 2;
			break;
		case O_ALT_BOOT:
			if (close_entry(f) != 0)
				return GM_EXIT_USAGE;
			break;
		case O_EFI_PART: f->iso.efi_boot_part = args[0]; break;
		case O_ISOHYBRID_MBR:
			f->iso.system_area = args[0];
			f->iso.system_area_options = (f->iso.system_area_options & ~0x4001) | 2;
			break;
		case O_APM_HFSPLUS:
			if ((e = entry(f)) == NULL)
				return usage("more than 8 El Torito entries");
			e->isolinux |= 1 << 8;
			break;
		case O_HFSPLUS: f->iso.hfsplus = true; break;
		case O_APM_BLOCK:
			if (strcmp(args[0], "512") != 0 && strcmp(args[0], "2048") != 0)
				return usage("-apm-block-size takes 512 or 2048, not '%s'",
					     args[0]);
			f->iso.apm_block_size = args[0][0] == '5' ? 512 : 2048;
			break;
		case O_HFS_CREATOR:
			if (strlen(args[0]) != 4 || strlen(args[1]) != 4)
				return usage("-hfsplus-file-creator-type: a creator and a type "
					     "of 4 characters each, not '%s' '%s'", args[0],
					     args[1]);
			if (f->ncreators == MAX_LIST)
				return usage("more than 256 -hfsplus-file-creator-type");
			memcpy(f->creators[f->ncreators].creator, args[0], 4);
			memcpy(f->creators[f->ncreators].type, args[1], 4);
			f->creators[f->ncreators++].path = args[2];
			break;
		case O_HFS_BLESS:
			if (strlen(args[0]) != 1 || strchr("pis9x", args[0][0]) == NULL)
				return usage("-hfs-bless-by takes p, i, s, 9 or x, not '%s'",
					     args[0]);
			if (f->nblesses == 5)
				return usage("more than 5 -hfs-bless-by");
			f->blesses[f->nblesses].kind = args[0][0];
			f->blesses[f->nblesses++].path = args[1];
			break;
		case O_GRUB2_MBR:
			f->iso.system_area = args[0];
			f->iso.system_area_options = (f->iso.system_area_options & ~2) | 0x4000;
			break;
		case O_SYSTEM_AREA: f->iso.system_area = args[0]; break;
		case O_PART_OFFSET:
			if (!parse_int(args[0], 0, 0x7fffffff, &v) || (v > 0 && v < 16))
				return usage("-partition_offset takes 0, or 16 and more, not "
					     "'%s'", args[0]);
			f->iso.part_offset = (uint32_t)v;
			break;
		case O_APPEND_PART:
			if (!parse_int(args[0], 1, 4, &v))
				return usage("-append_partition's number is 1 to 4, not '%s'",
					     args[0]);
			if (!part_type(args[1], &f->iso.append[v - 1].type))
				return usage("-append_partition's type '%s' is not 0xNN, FAT12, "
					     "FAT16 or Linux", args[1]);
			f->iso.append[v - 1].file = args[2];
			break;
		case O_PROTECTIVE:
			f->iso.system_area_options = (f->iso.system_area_options & ~2) | 1;
			break;
		case O_APPEND_GPT: f->iso.append_as_gpt = true; break;
		case O_GRAFT: f->graft = true; break;
		case O_PATH_LIST: f->path_list = args[0]; break;
		case O_EXCLUDE:
			if (!add(f->exclude, &f->tree.nexclude, args[0]))
				return usage("more than 256 -m patterns");
			break;
		case O_EXCLUDE_LIST: f->tree.exclude_from = args[0]; break;
		case O_HIDE:
			if (!add(f->hide, &f->tree.nhide, args[0]))
				return usage("more than 256 -hide patterns");
			break;
		case O_HIDE_JOLIET:
			if (!add(f->hide_joliet, &f->tree.nhide_joliet, args[0]))
				return usage("more than 256 -hide-joliet patterns");
			break;
		case O_SORT: f->tree.sort_file = args[0]; break;
		case O_SORT_WEIGHT:
			if (!parse_int(args[0], -2147483647LL, 2147483647LL, &v))
				return usage("--sort-weight takes a 32-bit number, not '%s'",
					     args[0]);
			if (f->nweights == MAX_LIST)
				return usage("more than 256 --sort-weight options");
			f->weights[f->nweights].weight = v;
			f->weights[f->nweights++].path = args[1];
			break;
		case O_FOLLOW: f->tree.follow_symlinks = true; break;
		case O_UDF: f->udf_bridge = true; break;
		case O_LIMITED: break;
		case O_CHARSET:
			if (strcasecmp(args[0], "utf-8") != 0 && strcasecmp(args[0], "utf8") != 0
			    && strcmp(args[0], "default") != 0)
				return usage("-input-charset '%s': file names are taken as "
					     "UTF-8 only", args[0]);
			break;
		case O_QUIET: f->progress = CLI_PROGRESS_NEVER; break;
		case O_VERBOSE: f->progress = CLI_PROGRESS_ALWAYS; break;
		case O_PRINT_SIZE: f->print_size = true; break;
		case O_MULTI: f->iso.append_from = args[0]; break;
		case O_MSINFO: {
			unsigned long last, next;
			char tail;

			if (sscanf(args[0], "%lu,%lu%c", &last, &next, &tail) != 2
			    || last > UINT32_MAX || next > UINT32_MAX)
				return usage("-C takes LAST,NEXT (cdrecord -msinfo), not '%s'",
					     args[0]);
			f->iso.append_last = (uint32_t)last;
			f->iso.append_next = (uint32_t)next;
			f->iso.session_only = true;
			break;
		}
		case O_MOD_DATE:
			if (strlen(args[0]) != 16 || strspn(args[0], "0123456789") != 16)
				return usage("--modification-date takes 16 digits "
					     "YYYYMMDDhhmmsscc, not '%s'", args[0]);
			f->iso.vol_uuid = args[0];
			break;
		case O_VOLUME_DATE:
			if (strcmp(args[0], "uuid") != 0)
				return usage("-volume_date '%s': only the uuid form is "
					     "supported", args[0]);
			if (strlen(args[1]) != 16 || strspn(args[1], "0123456789") != 16)
				return usage("-volume_date uuid takes 16 digits, not '%s'",
					     args[1]);
			f->iso.vol_uuid = args[1];
			break;
		case O_MD5: f->iso.md5 = true; break;
		case O_CHECKSUMS: break;
		case O_ZISOFS: f->iso.zisofs = true; break;
		case O_PAD: f->iso.tail_blocks = 150; break;
		case O_NO_PAD: f->iso.tail_blocks = 0; break;
		case O_CACHE_INODES: break;
		case O_HELP:
			print_help(stdout);
			*done = true;
			return 0;
		case O_VERSION:
			printf("glassmaster mkisofs %s\n", PACKAGE_VERSION);
			*done = true;
			return 0;
		}
	}
	/* xorriso's catalog, unless -c: /boot.catalog */
	if (f->iso.boot_catalog == NULL)
		f->iso.boot_catalog = "/boot.catalog";
	return close_entry(f);
}

/* a pathspec as gm_tree_scan() takes it: graft points as they are; a
   directory's path with '=' escaped; a file as /LEAF=PATH */
static char *source_of(const struct front *f, const char *spec)
{
	struct stat st;
	const char *leaf;
	size_t len = strlen(spec), n = 0;
	char *out = malloc(2 * len + 4);

	if (out == NULL)
		return NULL;
	if (f->graft && strchr(spec, '=') != NULL) {
		memcpy(out, spec, len + 1);
		return out;
	}
	if (stat(spec, &st) == 0 && !S_ISDIR(st.st_mode)) {
		leaf = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
		out[n++] = '/';
		for (; *leaf; leaf++) {
			if (*leaf == '=')
				out[n++] = '\\';
			out[n++] = *leaf;
		}
		out[n++] = '=';
		memcpy(out + n, spec, len + 1);
		return out;
	}
	for (const char *p = spec; *p; p++) {
		if (*p == '=')
			out[n++] = '\\';
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

/* -r: owner 0, readable by all, writable by none, executable by all when
   by anyone, no set-id or sticky bits */
static void rationalize(struct gm_node *n)
{
	uint32_t perm = n->mode & 07777;

	n->uid = n->gid = 0;
	if (n->kind != GM_NODE_SYMLINK) {
		perm = (perm | 0444) & ~0222u & ~07000u;
		if (perm & 0111)
			perm |= 0111;
		n->mode = (n->mode & ~07777u) | perm;
	}
	for (size_t i = 0; i < n->nchildren; i++)
		rationalize(n->children[i]);
}

static void weigh(struct gm_node *n, int32_t w)
{
	n->sort_weight = w;
	for (size_t i = 0; i < n->nchildren; i++)
		weigh(n->children[i], w);
}

static int cmd_mkisofs(int argc, char **argv)
{
	struct front *f = calloc(1, sizeof(*f));
	struct gm_ctx *ctx = NULL;
	struct gm_tree *tree = NULL;
	struct gm_iso_report report;
	char *listed[MAX_LIST], **sources = NULL;
	size_t nlist = 0;
	size_t nsources = 0;
	const char *epoch;
	bool done;
	long long v;
	int ret, status = GM_EXIT_OK;

	memset(&report, 0, sizeof(report));
	if (f == NULL)
		return cli_fail("mkisofs", NULL, -GM_ERR_NOMEM);
	gm_iso_opts_init(&f->iso);
	gm_udf_opts_init(&f->udf);
	gm_tree_opts_init(&f->tree);
	/* xorriso -as mkisofs's defaults */
	f->iso.level = 1;
	f->iso.joliet = false;
	f->iso.tail_blocks = 150;
	f->progress = CLI_PROGRESS_AUTO;
	f->tree.exclude = f->exclude;
	f->tree.hide = f->hide;
	f->tree.hide_joliet = f->hide_joliet;
	status = parse(f, argc, argv, &done);
	if (status != 0 || done)
		goto out;
	if (f->iso.session_only && f->iso.append_from == NULL) {
		status = usage("-C needs -M: the image the session is appended to");
		goto out;
	}
	if (f->out == NULL && !f->print_size) {
		status = usage("-o FILE is missing");
		goto out;
	}
	if (f->long_names && f->iso.level == 1)
		f->iso.level = 2;
	if (strlen(f->iso.volume_id) > 32) {
		status = usage("the volume id '%s' is longer than 32 characters",
			       f->iso.volume_id);
		goto out;
	}
	epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch != NULL && *epoch != '\0') {
		if (!cli_parse_int(epoch, 0, 253402300799LL, &v)) {
			status = usage("SOURCE_DATE_EPOCH must be seconds since 1970, not "
				       "'%s'", epoch);
			goto out;
		}
		f->iso.date = v;
		f->tree.clamp = v;
	}
	ctx = gm_ctx_new();
	if (ctx == NULL) {
		status = cli_fail("mkisofs", NULL, -GM_ERR_NOMEM);
		goto out;
	}
	if (f->path_list != NULL) {
		FILE *pl = fopen(f->path_list, "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		unsigned lines = 0;

		if (pl == NULL) {
			status = cli_fail("mkisofs", ctx, gm_error_set_errno(ctx, GM_ERR_NOENT, errno,
					  "cannot read the path list '%s'", f->path_list));
			goto out;
		}
		while ((n = getline(&line, &cap, pl)) >= 0) {
			lines++;
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n == 0)
				continue;
			if (nlist == MAX_LIST || (listed[nlist] = strdup(line)) == NULL
			    || !add(f->specs, &f->nspecs, listed[nlist++])) {
				status = usage("the path list '%s' line %u: more than 256 "
					       "pathspecs", f->path_list, lines);
				break;
			}
		}
		free(line);
		fclose(pl);
		if (status != 0)
			goto out;
	}
	if (f->nspecs == 0) {
		status = usage("no pathspec: name what goes into the image");
		goto out;
	}
	sources = calloc(f->nspecs, sizeof(*sources));
	for (size_t i = 0; sources != NULL && i < f->nspecs; i++) {
		if ((sources[i] = source_of(f, f->specs[i])) == NULL)
			break;
		nsources++;
	}
	if (nsources < f->nspecs) {
		status = cli_fail("mkisofs", NULL, -GM_ERR_NOMEM);
		goto out;
	}
	if (f->udf_bridge) {
		f->udf.revision = 0x0102;
		f->udf.volume_id = f->iso.volume_id;
		f->udf.date = f->iso.date;
		f->iso.udf = &f->udf;
	}
	f->iso.hfs_creators = f->creators;
	f->iso.nhfs_creators = f->ncreators;
	f->iso.hfs_blesses = f->blesses;
	f->iso.nhfs_blesses = f->nblesses;
	f->iso.boots = f->boots;
	f->iso.nboots = f->nboots;
	f->iso.size_only = f->print_size;
	f->iso.stop = &cli_stop_requested;
	f->udf.stop = &cli_stop_requested;
	cli_catch_signals();
	ret = gm_tree_scan(ctx, (const char *const *)sources, nsources, &f->tree, &tree);
	if (ret == 0 && f->rational)
		rationalize(tree->root);
	for (size_t i = 0; ret == 0 && i < f->nweights; i++) {
		char path[4096];
		struct gm_node *n;

		snprintf(path, sizeof(path), "%s%s", f->weights[i].path[0] == '/' ? "" : "/",
			 f->weights[i].path);
		/* "/boot/" is "/boot" */
		for (size_t l = strlen(path); l > 1 && path[l - 1] == '/'; l--)
			path[l - 1] = '\0';
		n = strcmp(path, "/") == 0 ? tree->root : gm_tree_find(tree, path);
		if (n == NULL)
			ret = gm_error_set(ctx, GM_ERR_NOENT, "--sort-weight: '%s' is not in the "
					   "image", f->weights[i].path);
		else
			weigh(n, (int32_t)f->weights[i].weight);
	}
	if (ret == 0)
		ret = gm_iso_write(ctx, tree, &f->iso, f->out ? f->out : "", &report);
	if (ret != 0) {
		status = cli_fail("mkisofs", ctx, ret);
		goto out;
	}
	if (f->print_size)
		printf("%llu\n", (unsigned long long)(report.size / 2048));
	if (f->progress == CLI_PROGRESS_ALWAYS)
		for (size_t i = 0; i < report.nnotes; i++)
			fprintf(stderr, "glassmaster: mkisofs: note: %s\n", report.notes[i]);
out:
	gm_iso_report_release(&report);
	gm_tree_free(tree);
	for (size_t i = 0; i < nsources; i++)
		free(sources[i]);
	free(sources);
	while (nlist > 0)
		free(listed[--nlist]);
	gm_ctx_free(ctx);
	free(f);
	return status;
}

const struct gm_command gm_cmd_mkisofs = {
	.name = "mkisofs",
	.run = cmd_mkisofs,
	.summary = "write an ISO 9660 image from a genisoimage / xorriso -as mkisofs "
		   "command line",
	.usage = "glassmaster mkisofs [-as mkisofs] [OPTION ...] PATHSPEC ...",
	.help =
	"Take the options build scripts pass to genisoimage and `xorriso -as\n"
	"mkisofs` and write the image through glassmaster's ISO 9660 writer\n"
	"(libisofs), as xorriso's emulation does: Rock Ridge always, ISO level 1\n"
	"unless -iso-level, Joliet with -J, 150 blocks of padding. A leading\n"
	"`-as mkisofs` is skipped, so a wrapper named xorriso can exec it. Each\n"
	"PATHSPEC is a directory whose contents go to the root, a file put at\n"
	"the root, or with -graft-points IMAGE-PATH=DISK-PATH. Options not in\n"
	"`glassmaster mkisofs -help` are refused by name; -help lists exactly\n"
	"what is supported (grub-mkrescue reads it to choose what to pass).\n"
	"See glassmaster-mkisofs(1) for each option.\n"
	"\n"
	"exit status: 0 written, 2 usage error or bad input (nothing written),\n"
	"3 I/O failure (nothing written), 130 interrupted (nothing written).\n",
};
