// Benchmark load: opens a missing path as fast as it can for the given time; prints opens/s.
// usage: open_storm <seconds> <path>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	const char *path = argc > 2 ? argv[2] : "/nonexistent/ebpf-mcp-bench";
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double start = ts.tv_sec + ts.tv_nsec / 1e9, t = start;
	unsigned long calls = 0;

	while (t - start < seconds) {
		for (int i = 0; i < 1024; i++)
			openat(AT_FDCWD, path, O_RDONLY);
		calls += 1024;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	printf("%lu %.0f\n", calls, calls / (t - start));
	return 0;
}
