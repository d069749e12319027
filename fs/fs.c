/*
 * fs.c - the file-system reader's common part: opening (which tree a
 * volume is read as), the node arrays and their lookups, hard-link
 * identities, reading a file's data through its extents (zisofs and zisofs2 blocks
 * inflated with zlib, RRIP 1.12 ZF and the zisofs header as mkzftree and
 * libisofs write it) and the sectors a file system uses.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "bytes.h"
#include "fs_private.h"
#include "threads.h"
#include "banned.h"

void fs_warn(struct gm_fs *fs, uint32_t node, const char *fmt, ...)
{
	char msg[512], path[4096];
	va_list ap;

	fs->warnings++;
	if (node != GM_FS_NONE && node < fs->nnodes)
		fs->node[node].st.flags |= GM_FS_DAMAGED;
	if (fs->opts.warn == NULL || fs->warnings > FS_MAX_WARNINGS + 1)
		return;
	if (fs->warnings == FS_MAX_WARNINGS + 1) {
		fs->opts.warn(fs->opts.warn_arg, "/", "more warnings: not shown");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node == GM_FS_NONE || node >= fs->nnodes)
		snprintf(path, sizeof(path), "/");
	else
		gm_fs_path(fs, node, path, sizeof(path));
	fs->opts.warn(fs->opts.warn_arg, path, msg);
}

static void meta_add(struct gm_fs *fs, uint64_t lba, uint32_t count)
{
	struct fs_run *last = fs->nmeta ? &fs->meta[fs->nmeta - 1] : NULL;

	if (last != NULL && last->first + last->count == lba) {
		last->count += count;
		return;
	}
	if (fs->nmeta == fs->cap_meta) {
		size_t cap = fs->cap_meta ? 2 * fs->cap_meta : 64;
		struct fs_run *grown = realloc(fs->meta, cap * sizeof(*grown));

		if (grown == NULL)
			return;		/* the list is a courtesy */
		fs->meta = grown;
		fs->cap_meta = cap;
	}
	fs->meta[fs->nmeta].first = lba;
	fs->meta[fs->nmeta].count = count;
	fs->nmeta++;
}

/* One structure sector out of the read-ahead window, which is read anew
   when lba is not in it: UDF's File Entries, a sector each, one after the
   other, were 20,000 reads for 20,000 files.  A window that does not read
   whole (damage) turns read-ahead off: a drive is then not made to retry
   sectors nobody asked for.  1 when lba was not served. */
static int ra_sector(struct gm_fs *fs, uint64_t lba, uint8_t *buf)
{
	if (fs->ra_count == 0 || lba < fs->ra_first || lba - fs->ra_first >= fs->ra_count) {
		uint32_t n = fs->end - lba < FS_RA ? (uint32_t)(fs->end - lba) : FS_RA;
		int64_t bad;

		if (fs->ra == NULL && (fs->ra = malloc((size_t)FS_RA * FS_B)) == NULL)
			return 1;
		fs->ra_count = 0;
		bad = fs_sectors(fs, lba, n, fs->ra, false);
		if (bad != 0) {
			fs->ra_off = bad > 0;
			return 1;
		}
		fs->ra_first = lba;
		fs->ra_count = n;
	}
	memcpy(buf, fs->ra + (size_t)(lba - fs->ra_first) * FS_B, FS_B);
	meta_add(fs, lba, 1);
	return 0;
}

