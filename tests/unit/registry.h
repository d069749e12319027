/* registry.h - the table of unit tests made by gen-registry.sh. */
#ifndef GM_REGISTRY_H
#define GM_REGISTRY_H

struct gm_test_entry {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

extern const struct gm_test_entry gm_test_table[];

#endif
