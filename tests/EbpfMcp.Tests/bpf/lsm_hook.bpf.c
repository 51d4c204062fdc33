// SPDX-License-Identifier: GPL-2.0
// Test object of a program type this kernel cannot load (BPF LSM is not enabled here).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("lsm/file_open")
int BPF_PROG(deny_nothing, struct file *file)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
