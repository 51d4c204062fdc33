// Test helper: a thread that changes its name between opens, beside a main thread that opens too,
// so a test can check that each event names the thread as it was named at that moment. Opens
// <prefix>-main, then (worker named "before") <prefix>-before, then (the same worker renamed
// "after") <prefix>-after, then <prefix>-main again: twice each, one thread at a time.
// usage: thread_renames <prefix>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static const char *prefix;

static void open_twice(const char *suffix)
{
	char path[256];

	snprintf(path, sizeof(path), "%s-%s", prefix, suffix);
	for (int i = 0; i < 2; i++) {
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
}

static void *work(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "before");
	open_twice("before");
	pthread_setname_np(pthread_self(), "after");
	open_twice("after");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t worker;

	if (argc != 2)
		return 2;
	prefix = argv[1];
	open_twice("main");
	if (pthread_create(&worker, NULL, work, NULL))
		return 4;
	pthread_join(worker, NULL);
	open_twice("main");
	return 0;
}
