/*
 * test_tree.c - the mastering tree scanner: name order, graft points and
 * merging, exclusion and hiding by leaf name and by image path, sort
 * files, hard-link groups, clamped times, and the problems it must name
 * (missing sources, two sources for one path, symlink loops, files that
 * say they are empty but are not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "gm_test.h"
#include "master.h"

static char root[64];

static void path_of(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", root, rel);
}

static void make_file(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char p[256];

	path_of(p, sizeof(p), rel);
	CU_ASSERT_EQUAL(mkdir(p, 0755), 0);
}

/* root/src: a tree for the tests. */
static void setup(void)
{
	char a[256], b[256];

	snprintf(root, sizeof(root), "/tmp/gm-unit-tree.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	make_dir("src");
	make_dir("src/sub");
	make_dir("src/sub/deep");
	make_file("src/zeta.txt", "z");
	make_file("src/alpha.txt", "a");
	make_file("src/Beta.log", "bb");
	make_file("src/sub/keep.c", "int x;");
	make_file("src/sub/drop.o", "obj");
	make_file("src/sub/deep/x.o", "obj");
	path_of(a, sizeof(a), "src/alpha.txt");
	path_of(b, sizeof(b), "src/sub/alpha-link.txt");
	CU_ASSERT_EQUAL(link(a, b), 0);
	path_of(b, sizeof(b), "src/sym");
	CU_ASSERT_EQUAL(symlink("sub/keep.c", b), 0);
	make_dir("other");
	make_file("other/extra.txt", "extra");
	make_file("other/alpha.txt", "clash");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int scan(struct gm_ctx *ctx, const char **srcs, size_t n,
		const struct gm_tree_opts *opts, struct gm_tree **tree)
{
	return gm_tree_scan(ctx, srcs, n, opts, tree);
}

GM_TEST(tree_scan_orders_groups_and_counts)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_tree_opts opts;
	struct gm_tree *tree;
	char src[256];
	const char *srcs[1] = { src };
	const struct gm_node *r, *a, *l;

	setup();
	path_of(src, sizeof(src), "src");
	gm_tree_opts_init(&opts);
	CU_ASSERT_EQUAL_FATAL(scan(ctx, srcs, 1, &opts, &tree), 0);
	r = tree->root;
	CU_ASSERT_EQUAL_FATAL(r->nchildren, 5);
	/* byte order: uppercase first */
	CU_ASSERT_STRING_EQUAL(r->children[0]->name, "Beta.log");
	CU_ASSERT_STRING_EQUAL(r->children[1]->name, "alpha.txt");
	CU_ASSERT_STRING_EQUAL(r->children[2]->name, "sub");
	CU_ASSERT_STRING_EQUAL(r->children[3]->name, "sym");
	CU_ASSERT_STRING_EQUAL(r->children[4]->name, "zeta.txt");
	CU_ASSERT_EQUAL(tree->files, 7);
	CU_ASSERT_EQUAL(tree->dirs, 3);
	CU_ASSERT_EQUAL(tree->symlinks, 1);
	/* the hard link's data counts once */
	CU_ASSERT_EQUAL(tree->bytes, 1 + 1 + 2 + 6 + 3 + 3);
	a = gm_tree_find(tree, "/alpha.txt");
	l = gm_tree_find(tree, "/sub/alpha-link.txt");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_NOT_EQUAL(a->link_group, 0);
	CU_ASSERT_EQUAL(a->link_group, l->link_group);
	CU_ASSERT_STRING_EQUAL(gm_tree_find(tree, "/sym")->target, "sub/keep.c");
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/sym")->kind, GM_NODE_SYMLINK);
	CU_ASSERT_PTR_NULL(gm_tree_find(tree, "/nothing"));
	{
		char *p = gm_node_path(gm_tree_find(tree, "/sub/deep/x.o"));

		CU_ASSERT_STRING_EQUAL(p, "/sub/deep/x.o");
		free(p);
	}
	gm_tree_free(tree);
	teardown();
	gm_ctx_free(ctx);
}

GM_TEST(tree_exclude_hide_sort_clamp)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_tree_opts opts;
	struct gm_tree *tree;
	char src[256], sort[256], from[256];
	const char *srcs[1] = { src };
	const char *excl[1] = { "*.o" }, *hide[1] = { "/sub/keep.c" }, *hidej[1] = { "*.log" };
	const struct gm_node *n;

	setup();
	path_of(src, sizeof(src), "src");
	path_of(sort, sizeof(sort), "sort.txt");
	path_of(from, sizeof(from), "exclude.txt");
	make_file("sort.txt", "# weights\n/zeta.txt 100\n/sub   -5\n");
	make_file("exclude.txt", "sym\r\n\n");
	gm_tree_opts_init(&opts);
	opts.exclude = excl;
	opts.nexclude = 1;
	opts.exclude_from = from;
	opts.hide = hide;
	opts.nhide = 1;
	opts.hide_joliet = hidej;
	opts.nhide_joliet = 1;
	opts.sort_file = sort;
	opts.clamp = 1000;
	CU_ASSERT_EQUAL_FATAL(scan(ctx, srcs, 1, &opts, &tree), 0);
	CU_ASSERT_PTR_NULL(gm_tree_find(tree, "/sub/drop.o"));
	CU_ASSERT_PTR_NULL(gm_tree_find(tree, "/sub/deep/x.o"));
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/sub/deep"));
	CU_ASSERT_PTR_NULL(gm_tree_find(tree, "/sym"));
	n = gm_tree_find(tree, "/sub/keep.c");
	CU_ASSERT_EQUAL(n->hide, GM_HIDE_ISO);
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/Beta.log")->hide, GM_HIDE_JOLIET);
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/alpha.txt")->hide, 0);
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/zeta.txt")->sort_weight, 100);
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/sub")->sort_weight, -5);
	/* files made now are newer than 1000: clamped, atime = ctime = mtime */
	CU_ASSERT_EQUAL(n->mtime, 1000);
	CU_ASSERT_EQUAL(n->atime, 1000);
	CU_ASSERT_EQUAL(n->ctime, 1000);
	CU_ASSERT_EQUAL(tree->root->mtime, 1000);
	gm_tree_free(tree);

	/* a sort file naming nothing names its line */
	make_file("sort.txt", "/zeta.txt 1\n/none 2\n");
	opts.exclude_from = NULL;
	CU_ASSERT_EQUAL(scan(ctx, srcs, 1, &opts, &tree), -GM_ERR_NOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "sort.txt' line 2: '/none' is not "
				      "in the image"));
	make_file("sort.txt", "/zeta.txt heavy\n");
	CU_ASSERT_EQUAL(scan(ctx, srcs, 1, &opts, &tree), -GM_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "line 1: the weight 'heavy'"));
	teardown();
	gm_ctx_free(ctx);
}

