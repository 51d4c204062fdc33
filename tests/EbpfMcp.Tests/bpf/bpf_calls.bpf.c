// SPDX-License-Identifier: GPL-2.0
// Test object: counts bpf(2) calls per (process, command), so a test can prove that a refused
// request made the bridge load, create or pin nothing (BPF_PROG_LOAD, BPF_MAP_CREATE, BPF_OBJ_PIN).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct bpf_call_key {
	__u32 tgid;
	__u32 cmd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bpf_call_key);
	__type(value, __u64);
} bpf_calls SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_bpf")
int count_bpf(struct trace_event_raw_sys_enter *ctx)
{
	struct bpf_call_key key = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.cmd = (__u32)ctx->args[0],
	};
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&bpf_calls, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&bpf_calls, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
