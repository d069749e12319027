/*
 * threads.h - what the library's and the program's threads share: a mutex
 * that spins a little before it sleeps (glibc's adaptive kind), for locks
 * held a few microseconds by threads that take them per file or per read.
 */
#ifndef GM_THREADS_H
#define GM_THREADS_H

#include <pthread.h>

static inline void gm_mutex_init_adaptive(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
#ifdef PTHREAD_MUTEX_ADAPTIVE_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

#endif
