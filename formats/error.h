/*
 * error.h - the library's context object and its error convention.
 *
 * Every library function that can fail returns 0 on success or a negative
 * `enum gm_err` code, and records a message on the context it was given
 * (in the manner of libarchive's archive_set_error).  The codes live in one
 * append-only X-macro table below together with their default message and
 * the exit status the command line uses for them; nothing below cli/ prints
 * or exits.
 */
#ifndef GM_ERROR_H
#define GM_ERROR_H

#include <stddef.h>
#include <stdint.h>

/*
 * X(NAME, default message, CLI exit status).  Append only: the numeric
 * values are part of the library interface.  Exit statuses: 0 success,
 * 1 verification mismatch or unrecovered sectors, 2 usage error or bad
 * input, 3 device or I/O failure, 130 interrupted with state saved.
 */
#define GM_ERR_TABLE(X)                                                      \
	X(OK, "success", 0)                                                  \
	X(USAGE, "usage error", 2)                                           \
	X(INVALID, "invalid argument", 2)                                    \
	X(FORMAT, "malformed input", 2)                                      \
	X(UNSUPPORTED, "not supported", 2)                                   \
	X(EXISTS, "output already exists", 2)                                \
	X(NOENT, "no such file or device", 2)                                \
	X(NOMEM, "out of memory", 3)                                         \
	X(IO, "input/output error", 3)                                       \
	X(DEVICE, "device failure", 3)                                       \
	X(MISMATCH, "verification mismatch", 1)                              \
	X(UNREADABLE, "unrecovered sectors", 1)                              \
	X(INTERRUPTED, "interrupted, state saved", 130)

enum gm_err {
#define GM_ERR_ENUM(name, msg, status) GM_ERR_##name,
	GM_ERR_TABLE(GM_ERR_ENUM)
#undef GM_ERR_ENUM
	GM_ERR_COUNT
};

/* Longest message kept on a context, terminating NUL included. */
#define GM_ERROR_MAX 1024

/*
 * The context: carries the last error of the operations run on it.  One
 * context per thread of work; it is not shared between threads.
 */
struct gm_ctx;

/* A new context with no error set, or NULL when memory is exhausted. */
struct gm_ctx *gm_ctx_new(void);

/* Free a context; NULL is accepted. */
void gm_ctx_free(struct gm_ctx *ctx);

/*
 * Record an error on ctx: `code` and a printf-style message (lower case,
 * no trailing period, naming the file, line or sector).  Returns -code so
 * that callers can write `return gm_error_set(ctx, GM_ERR_IO, ...)`.
 * A NULL fmt records the code's default message.  ctx may be NULL, in
 * which case only the return value carries the error.
 */
int gm_error_set(struct gm_ctx *ctx, enum gm_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like gm_error_set(), with ": <strerror(errnum)>" appended. */
int gm_error_set_errno(struct gm_ctx *ctx, enum gm_err code, int errnum,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Forget the last error. */
void gm_error_clear(struct gm_ctx *ctx);

/* The last message recorded on ctx, "" when none.  Owned by ctx. */
const char *gm_error(const struct gm_ctx *ctx);

/* The last code recorded on ctx, GM_ERR_OK when none. */
enum gm_err gm_error_code(const struct gm_ctx *ctx);

/* The default message of a code, or "unknown error". */
const char *gm_err_message(enum gm_err code);

/* The code's name without prefix ("IO"), or "UNKNOWN". */
const char *gm_err_name(enum gm_err code);

/* The exit status the command line uses for a code (3 for unknown codes). */
int gm_err_exit_status(enum gm_err code);

/* Progress of long work: bytes done and bytes in all (0 when unknown). */
typedef void (*gm_progress_fn)(void *arg, uint64_t done, uint64_t total);

#endif
