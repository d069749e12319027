/*
 * error.c - the context object and the error table (see error.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

struct gm_ctx {
	enum gm_err code;
	char msg[GM_ERROR_MAX];
};

static const struct {
	const char *name;
	const char *message;
	int exit_status;
} err_table[GM_ERR_COUNT] = {
#define GM_ERR_ROW(name, msg, status) {#name, msg, status},
	GM_ERR_TABLE(GM_ERR_ROW)
#undef GM_ERR_ROW
};

struct gm_ctx *gm_ctx_new(void)
{
	return calloc(1, sizeof(struct gm_ctx));
}

void gm_ctx_free(struct gm_ctx *ctx)
{
	free(ctx);
}

__attribute__((format(printf, 4, 0)))
static int error_vset(struct gm_ctx *ctx, enum gm_err code, int errnum,
		      const char *fmt, va_list ap)
{
	if ((unsigned)code >= GM_ERR_COUNT)
		code = GM_ERR_INVALID;
	if (ctx == NULL)
		return -(int)code;
	ctx->code = code;
	if (fmt == NULL) {
		snprintf(ctx->msg, sizeof(ctx->msg), "%s", err_table[code].message);
	} else {
		vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	}
	if (errnum != 0) {
		size_t len = strlen(ctx->msg);
		snprintf(ctx->msg + len, sizeof(ctx->msg) - len, ": %s",
			 strerror(errnum));
	}
	return -(int)code;
}

int gm_error_set(struct gm_ctx *ctx, enum gm_err code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_vset(ctx, code, 0, fmt, ap);
	va_end(ap);
	return ret;
}

int gm_error_set_errno(struct gm_ctx *ctx, enum gm_err code, int errnum,
		       const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_vset(ctx, code, errnum, fmt, ap);
	va_end(ap);
	return ret;
}

void gm_error_clear(struct gm_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ctx->code = GM_ERR_OK;
	ctx->msg[0] = '\0';
}

const char *gm_error(const struct gm_ctx *ctx)
{
	return ctx != NULL ? ctx->msg : "";
}

enum gm_err gm_error_code(const struct gm_ctx *ctx)
{
	return ctx != NULL ? ctx->code : GM_ERR_OK;
}

const char *gm_err_message(enum gm_err code)
{
	if ((unsigned)code >= GM_ERR_COUNT)
		return "unknown error";
	return err_table[code].message;
}

const char *gm_err_name(enum gm_err code)
{
	if ((unsigned)code >= GM_ERR_COUNT)
		return "UNKNOWN";
	return err_table[code].name;
}

int gm_err_exit_status(enum gm_err code)
{
	if ((unsigned)code >= GM_ERR_COUNT)
		return 3;
	return err_table[code].exit_status;
}