int64_t fs_sectors(struct gm_fs *fs, uint64_t lba, uint32_t count, uint8_t *buf, bool meta)
{
	enum gm_sector_status st[FS_BUF];
	int64_t bad = 0;

	/* (not with a bad callback: a rip's tells it what the reader asks
	   for, and a map makes windows fail) */
	if (meta && count == 1 && !fs->ra_off && fs->opts.bad == NULL && lba < fs->end
	    && ra_sector(fs, lba, buf) == 0)
		return 0;

	while (count > 0) {
		uint32_t n = count < FS_BUF ? count : FS_BUF;
		struct gm_read req = { .lba = (int32_t)lba, .count = n,
				       .kind = GM_SECTOR_KIND_USER, .data = buf, .status = st };
		int ret;

		if (lba >= fs->end || lba > INT32_MAX) {
			memset(buf, 0, (size_t)count * FS_B);
			return bad + count;
		}
		if (n > fs->end - lba)
			n = (uint32_t)(fs->end - lba);
		req.count = n;
		ret = gm_source_read(fs->ctx, fs->src, &req);
		if (ret != 0)
			return ret;
		for (uint32_t i = 0; i < n; i++) {
			bool ok = st[i] == GM_SECTOR_GOOD || st[i] == GM_SECTOR_SYNTH;

			if (ok && fs->opts.bad != NULL && fs->opts.bad(fs->opts.bad_arg, lba + i))
				ok = false;
			if (!ok) {
				memset(buf + (size_t)i * FS_B, 0, FS_B);
				bad++;
			}
		}
		if (meta)
			meta_add(fs, lba, n);
		lba += n;
		buf += (size_t)n * FS_B;
		count -= n;
	}
	return bad;
}

uint32_t fs_pool_add(struct gm_fs *fs, const void *data, size_t len, bool nul)
{
	size_t need = fs->npool + len + (nul ? 1 : 0);
	uint32_t at;

	if (need > UINT32_MAX - 1) {
		fs->err = gm_error_set(fs->ctx, GM_ERR_UNSUPPORTED, "the names of the "
				       "file system take more than 4 GiB");
		return FS_NO_STR;
	}
	if (need > fs->cap_pool) {
		size_t cap = fs->cap_pool ? fs->cap_pool : 65536;
		char *grown;

		while (cap < need)
			cap *= 2;
		grown = realloc(fs->pool, cap);
		if (grown == NULL) {
			fs->err = gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
			return FS_NO_STR;
		}
		fs->pool = grown;
		fs->cap_pool = cap;
	}
	at = (uint32_t)fs->npool;
	if (len > 0)
		memcpy(fs->pool + at, data, len);
	if (nul)
		fs->pool[at + len] = '\0';
	fs->npool = need;
	return at;
}

uint32_t fs_node_add(struct gm_fs *fs, uint32_t dir, const char *name, size_t len)
{
	struct fs_node *n;
	uint32_t at, nm;

	if (fs->nnodes >= FS_MAX_NODES) {
		fs->err = gm_error_set(fs->ctx, GM_ERR_UNSUPPORTED, "the file system has "
				       "more than %u entries", FS_MAX_NODES);
		return GM_FS_NONE;
	}
	if (fs->nnodes == fs->cap_nodes) {
		uint32_t cap = fs->cap_nodes ? 2 * fs->cap_nodes : 1024;
		struct fs_node *grown = realloc(fs->node, (size_t)cap * sizeof(*grown));

		if (grown == NULL) {
			fs->err = gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
			return GM_FS_NONE;
		}
		fs->node = grown;
		fs->cap_nodes = cap;
	}
	nm = fs_pool_add(fs, name, len, true);
	if (nm == FS_NO_STR)
		return GM_FS_NONE;
	at = fs->nnodes++;
	n = &fs->node[at];
	memset(n, 0, sizeof(*n));
	n->parent = dir == GM_FS_NONE ? at : dir;
	n->child = n->next = n->tail = GM_FS_NONE;
	n->name = nm;
	n->link = FS_NO_STR;
	n->ext = (uint32_t)fs->next;
	n->canon = at;
	n->depth = dir == GM_FS_NONE ? 0 : fs->node[dir].depth + 1;
	n->st.nlink = 1;
	if (dir != GM_FS_NONE) {
		struct fs_node *d = &fs->node[dir];

		if (d->tail == GM_FS_NONE)
			d->child = at;
		else
			fs->node[d->tail].next = at;
		d->tail = at;
	}
	return at;
}

