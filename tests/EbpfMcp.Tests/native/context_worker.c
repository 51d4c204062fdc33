// Test helper: a process whose opens happen on a worker thread with a name of its own, so tests can
// tell the process (its main thread's name) from the thread. It waits for a line on stdin first, so
// the test can move it into a cgroup before it does anything.
// usage: context_worker <thread-name> <path> <count> [<path> <count> ...]
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int pairs;
static char **args;
static const char *thread_name;

static void *work(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), thread_name); /* before its first open */
	for (int i = 0; i < pairs; i++) {
		int count = atoi(args[2 * i + 1]);
		for (int j = 0; j < count; j++) {
			int fd = open(args[2 * i], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char line[16];
	pthread_t worker;

	if (argc < 4 || (argc - 2) % 2)
		return 2;
	thread_name = argv[1];
	pairs = (argc - 2) / 2;
	args = argv + 2;
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	if (pthread_create(&worker, NULL, work, NULL))
		return 4;
	pthread_join(worker, NULL);
	return 0;
}
