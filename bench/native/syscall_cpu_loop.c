// Benchmark load for per-call tracing cost: close(-1) in a loop for <seconds>, printing calls per
// second of this process's own CPU time (user + system). Tracing programs run in the caller's
// system time, so the figure measures their cost even when other work shares the CPUs and the
// loop is not scheduled all the time (wall-clock rates then mostly measure the scheduler).
// usage: syscall_cpu_loop <seconds>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double seconds_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double end = seconds_of(CLOCK_MONOTONIC) + seconds;
	double cpu_start = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
	unsigned long calls = 0;

	while (seconds_of(CLOCK_MONOTONIC) < end) {
		for (int i = 0; i < 65536; i++)
			close(-1);
		calls += 65536;
	}
	printf("%.0f\n", calls / (seconds_of(CLOCK_PROCESS_CPUTIME_ID) - cpu_start));
	return 0;
}
