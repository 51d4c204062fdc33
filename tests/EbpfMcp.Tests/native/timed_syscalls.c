// Test helper with a known system-call profile: <sleeps> nanosleep calls of <ms> milliseconds each
// (the nanosleep syscall itself, not the C library's clock_nanosleep), then <failures> close(-1)
// calls, which fail with EBADF.
// usage: timed_syscalls <sleeps> <ms> <failures>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int sleeps = atoi(argv[1]), failures = atoi(argv[3]);
	long ms = atol(argv[2]);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	for (int i = 0; i < sleeps; i++)
		if (syscall(SYS_nanosleep, &ts, NULL) != 0)
			return 3;
	for (int i = 0; i < failures; i++)
		syscall(SYS_close, -1);
	return 0;
}
