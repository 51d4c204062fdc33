// Test helper, in two roles. "target <n>": counts SIGUSR1 with a handler, prints "ready" once the
// handler is in place, and exits 0 after <n> of them. "send <pid> <n>": sends SIGUSR1 to <pid> <n>
// times, 20 ms apart (so none is still pending when the next comes).
// usage: signal_peer target <n> | signal_peer send <pid> <n>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t received;

static void on_usr1(int sig)
{
	(void)sig;
	received++;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "target") == 0) {
		int n = atoi(argv[2]);
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigaction(SIGUSR1, &sa, NULL);
		printf("ready\n");
		fflush(stdout);
		while (received < n)
			pause();
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "send") == 0) {
		pid_t pid = atoi(argv[2]);
		int n = atoi(argv[3]);
		struct timespec gap = { .tv_nsec = 20 * 1000000L };

		for (int i = 0; i < n; i++) {
			if (kill(pid, SIGUSR1))
				return 3;
			nanosleep(&gap, NULL);
		}
		return 0;
	}
	return 2;
}