GM_TEST(tree_graft_points_merge_and_clash)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_tree_opts opts;
	struct gm_tree *tree;
	char src[256], g1[300], g2[300], g3[300], other[256];
	const char *srcs[4] = { src, g1, g2, g3 };

	setup();
	path_of(src, sizeof(src), "src");
	path_of(other, sizeof(other), "other");
	snprintf(g1, sizeof(g1), "docs/more=%s", other);
	snprintf(g2, sizeof(g2), "a\\=b/z.txt=%s/zeta.txt", src);
	snprintf(g3, sizeof(g3), "sub=%s", other);	/* merges into /sub */
	gm_tree_opts_init(&opts);
	CU_ASSERT_EQUAL_FATAL(scan(ctx, srcs, 4, &opts, &tree), 0);
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/docs/more/extra.txt"));
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/docs")->kind, GM_NODE_DIR);
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/a=b/z.txt"));
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/sub/keep.c"));
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/sub/extra.txt"));
	CU_ASSERT_PTR_NOT_NULL(gm_tree_find(tree, "/sub/alpha.txt"));
	gm_tree_free(tree);

	/* two directories both holding alpha.txt at the root: a clash */
	srcs[1] = other;
	CU_ASSERT_EQUAL(scan(ctx, srcs, 2, &opts, &tree), -GM_ERR_EXISTS);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "'/alpha.txt' comes from both"));
	/* a file as a plain source */
	snprintf(g1, sizeof(g1), "%s/zeta.txt", src);
	srcs[1] = g1;
	CU_ASSERT_EQUAL(scan(ctx, srcs, 2, &opts, &tree), -GM_ERR_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "is not a directory: give a file "
				      "as a graft point"));
	teardown();
	gm_ctx_free(ctx);
}

GM_TEST(tree_problems_are_named)
{
	struct gm_ctx *ctx = gm_ctx_new();
	struct gm_tree_opts opts;
	struct gm_tree *tree;
	char src[256], loop[256], missing[256];
	const char *srcs[2] = { src, missing };

	setup();
	path_of(src, sizeof(src), "src");
	path_of(missing, sizeof(missing), "nowhere");
	gm_tree_opts_init(&opts);
	CU_ASSERT_EQUAL(scan(ctx, srcs, 2, &opts, &tree), -GM_ERR_NOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "nowhere': No such file"));

	/* following symlinks: one back to its parent is a loop */
	path_of(loop, sizeof(loop), "src/sub/deep/up");
	CU_ASSERT_EQUAL(symlink("../..", loop), 0);
	opts.follow_symlinks = true;
	CU_ASSERT_EQUAL(scan(ctx, srcs, 1, &opts, &tree), -GM_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "symlink loop: '"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "sub/deep/up' leads back to '"));
	unlink(loop);
	/* without following, it is just a symlink; followed, the link to
	   sub/keep.c becomes a file */
	CU_ASSERT_EQUAL_FATAL(scan(ctx, srcs, 1, &opts, &tree), 0);
	CU_ASSERT_EQUAL(gm_tree_find(tree, "/sym")->kind, GM_NODE_FILE);
	gm_tree_free(tree);

	/* a /proc file: size 0, but it has data */
	snprintf(missing, sizeof(missing), "v.txt=/proc/version");
	opts.follow_symlinks = false;
	CU_ASSERT_EQUAL(scan(ctx, srcs, 2, &opts, &tree), -GM_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(gm_error(ctx), "'/proc/version' says it is empty "
				      "but has data"));
	teardown();
	gm_ctx_free(ctx);
}
