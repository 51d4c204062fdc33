// Test helper: ends in the way it is told, once it has read a line on stdin (so the test can first
// move it into a cgroup). "exit <code>": exits with <code>. "wait": waits to be killed.
// "allocate": touches memory 1 MiB at a time until the OOM killer ends it.
// usage: exit_ways exit <code> | exit_ways wait | exit_ways allocate
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[16];

	if (argc < 2 || !fgets(line, sizeof(line), stdin))
		return 2;
	if (strcmp(argv[1], "exit") == 0 && argc == 3)
		exit(atoi(argv[2]));
	if (strcmp(argv[1], "wait") == 0)
		for (;;)
			pause();
	if (strcmp(argv[1], "allocate") == 0)
		for (;;) {
			char *chunk = malloc(1 << 20);

			if (!chunk)
				return 4;
			memset(chunk, 1, 1 << 20);
		}
	return 2;
}
