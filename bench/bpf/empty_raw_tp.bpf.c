// SPDX-License-Identifier: GPL-2.0
// Benchmark baseline: the cheapest program on the same hook the syscall-error tracer uses.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_exit")
int empty_sys_exit(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
