// Benchmark load: close(-1) fails with EBADF every time; prints how many calls per second it made.
// usage: close_loop <seconds>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double start = now(), end = start + seconds, t = start;
	unsigned long calls = 0;

	while (t < end) {
		for (int i = 0; i < 65536; i++)
			close(-1);
		calls += 65536;
		t = now();
	}
	printf("%.0f\n", calls / (t - start));
	return 0;
}
