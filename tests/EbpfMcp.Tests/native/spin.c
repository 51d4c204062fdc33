// Test helper: keeps a CPU busy for <seconds>; with <spin ms> and <sleep ms>, it alternates, busy
// then asleep, so it is woken again and again (each wakeup is a wait for a CPU to be measured).
// Several of them contend for the CPUs.
// usage: spin <seconds> [<spin ms> <sleep ms>]
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1;
	double spin = argc > 3 ? atof(argv[2]) / 1e3 : seconds;
	long pause_ns = argc > 3 ? atol(argv[3]) * 1000000L : 0;
	struct timespec pause = { .tv_sec = pause_ns / 1000000000L, .tv_nsec = pause_ns % 1000000000L };
	volatile unsigned long work = 0;
	double end = now() + seconds;

	while (now() < end) {
		double busy_until = now() + spin;

		while (now() < busy_until)
			for (int i = 0; i < 10000; i++)
				work++;
		if (pause_ns)
			nanosleep(&pause, NULL);
	}
	return 0;
}
