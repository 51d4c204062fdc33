// Test helper: makes exactly the failing system calls it is told to, and nothing else that fails.
// Built static so no dynamic loader runs (it would probe for files and fail on its own).
// usage: fail_syscalls <openat ENOENT count> <close EBADF count> [path]
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int opens = argc > 1 ? atoi(argv[1]) : 0;
	int closes = argc > 2 ? atoi(argv[2]) : 0;
	const char *path = argc > 3 ? argv[3] : "/nonexistent/ebpf-mcp-test";

	for (int i = 0; i < opens; i++)
		openat(AT_FDCWD, path, O_RDONLY);
	for (int i = 0; i < closes; i++)
		close(-1);
	return 0;
}
