// SPDX-License-Identifier: GPL-2.0
// Test object the verifier must reject: a map value is used without the NULL check.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} unchecked SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpgid")
int deref_without_check(void *ctx)
{
	__u32 key = 1;
	__u64 *value = bpf_map_lookup_elem(&unchecked, &key);

	*value += 1; /* R0 may be NULL here: invalid mem access */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
