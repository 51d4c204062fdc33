// SPDX-License-Identifier: GPL-2.0
// Test object built without -g: its BTF-defined map cannot be parsed without BTF.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} needs_btf SEC(".maps");

SEC("raw_tp/sys_enter")
int uses_map(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&needs_btf, &key);

	if (v)
		*v += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
