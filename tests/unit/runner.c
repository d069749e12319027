/*
 * runner.c - runs the unit tests registered in gm_test_table with CUnit's
 * basic interface and ends with the line "N passed, N failed" (tests);
 * also the helpers gm_test.h promises the tests.
 *
 * Usage: gm-unit [SUITE[/TEST]]   run all tests, or a suite, or one test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "gm_test.h"
#include "registry.h"

const char *gm_test_srcdir(void)
{
	const char *dir = getenv("GM_TEST_SRCDIR");

	return dir != NULL ? dir : TESTS_SRCDIR;
}

static uint32_t rng_state = 0x2545f491u;

void gm_test_rng_seed(uint32_t seed)
{
	rng_state = seed != 0 ? seed : 0x2545f491u;
}

uint32_t gm_test_rng_next(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

void gm_test_rng_fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(gm_test_rng_next() >> 24);
}

static int selected(const struct gm_test_entry *t, const char *filter)
{
	size_t len;

	if (filter == NULL)
		return 1;
	len = strlen(t->suite);
	if (strncmp(filter, t->suite, len) != 0)
		return 0;
	if (filter[len] == '\0')
		return 1;
	return filter[len] == '/' && strcmp(filter + len + 1, t->name) == 0;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	CU_pSuite suite = NULL;
	const char *suite_name = NULL;
	unsigned ran, failed;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "gm-unit: %s\n", CU_get_error_msg());
		return 2;
	}
	for (const struct gm_test_entry *t = gm_test_table; t->fn; t++) {
		if (!selected(t, filter))
			continue;
		if (suite_name == NULL || strcmp(suite_name, t->suite) != 0) {
			suite_name = t->suite;
			suite = CU_add_suite(t->suite, NULL, NULL);
		}
		if (suite == NULL || CU_add_test(suite, t->name, t->fn) == NULL) {
			fprintf(stderr, "gm-unit: %s\n", CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	ran = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "gm-unit: no test matches '%s'\n",
			filter ? filter : "");
		return 2;
	}
	printf("\n%u passed, %u failed\n", ran - failed, failed);
	return failed == 0 ? 0 : 1;
}
