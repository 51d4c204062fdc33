// Test workload for kernel stacks: reads /dev/zero in 256 KiB chunks, so most of its CPU time is
// spent in the kernel's read path (vfs_read and below).
// usage: read_zero <seconds>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buffer[256 * 1024];

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	struct timespec start, t;
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 64; i++)
			if (read(fd, buffer, sizeof(buffer)) < 0)
				return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - start.tv_sec) + (t.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	return 0;
}