int fs_ext_add(struct gm_fs *fs, uint32_t node, uint64_t lba, uint64_t bytes, uint32_t flags)
{
	struct fs_node *n = &fs->node[node];

	if (n->next_count == 0)
		n->ext = (uint32_t)fs->next;
	if (fs->next == fs->cap_ext) {
		size_t cap = fs->cap_ext ? 2 * fs->cap_ext : 1024;
		struct gm_fs_extent *grown;

		if (fs->next >= FS_MAX_EXTENTS)
			return gm_error_set(fs->ctx, GM_ERR_UNSUPPORTED, "the file system "
					    "has more than %u extents", FS_MAX_EXTENTS);
		grown = realloc(fs->ext, cap * sizeof(*grown));
		if (grown == NULL)
			return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
		fs->ext = grown;
		fs->cap_ext = cap;
	}
	/* a new extent continuing the last one of the node joins it */
	if (n->next_count > 0 && n->ext + n->next_count == fs->next) {
		struct gm_fs_extent *e = &fs->ext[fs->next - 1];

		if (e->flags == flags && flags == 0 && e->bytes % FS_B == 0
		    && e->lba + e->bytes / FS_B == lba) {
			e->bytes += bytes;
			return 0;
		}
	}
	fs->ext[fs->next].lba = lba;
	fs->ext[fs->next].bytes = bytes;
	fs->ext[fs->next].flags = flags;
	fs->next++;
	n->next_count++;
	return 0;
}

int64_t fs_epoch(int64_t year, unsigned month, unsigned day, unsigned hour,
		 unsigned minute, unsigned second)
{
	/* the files of a disc mostly share their days: the last one kept */
	static _Thread_local int64_t last_year = INT64_MIN, last_days;
	static _Thread_local unsigned last_month, last_day;
	int64_t days;

	if (year == last_year && month == last_month && day == last_day) {
		days = last_days;
	} else {
		/* days from civil (proleptic Gregorian), H. Hinnant's algorithm */
		int64_t y = year - (month <= 2);
		int64_t era = (y >= 0 ? y : y - 399) / 400;
		unsigned yoe = (unsigned)(y - era * 400);
		unsigned m = month < 1 || month > 12 ? 1 : month;
		unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + (day ? day : 1) - 1;
		unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + (int64_t)doe - 719468;
		last_year = year;
		last_month = month;
		last_day = day;
		last_days = days;
	}
	return days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

size_t fs_utf16be(const uint8_t *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t c = (uint32_t)s[i] << 8 | s[i + 1];

		if (c >= 0xd800 && c < 0xdc00 && i + 3 < len) {
			uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];

			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;	/* a lone surrogate */
		o += put_utf8(out + o, c);
	}
	out[o] = '\0';
	return o;
}

size_t fs_latin1(const uint8_t *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++)
		o += put_utf8(out + o, s[i]);
	out[o] = '\0';
	return o;
}

/* ---------------------------------------------------------------------
 * Lookups: a hash of (parent, name) over every node
 */

static uint64_t name_hash(uint32_t parent, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ parent;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
	return h ^ h >> 29;
}

static int build_index(struct gm_fs *fs)
{
	size_t cap = 16;

	while (cap < 2 * (size_t)fs->nnodes)
		cap *= 2;
	fs->index = malloc(cap * sizeof(*fs->index));
	if (fs->index == NULL)
		return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
	memset(fs->index, 0xff, cap * sizeof(*fs->index));
	fs->index_cap = cap;
	for (uint32_t i = 1; i < fs->nnodes; i++) {
		const struct fs_node *n = &fs->node[i];
		size_t k = name_hash(n->parent, fs->pool + n->name) & (cap - 1);

		while (fs->index[k] != GM_FS_NONE) {
			/* the first of equal names wins, as in a listing */
			const struct fs_node *o = &fs->node[fs->index[k]];

			if (o->parent == n->parent
			    && strcmp(fs->pool + o->name, fs->pool + n->name) == 0)
				break;
			k = (k + 1) & (cap - 1);
		}
		if (fs->index[k] == GM_FS_NONE)
			fs->index[k] = i;
	}
	return 0;
}

