// SPDX-License-Identifier: GPL-2.0
// Test object: counts getpgid(2) calls per (process, argument) in a BTF-typed hash map, and
// every call in a per-CPU array, so tests can make the kernel count something they control.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct call_key {
	__u32 tgid;
	__u32 arg;
};

struct call_stats {
	__u64 count;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct call_key);
	__type(value, struct call_stats);
} getpgid_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} getpgid_total SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpgid")
int count_getpgid(struct trace_event_raw_sys_enter *ctx)
{
	struct call_key key = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.arg = (__u32)ctx->args[0],
	};
	struct call_stats zero = {}, *stats;
	__u32 slot = 0;
	__u64 *total;

	stats = bpf_map_lookup_elem(&getpgid_calls, &key);
	if (!stats) {
		bpf_map_update_elem(&getpgid_calls, &key, &zero, BPF_NOEXIST);
		stats = bpf_map_lookup_elem(&getpgid_calls, &key);
		if (!stats)
			return 0;
	}
	__sync_fetch_and_add(&stats->count, 1);
	stats->last_ns = bpf_ktime_get_ns();

	total = bpf_map_lookup_elem(&getpgid_total, &slot);
	if (total)
		*total += 1;
	return 0;
}

SEC("raw_tp/sys_exit")
int see_sys_exit(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
