/*
 * test_error.c - unit tests of the context object and the error convention
 * (error.h): setting, formatting, errno messages, clearing, the table of
 * names, messages and exit statuses, and a NULL context.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "gm_test.h"

GM_TEST(error_ctx_new)
{
	struct gm_ctx *ctx = gm_ctx_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gm_error(ctx));
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "");
	gm_ctx_free(ctx);
	gm_ctx_free(NULL);
}

GM_TEST(error_set_formats)
{
	struct gm_ctx *ctx = gm_ctx_new();
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	ret = gm_error_set(ctx, GM_ERR_IO, "sector %d of %s", 5, "disc.bin");
	CU_ASSERT_EQUAL(ret, -GM_ERR_IO);
	CU_ASSERT(ret < 0);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_IO);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "sector 5 of disc.bin");

	/* A later error replaces the earlier one. */
	ret = gm_error_set(ctx, GM_ERR_FORMAT, "line %u: bad %s", 12u, "INDEX");
	CU_ASSERT_EQUAL(ret, -GM_ERR_FORMAT);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_FORMAT);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "line 12: bad INDEX");

	/* A shorter message does not leave the end of the longer one. */
	ret = gm_error_set(ctx, GM_ERR_MISMATCH, "x");
	CU_ASSERT_EQUAL(ret, -GM_ERR_MISMATCH);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "x");
	gm_ctx_free(ctx);
}

GM_TEST(error_set_default_message)
{
	struct gm_ctx *ctx = gm_ctx_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_EQUAL(gm_error_set(ctx, GM_ERR_NOMEM, NULL), -GM_ERR_NOMEM);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_NOMEM);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "out of memory");
	CU_ASSERT_EQUAL(gm_error_set(ctx, GM_ERR_DEVICE, NULL),
			-GM_ERR_DEVICE);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "device failure");
	gm_ctx_free(ctx);
}

GM_TEST(error_set_errno)
{
	struct gm_ctx *ctx = gm_ctx_new();
	char want[GM_ERROR_MAX];
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	ret = gm_error_set_errno(ctx, GM_ERR_NOENT, ENOENT, "cannot open %s",
				 "image.cue");
	CU_ASSERT_EQUAL(ret, -GM_ERR_NOENT);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_NOENT);
	want[0] = '\0';
	{
		const char *prefix = "cannot open image.cue: ";
		const char *err = strerror(ENOENT);

		CU_ASSERT_FATAL(strlen(prefix) + strlen(err) < sizeof(want));
		memcpy(want, prefix, strlen(prefix));
		memcpy(want + strlen(prefix), err, strlen(err) + 1);
	}
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), want);

	/* The default message with errno. */
	ret = gm_error_set_errno(ctx, GM_ERR_IO, EIO, NULL);
	CU_ASSERT_EQUAL(ret, -GM_ERR_IO);
	{
		const char *prefix = "input/output error: ";
		const char *err = strerror(EIO);

		memcpy(want, prefix, strlen(prefix));
		memcpy(want + strlen(prefix), err, strlen(err) + 1);
	}
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), want);
	gm_ctx_free(ctx);
}

GM_TEST(error_long_message_truncated)
{
	struct gm_ctx *ctx = gm_ctx_new();
	char *big = malloc(3 * GM_ERROR_MAX);
	const char *msg;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'a', 3 * GM_ERROR_MAX - 1);
	big[3 * GM_ERROR_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(gm_error_set(ctx, GM_ERR_INVALID, "%s", big),
			-GM_ERR_INVALID);
	msg = gm_error(ctx);
	CU_ASSERT_EQUAL(strlen(msg), GM_ERROR_MAX - 1);
	CU_ASSERT_EQUAL(strncmp(msg, big, GM_ERROR_MAX - 1), 0);

	CU_ASSERT_EQUAL(gm_error_set_errno(ctx, GM_ERR_IO, EIO, "%s", big),
			-GM_ERR_IO);
	CU_ASSERT(strlen(gm_error(ctx)) <= GM_ERROR_MAX - 1);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_IO);
	free(big);
	gm_ctx_free(ctx);
}

GM_TEST(error_clear)
{
	struct gm_ctx *ctx = gm_ctx_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	gm_error_set(ctx, GM_ERR_DEVICE, "drive %s", "/dev/sr0");
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_DEVICE);
	gm_error_clear(ctx);
	CU_ASSERT_EQUAL(gm_error_code(ctx), GM_ERR_OK);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "");
	/* Usable again after clearing. */
	CU_ASSERT_EQUAL(gm_error_set(ctx, GM_ERR_USAGE, "again"),
			-GM_ERR_USAGE);
	CU_ASSERT_STRING_EQUAL(gm_error(ctx), "again");
	gm_ctx_free(ctx);
}

