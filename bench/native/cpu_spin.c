// Benchmark load for profiler overhead: a CPU-bound loop (built with frame pointers, as profiled
// code should be) that prints how many work units per second it completed. It starts when a line
// arrives on standard input, so a profiler can be attached to its pid first.
// usage: cpu_spin <seconds>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	double start = now(), t = start;
	unsigned long units = 0, x = 1;

	while (t - start < seconds) {
		for (int i = 0; i < 256; i++)
			x = spin_work(x);
		units += 256;
		t = now();
	}
	printf("%.0f %lu\n", units / (t - start), x & 1);
	return 0;
}