uint32_t gm_fs_child(const struct gm_fs *fs, uint32_t dir, const char *name)
{
	size_t k;

	if (fs->index == NULL) {
		/* made at the first lookup (a listing needs none), once,
		   whichever thread asks first */
		struct gm_fs *w = (struct gm_fs *)fs;

		pthread_mutex_lock(&w->lock);
		if (w->index == NULL && build_index(w) != 0) {
			pthread_mutex_unlock(&w->lock);
			return GM_FS_NONE;
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (dir >= fs->nnodes)
		return GM_FS_NONE;
	for (k = name_hash(dir, name) & (fs->index_cap - 1); fs->index[k] != GM_FS_NONE;
	     k = (k + 1) & (fs->index_cap - 1)) {
		const struct fs_node *n = &fs->node[fs->index[k]];

		if (n->parent == dir && strcmp(fs->pool + n->name, name) == 0)
			return fs->index[k];
	}
	return GM_FS_NONE;
}

uint32_t gm_fs_lookup(const struct gm_fs *fs, const char *path)
{
	uint32_t at = 0;
	char comp[FS_MAX_NAME + 1];

	while (*path) {
		size_t len = strcspn(path, "/");

		if (len >= sizeof(comp))
			return GM_FS_NONE;
		memcpy(comp, path, len);
		comp[len] = '\0';
		path += len;
		if (*path == '/')
			path++;
		if (len == 0 || strcmp(comp, ".") == 0)
			continue;
		if (!S_ISDIR(fs->node[at].st.mode))
			return GM_FS_NONE;
		at = gm_fs_child(fs, at, comp);
		if (at == GM_FS_NONE)
			return GM_FS_NONE;
	}
	return at;
}

/* Hard links: nodes of equal nonzero key share the first one's inode. */
static int link_identities(struct gm_fs *fs)
{
	size_t cap = 16;
	uint32_t *set;

	while (cap < 2 * (size_t)fs->nnodes)
		cap *= 2;
	set = malloc(cap * sizeof(*set));
	if (set == NULL)
		return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
	memset(set, 0xff, cap * sizeof(*set));
	for (uint32_t i = 0; i < fs->nnodes; i++) {
		struct fs_node *n = &fs->node[i];
		size_t k;

		n->st.ino = (uint64_t)i + 1;
		if (n->key == 0 || S_ISDIR(n->st.mode))
			continue;
		for (k = (size_t)(n->key * 0x9e3779b97f4a7c15ull >> 17) & (cap - 1);
		     set[k] != GM_FS_NONE && fs->node[set[k]].key != n->key;
		     k = (k + 1) & (cap - 1))
			;
		if (set[k] == GM_FS_NONE) {
			set[k] = i;
		} else {
			n->canon = set[k];
			n->st.ino = (uint64_t)set[k] + 1;
		}
	}
	free(set);
	return 0;
}

static uint64_t stored_size(const struct gm_fs *fs, const struct fs_node *n);

/* A file larger than its extents (clipped at the volume's or image's end,
   a damaged size) is as large as they are: what is not there is not
   made up as zeros (warned about where the extent was clipped). */
static void clip_sizes(struct gm_fs *fs)
{
	for (uint32_t i = 0; i < fs->nnodes; i++) {
		struct fs_node *n = &fs->node[i];
		uint64_t stored;

		if (n->canon != i) {
			/* a hard link: the size its first name has (which comes
			   first in the arrays, so is clipped already) */
			n->st.size = fs->node[n->canon].st.size;
			n->st.flags |= fs->node[n->canon].st.flags & GM_FS_DAMAGED;
			continue;
		}
		if (!S_ISREG(n->st.mode) || (n->st.flags & GM_FS_ZISOFS))
			continue;
		stored = stored_size(fs, n);
		if (stored < n->st.size) {
			if (!(n->st.flags & GM_FS_DAMAGED))
				fs_warn(fs, i, "its size (%llu bytes) is more than its extents "
					"hold (%llu bytes)", (unsigned long long)n->st.size,
					(unsigned long long)stored);
			n->st.flags |= GM_FS_DAMAGED;
			n->st.size = stored;
		}
	}
}

/* ---------------------------------------------------------------------
 * Opening
 */

const char *gm_fs_type_name(enum gm_fs_type type)
{
	switch (type) {
	case GM_FS_UDF: return "udf";
	case GM_FS_ROCKRIDGE: return "rockridge";
	case GM_FS_JOLIET: return "joliet";
	case GM_FS_ISO9660: return "iso9660";
	default: return "auto";
	}
}

int gm_fs_type_parse(const char *name)
{
	for (int t = GM_FS_AUTO; t <= GM_FS_ISO9660; t++)
		if (strcmp(name, gm_fs_type_name((enum gm_fs_type)t)) == 0)
			return t;
	return -1;
}

/* The first sector of the session opts asks for. */
static int find_session(struct gm_fs *fs)
{
	const struct gm_disc *d = gm_source_disc(fs->src);
	unsigned want = fs->opts.session, last = 0;
	bool found = false;

	fs->session = 0;
	for (unsigned i = 0; i < d->ntracks; i++) {
		const struct gm_track *t = &d->tracks[i];

		if (!(t->control & GM_CTL_DATA))
			continue;
		if (t->session > last) {
			/* the first data track of each session */
			last = t->session;
			if (want == 0 || want == t->session) {
				fs->session = (uint64_t)(t->index[1] > 0 ? t->index[1] : 0);
				found = true;
			}
		}
	}
	if (want != 0 && !found)
		return gm_error_set(fs->ctx, GM_ERR_NOENT, "the image has no data "
				    "track in session %u (it has %u session%s)", want,
				    d->nsessions ? d->nsessions : 1,
				    d->nsessions > 1 ? "s" : "");
	return 0;
}

int gm_fs_open(struct gm_ctx *ctx, struct gm_source *src, const struct gm_fs_opts *opts,
	       struct gm_fs **out)
{
	struct gm_fs *fs = calloc(1, sizeof(*fs));
	const struct gm_disc *d = gm_source_disc(src);
	enum gm_fs_type want = opts != NULL ? opts->type : GM_FS_AUTO;
	int ret;

	*out = NULL;
	if (fs == NULL)
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	fs->ctx = ctx;
	fs->src = src;
	if (opts != NULL)
		fs->opts = *opts;
	fs->znode = GM_FS_NONE;
	fs->end = d->leadout > 0 ? (uint64_t)d->leadout : 0;
	/* held for a read from the page cache, a few microseconds:
	   spinning first spares extract's writers a futex sleep and
	   wake-up a file */
	gm_mutex_init_adaptive(&fs->lock);
	fs->buf = malloc((size_t)FS_BUF * FS_B);
	if (fs->buf == NULL) {
		gm_fs_free(fs);
		return gm_error_set(ctx, GM_ERR_NOMEM, NULL);
	}
	ret = find_session(fs);
	if (ret == 0 && (want == GM_FS_UDF || (want == GM_FS_AUTO && fs->opts.session == 0
					       && fs_udf_present(fs)))) {
		fs->kind = GM_FS_UDF;
		ret = fs_udf_read(fs);
		if ((ret == -GM_ERR_FORMAT || ret == -GM_ERR_UNSUPPORTED) && want == GM_FS_AUTO) {
			/* a broken UDF beside an ISO 9660 tree: read that */
			fs_warn(fs, GM_FS_NONE, "%s: the ISO 9660 tree is read instead",
				gm_error(ctx));
			fs->nnodes = 0;
			fs->next = 0;
			fs->npool = 0;
			ret = fs_iso_read(fs, want);
		}
	} else if (ret == 0) {
		ret = fs_iso_read(fs, want);
	}
	if (ret == 0 && fs->nnodes == 0)
		ret = gm_error_set(ctx, GM_ERR_FORMAT, "no %s file system",
				   want == GM_FS_AUTO ? "ISO 9660 or UDF"
				   : gm_fs_type_name(want));
	if (ret == 0)
		ret = link_identities(fs);
	if (ret == 0)
		clip_sizes(fs);
	if (ret != 0) {
		gm_fs_free(fs);
		return ret;
	}
	*out = fs;
	return 0;
}

void gm_fs_free(struct gm_fs *fs)
{
	if (fs == NULL)
		return;
	pthread_mutex_destroy(&fs->lock);
	free(fs->node);
	free(fs->pool);
	free(fs->ext);
	free(fs->meta);
	free(fs->index);
	free(fs->buf);
	free(fs->ra);
	free(fs->zblock);
	free(fs);
}

enum gm_fs_type gm_fs_kind(const struct gm_fs *fs) { return fs->kind; }
const char *gm_fs_label(const struct gm_fs *fs) { return fs->label; }
unsigned gm_fs_warnings(const struct gm_fs *fs) { return fs->warnings; }
uint32_t gm_fs_count(const struct gm_fs *fs) { return fs->nnodes; }

uint32_t gm_fs_first(const struct gm_fs *fs, uint32_t dir)
{
	return dir < fs->nnodes ? fs->node[dir].child : GM_FS_NONE;
}

uint32_t gm_fs_next(const struct gm_fs *fs, uint32_t node)
{
	return node < fs->nnodes ? fs->node[node].next : GM_FS_NONE;
}

uint32_t gm_fs_parent(const struct gm_fs *fs, uint32_t node)
{
	return node < fs->nnodes ? fs->node[node].parent : GM_FS_NONE;
}

const char *gm_fs_name(const struct gm_fs *fs, uint32_t node)
{
	return fs->pool + fs->node[node].name;
}

const struct gm_fs_stat *gm_fs_stat(const struct gm_fs *fs, uint32_t node)
{
	return &fs->node[node].st;
}

const char *gm_fs_link(const struct gm_fs *fs, uint32_t node)
{
	return fs->node[node].link == FS_NO_STR ? NULL : fs->pool + fs->node[node].link;
}

uint32_t gm_fs_canonical(const struct gm_fs *fs, uint32_t node)
{
	return fs->node[node].canon;
}

size_t gm_fs_extents(const struct gm_fs *fs, uint32_t node, const struct gm_fs_extent **ext)
{
	const struct fs_node *n = &fs->node[fs->node[node].canon];

	*ext = n->next_count ? &fs->ext[n->ext] : NULL;
	return n->next_count;
}

size_t gm_fs_path(const struct gm_fs *fs, uint32_t node, char *buf, size_t size)
{
	uint32_t chain[FS_MAX_DEPTH + 2];
	unsigned depth = 0;
	size_t len = 0;

	for (uint32_t at = node; at != 0 && at < fs->nnodes && depth < FS_MAX_DEPTH + 1;
	     at = fs->node[at].parent)
		chain[depth++] = at;
	if (depth == 0) {
		if (size > 1) {
			buf[0] = '/';
			buf[1] = '\0';
		}
		return 1;
	}
	while (depth-- > 0) {
		const char *name = fs->pool + fs->node[chain[depth]].name;
		size_t nl = strlen(name);

		if (len + 1 < size)
			buf[len] = '/';
		for (size_t i = 0; i < nl; i++)
			if (len + 1 + i + 1 < size)
				buf[len + 1 + i] = name[i];
		len += 1 + nl;
	}
	if (size > 0)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}

int gm_fs_runs(const struct gm_fs *fs, gm_fs_run_fn fn, void *arg)
{
	int ret;

	for (size_t i = 0; i < fs->nmeta; i++)
		if ((ret = fn(arg, fs->meta[i].first, fs->meta[i].count, GM_FS_NONE)) != 0)
			return ret;
	for (uint32_t i = 0; i < fs->nnodes; i++) {
		const struct fs_node *n = &fs->node[i];

		if (n->canon != i)
			continue;	/* a hard link's data is its first name's */
		if (n->entry != 0 && (ret = fn(arg, n->entry - 1, 1, i)) != 0)
			return ret;
		for (uint32_t k = 0; k < n->next_count; k++) {
			const struct gm_fs_extent *e = &fs->ext[n->ext + k];

			if (e->flags != 0 || e->bytes == 0)
				continue;
			if ((ret = fn(arg, e->lba, (e->bytes + FS_B - 1) / FS_B, i)) != 0)
				return ret;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Reading data
 */

/* The stored bytes [off, off + len) of node through its extents. */
static int64_t raw_read(struct gm_fs *fs, const struct fs_node *n, uint64_t off,
			uint8_t *out, size_t len, uint64_t *bad)
{
	uint64_t pos = 0;
	size_t done = 0;

	for (uint32_t k = 0; k < n->next_count && done < len; k++) {
		const struct gm_fs_extent *e = &fs->ext[n->ext + k];
		uint64_t in, take;

		if (off + done >= pos + e->bytes) {
			pos += e->bytes;
			continue;
		}
		in = off + done - pos;
		take = e->bytes - in;
		if (take > len - done)
			take = len - done;
		if (e->flags & GM_FS_EXT_HOLE) {
			memset(out + done, 0, (size_t)take);
		} else if (e->flags & GM_FS_EXT_EMBEDDED) {
			memcpy(out + done, fs->pool + e->lba + in, (size_t)take);
		} else {
			uint64_t got = 0;

			while (got < take) {
				uint64_t at = in + got;
				uint64_t sector = e->lba + at / FS_B;
				size_t skip = (size_t)(at % FS_B);
				uint64_t want = (skip + take - got + FS_B - 1) / FS_B;
				uint32_t count = want < FS_BUF ? (uint32_t)want : FS_BUF;
				size_t piece = (size_t)count * FS_B - skip;
				int64_t r;

				if (skip == 0 && take - got >= FS_B
				    && ((take - got) % FS_B == 0 || take - got > (uint64_t)FS_BUF * FS_B)) {
					/* whole sectors: straight into the caller's buffer */
					count = (take - got) / FS_B < FS_BUF
						? (uint32_t)((take - got) / FS_B) : FS_BUF;
					r = fs_sectors(fs, sector, count, out + done + got, false);
					if (r < 0)
						return r;
					if (bad != NULL)
						*bad += (uint64_t)r;
					got += (uint64_t)count * FS_B;
					continue;
				}
				if (piece > take - got)
					piece = (size_t)(take - got);
				r = fs_sectors(fs, sector, count, fs->buf, false);
				if (r < 0)
					return r;
				if (bad != NULL)
					*bad += (uint64_t)r;
				memcpy(out + done + got, fs->buf + skip, piece);
				got += piece;
			}
		}
		done += (size_t)take;
		pos += e->bytes;
	}
	return (int64_t)done;
}

static uint64_t stored_size(const struct gm_fs *fs, const struct fs_node *n)
{
	uint64_t total = 0;

	for (uint32_t k = 0; k < n->next_count; k++)
		total += fs->ext[n->ext + k].bytes;
	return total;
}

static const uint8_t zisofs_magic[8] = { 0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07 };
static const uint8_t zisofs2_magic[8] = { 0xef, 0x22, 0x55, 0xa1, 0xbc, 0x1b, 0x95, 0xa0 };

/* Block b of a zisofs file into fs->zblock (its size in fs->zsize). */
static int zisofs_block(struct gm_fs *fs, uint32_t node, uint64_t b, uint64_t *bad)
{
	const struct fs_node *n = &fs->node[node];
	uint8_t hdr[24], ptr[16];
	unsigned log2, psize = n->zv2 ? 8 : 4;
	size_t bsize, hsize;
	uint64_t nblocks, from, to, size, stored = stored_size(fs, n);
	uint8_t *packed;
	uLongf outlen;
	int64_t r;
	int z;

	if (fs->znode == node && fs->zindex == b)
		return 0;
	r = raw_read(fs, n, 0, hdr, n->zv2 ? 24 : 16, bad);
	if (r < 0)
		return (int)r;
	/* zisofs: magic, size (32), header size / 4, log2; zisofs2: magic,
	   version 0, header size / 4, algorithm 1 (zlib), log2, size (64) */
	log2 = n->zv2 ? hdr[11] : hdr[13];
	hsize = (size_t)(n->zv2 ? hdr[9] : hdr[12]) * 4;
	size = n->zv2 ? gm_le64(hdr + 12) : gm_le32(hdr + 8);
	if (r < (n->zv2 ? 24 : 16)
	    || memcmp(hdr, n->zv2 ? zisofs2_magic : zisofs_magic, 8) != 0
	    || log2 != n->zlog || hsize < (n->zv2 ? 24u : 16u)
	    || (n->zv2 && (hdr[8] != 0 || hdr[10] != 1)))
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "not a zisofs%s stream (its "
				    "header is damaged)", n->zv2 ? "2" : "");
	bsize = (size_t)1 << log2;
	nblocks = size / bsize + (size % bsize != 0);
	if (b >= nblocks)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "zisofs block %llu of %llu",
				    (unsigned long long)b, (unsigned long long)nblocks);
	r = raw_read(fs, n, hsize + psize * b, ptr, 2 * psize, bad);
	if (r < 0)
		return (int)r;
	from = n->zv2 ? gm_le64(ptr) : gm_le32(ptr);
	to = n->zv2 ? gm_le64(ptr + 8) : gm_le32(ptr + 4);
	if (r < 2 * psize || to < from || to > stored || to - from > 2 * bsize + 1024)
		return gm_error_set(fs->ctx, GM_ERR_FORMAT, "zisofs block %llu has a "
				    "bad pointer (%llu to %llu of %llu bytes)",
				    (unsigned long long)b, (unsigned long long)from,
				    (unsigned long long)to, (unsigned long long)stored);
	if (fs->zblock == NULL && (fs->zblock = malloc((size_t)1 << 20)) == NULL)
		return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
	fs->znode = GM_FS_NONE;
	if (to == from) {
		memset(fs->zblock, 0, bsize);	/* a block of zeros */
	} else {
		packed = malloc((size_t)(to - from));
		if (packed == NULL)
			return gm_error_set(fs->ctx, GM_ERR_NOMEM, NULL);
		r = raw_read(fs, n, from, packed, (size_t)(to - from), bad);
		outlen = (uLongf)bsize;
		z = r < 0 ? Z_OK : uncompress(fs->zblock, &outlen, packed, (uLong)(to - from));
		free(packed);
		if (r < 0)
			return (int)r;
		if (z != Z_OK && z != Z_BUF_ERROR)
			return gm_error_set(fs->ctx, GM_ERR_FORMAT, "zisofs block %llu "
					    "does not inflate (zlib error %d)",
					    (unsigned long long)b, z);
		if (outlen < bsize)
			memset(fs->zblock + outlen, 0, bsize - outlen);
	}
	fs->znode = node;
	fs->zindex = b;
	fs->zsize = bsize;
	return 0;
}

int64_t gm_fs_read(struct gm_ctx *ctx, struct gm_fs *fs, uint32_t node, uint64_t off,
		   void *buf, size_t len, uint64_t *bad)
{
	const struct fs_node *n;
	uint64_t size;
	int64_t ret = 0;

	if (node >= fs->nnodes)
		return gm_error_set(ctx, GM_ERR_INVALID, "no entry %lu", (unsigned long)node);
	node = fs->node[node].canon;
	n = &fs->node[node];
	size = n->st.size;
	if (off >= size || len == 0)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	pthread_mutex_lock(&fs->lock);
	fs->ctx = ctx;
	if (!(n->st.flags & GM_FS_ZISOFS)) {
		ret = raw_read(fs, n, off, buf, len, bad);
		if (ret >= 0 && (size_t)ret < len) {
			/* the extents end before the size: zeros (warned) */
			memset((uint8_t *)buf + ret, 0, len - (size_t)ret);
			ret = (int64_t)len;
		}
	} else {
		size_t done = 0;

		while (done < len) {
			uint64_t at = off + done;
			int r;
			size_t in, take;

			r = zisofs_block(fs, node, at >> n->zlog, bad);
			if (r != 0) {
				ret = r;
				break;
			}
			in = (size_t)(at % fs->zsize);
			take = fs->zsize - in < len - done ? fs->zsize - in : len - done;
			memcpy((uint8_t *)buf + done, fs->zblock + in, take);
			done += take;
			ret = (int64_t)done;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return ret;
}
