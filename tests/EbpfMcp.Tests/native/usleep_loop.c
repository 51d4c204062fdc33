// Test workload for off-CPU time: sleeper_wait() calls usleep(10 ms) in a loop, so the process is
// blocked almost all of the time, in the kernel's nanosleep path. Built with frame pointers.
// usage: usleep_loop <seconds>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void sleeper_wait(double seconds)
{
	struct timespec start, t;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - start.tv_sec) + (t.tv_nsec - start.tv_nsec) / 1e9 < seconds);
}

int main(int argc, char **argv)
{
	sleeper_wait(argc > 1 ? atof(argv[1]) : 1.0);
	return 0;
}
