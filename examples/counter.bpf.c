// SPDX-License-Identifier: GPL-2.0
// Example object for README and Get-Help: counts system calls per command name (the calling
// thread's comm) in a BTF-typed hash map, so `Get-BpfMap -Dump` shows field-named keys and values.
//   Install-BpfProgram -Path ./examples/counter.bpf.o -Attach   (attaches to raw_syscalls:sys_enter)
// Build: make -C examples (the committed counter.bpf.o is what this source builds to).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16

struct process_key {
	char comm[TASK_COMM_LEN];
};

struct syscall_count {
	__u64 calls;
	__u64 last_seen_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct process_key);
	__type(value, struct syscall_count);
} syscall_counts SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int count_syscalls(void *ctx)
{
	struct process_key key = {};
	struct syscall_count zero = {}, *count;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	count = bpf_map_lookup_elem(&syscall_counts, &key);
	if (!count) {
		bpf_map_update_elem(&syscall_counts, &key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&syscall_counts, &key);
		if (!count)
			return 0;
	}
	__sync_fetch_and_add(&count->calls, 1);
	count->last_seen_ns = bpf_ktime_get_ns();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