GM_TEST(error_null_ctx)
{

	CU_ASSERT_EQUAL(gm_error_set(NULL, GM_ERR_IO, "sector %d", 7),
			-GM_ERR_IO);
	CU_ASSERT_EQUAL(gm_error_set(NULL, GM_ERR_UNREADABLE, NULL),
			-GM_ERR_UNREADABLE);
	CU_ASSERT_EQUAL(gm_error_set_errno(NULL, GM_ERR_NOENT, ENOENT, "x"),
			-GM_ERR_NOENT);
	gm_error_clear(NULL);
	CU_ASSERT_EQUAL(gm_error_code(NULL), GM_ERR_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gm_error(NULL));
	CU_ASSERT_STRING_EQUAL(gm_error(NULL), "");
}

/* The interface values of the codes are fixed (append-only table). */
GM_TEST(error_code_values)
{
	CU_ASSERT_EQUAL(GM_ERR_OK, 0);
	CU_ASSERT_EQUAL(GM_ERR_USAGE, 1);
	CU_ASSERT_EQUAL(GM_ERR_INVALID, 2);
	CU_ASSERT_EQUAL(GM_ERR_FORMAT, 3);
	CU_ASSERT_EQUAL(GM_ERR_UNSUPPORTED, 4);
	CU_ASSERT_EQUAL(GM_ERR_EXISTS, 5);
	CU_ASSERT_EQUAL(GM_ERR_NOENT, 6);
	CU_ASSERT_EQUAL(GM_ERR_NOMEM, 7);
	CU_ASSERT_EQUAL(GM_ERR_IO, 8);
	CU_ASSERT_EQUAL(GM_ERR_DEVICE, 9);
	CU_ASSERT_EQUAL(GM_ERR_MISMATCH, 10);
	CU_ASSERT_EQUAL(GM_ERR_UNREADABLE, 11);
	CU_ASSERT_EQUAL(GM_ERR_INTERRUPTED, 12);
	CU_ASSERT(GM_ERR_COUNT >= 13);
}

GM_TEST(error_table)
{
	static const struct {
		enum gm_err code;
		const char *name;
		const char *message;
		int status;
	} rows[] = {
		{GM_ERR_OK, "OK", "success", 0},
		{GM_ERR_USAGE, "USAGE", "usage error", 2},
		{GM_ERR_INVALID, "INVALID", "invalid argument", 2},
		{GM_ERR_FORMAT, "FORMAT", "malformed input", 2},
		{GM_ERR_UNSUPPORTED, "UNSUPPORTED", "not supported", 2},
		{GM_ERR_EXISTS, "EXISTS", "output already exists", 2},
		{GM_ERR_NOENT, "NOENT", "no such file or device", 2},
		{GM_ERR_NOMEM, "NOMEM", "out of memory", 3},
		{GM_ERR_IO, "IO", "input/output error", 3},
		{GM_ERR_DEVICE, "DEVICE", "device failure", 3},
		{GM_ERR_MISMATCH, "MISMATCH", "verification mismatch", 1},
		{GM_ERR_UNREADABLE, "UNREADABLE", "unrecovered sectors", 1},
		{GM_ERR_INTERRUPTED, "INTERRUPTED", "interrupted, state saved",
		 130},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CU_ASSERT_EQUAL(gm_err_exit_status(rows[i].code),
				rows[i].status);
		CU_ASSERT_PTR_NOT_NULL_FATAL(gm_err_name(rows[i].code));
		CU_ASSERT_STRING_EQUAL(gm_err_name(rows[i].code),
				       rows[i].name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(gm_err_message(rows[i].code));
		CU_ASSERT_STRING_EQUAL(gm_err_message(rows[i].code),
				       rows[i].message);
	}
}

GM_TEST(error_unknown_code)
{
	static const int unknown[] = {GM_ERR_COUNT, GM_ERR_COUNT + 1, 999};

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		enum gm_err code = (enum gm_err)unknown[i];

		CU_ASSERT_EQUAL(gm_err_exit_status(code), 3);
		CU_ASSERT_STRING_EQUAL(gm_err_name(code), "UNKNOWN");
		CU_ASSERT_STRING_EQUAL(gm_err_message(code), "unknown error");
	}
}
