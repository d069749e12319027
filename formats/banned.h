/*
 * banned.h - functions that must not be used in glassmaster (after git's
 * banned.h).  Include it last in every library and CLI source file; a use
 * of one of these becomes a compile error that names the reason.
 */
#ifndef GM_BANNED_H
#define GM_BANNED_H

#define GM_BANNED(func) sorry_##func##_is_banned_in_glassmaster

#undef strcpy
#define strcpy(x, y) GM_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GM_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) GM_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) GM_BANNED(strncat)
#undef sprintf
#define sprintf(...) GM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GM_BANNED(vsprintf)
#undef gets
#define gets(x) GM_BANNED(gets)
#undef atoi
#define atoi(x) GM_BANNED(atoi)
#undef atol
#define atol(x) GM_BANNED(atol)

#endif
