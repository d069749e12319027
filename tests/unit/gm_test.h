/*
 * gm_test.h - how unit tests are written here.
 *
 * A test is one function declared with GM_TEST(name) in a file
 * tests/unit/test_<suite>.c; the build greps those lines (gen-registry.sh)
 * to make the table the runner registers with CUnit, so adding a test is
 * writing the function.  Names are unique across all files.
 */
#ifndef GM_TEST_H
#define GM_TEST_H

#include <CUnit/CUnit.h>

/* The prototype first keeps -Wmissing-prototypes quiet. */
#define GM_TEST(name) void gm_test_##name(void); void gm_test_##name(void)

#include <stddef.h>
#include <stdint.h>

/* Deterministic pseudo-random data (xorshift32); seed 0 picks a default. */
void gm_test_rng_seed(uint32_t seed);
uint32_t gm_test_rng_next(void);
void gm_test_rng_fill(uint8_t *buf, size_t len);

/* Path of a file under the source tree's tests/ (for data files). */
const char *gm_test_srcdir(void);

#endif
