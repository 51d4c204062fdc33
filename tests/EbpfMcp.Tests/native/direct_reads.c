// Test helper: <count> reads of 4 KiB with O_DIRECT from <device>, one after another at increasing
// offsets, so each is one block request the page cache cannot absorb.
// usage: direct_reads <device> <count>
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	void *buffer;

	if (argc != 3)
		return 2;
	int count = atoi(argv[2]);
	int fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buffer, 4096, 4096))
		return 3;
	for (int i = 0; i < count; i++)
		if (pread(fd, buffer, 4096, (off_t)i * 4096) != 4096)
			return 4;
	close(fd);
	return 0;
}
