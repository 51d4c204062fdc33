// Test helper: tries to execute a program that does not exist (the exec fails with ENOENT).
// usage: exec_missing <path>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *args[] = { argc > 1 ? argv[1] : "/nonexistent", 0 };
	char *env[] = { 0 };

	execve(args[0], args, env);
	return 0;
}
