// Benchmark load: opens a missing path N times as fast as it can (default 1,000,000), after an
// optional start delay; prints the count, the seconds the opens took, and the CPU seconds they
// used (user + system: what tracing adds to the program itself, whatever else the machine runs).
// usage: open_count [count] [path] [delay-ms]
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	const char *path = argc > 2 ? argv[2] : "/nonexistent/ebpf-mcp-bench";
	int delay_ms = argc > 3 ? atoi(argv[3]) : 0;
	struct timespec ts, te;

	if (delay_ms > 0)
		usleep(delay_ms * 1000);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (unsigned long i = 0; i < count; i++)
		openat(AT_FDCWD, path, O_RDONLY);
	clock_gettime(CLOCK_MONOTONIC, &te);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lu %.6f %.6f\n", count, (te.tv_sec - ts.tv_sec) + (te.tv_nsec - ts.tv_nsec) / 1e9,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
