// SPDX-License-Identifier: GPL-2.0
// Test object whose CO-RE relocation names a type the running kernel's BTF does not have.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct ebpf_mcp_no_such_kernel_type {
	int no_such_field;
} __attribute__((preserve_access_index));

SEC("raw_tp/sys_enter")
int read_missing_field(void *ctx)
{
	struct ebpf_mcp_no_such_kernel_type *p = (void *)bpf_get_current_task();

	return BPF_CORE_READ(p, no_such_field);
}

char LICENSE[] SEC("license") = "GPL";
