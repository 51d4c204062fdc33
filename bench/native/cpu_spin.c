// Benchmark load for profiler overhead: a CPU-bound loop (built with frame pointers, as profiled
// code should be) that prints how many work units per second it completed. It starts when a line
// arrives on standard input, so a profiler can be attached to its pid first.
// usage: cpu_spin <seconds>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

__attribute__((noinline)) unsigned long spin_work(unsigned long x)
{
	for (int i = 0; i < 4096; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	char go[8];

	if (!fgets(go, sizeof(go), stdin))
		return 1;
	double start = now(), t = start, cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	unsigned long units = 0, x = 1;

	while (t - start < seconds) {
		for (int i = 0; i < 256; i++)
			x = spin_work(x);
		units += 256;
		t = now();
	}
	cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	printf("%.0f %.0f %lu\n", units / (t - start), units / cpu, x & 1);
	return 0;
}
