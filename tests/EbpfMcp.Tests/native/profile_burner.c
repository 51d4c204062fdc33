// Test workload for the CPU profiler: burner_outer() calls burner_inner(), which burns the CPU.
// Built by clang with -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer (a leaf function without
// a frame would hide its caller) so user stacks can be walked, and linked dynamically (PIE), so
// symbols must be found through the mapping's file offset.
// usage: profile_burner <seconds> [addresses] [thread]
//   addresses: print "pid inner outer" (hex) first, for symbolizer tests
//   thread:    burn in a second thread renamed "emt-worker" (the process keeps its name)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static double seconds;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void burner_inner(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i * i ^ (sink >> 3);
}

__attribute__((noinline)) void burner_outer(double duration)
{
	double end = now() + duration;
	while (now() < end)
		burner_inner(1 << 20);
}

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "emt-worker");
	burner_outer(seconds);
	return NULL;
}

int main(int argc, char **argv)
{
	seconds = argc > 1 ? atof(argv[1]) : 1.0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "addresses") == 0) {
			printf("%d %lx %lx\n", getpid(), (unsigned long)burner_inner, (unsigned long)burner_outer);
			fflush(stdout);
		}
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "thread") == 0) {
			pthread_t t;
			pthread_create(&t, NULL, worker, NULL);
			pthread_join(t, NULL);
			return 0;
		}
	}
	burner_outer(seconds);
	return 0;
}
