// SPDX-License-Identifier: GPL-2.0
// CPU profile: a perf_event program run by a cpu-clock sampling event on every CPU. Each sample
// stores the interrupted task's user and kernel stacks in a stack map and counts the
// (thread, stacks, process name) row in a hash, so the cost per sample is one stack walk and one
// counter increment, whatever the rate: nothing is streamed to user space. Idle (pid 0) is skipped.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "stack_profile.h"

struct cpu_profile_config {
	struct process_filter process;
	struct stack_space space;
};

const volatile struct cpu_profile_config profile_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_TABLE_SIZE);
	__type(key, struct stack_key);
	__type(value, __u64);
} samples SEC(".maps");

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_key key = {
		.tgid = id >> 32,
		.pid = (__u32)id,
	};
	__u64 one = 1, *count;
	long err;

	if (key.pid == 0 || !tgid_wanted(&profile_config.process, key.tgid))
		return 0;
	task_process_name((struct task_struct *)bpf_get_current_task(), key.comm);
	if (!name_wanted(&profile_config.process, key.comm))
		return 0;
	key.user_stack_id = stack_id(ctx, profile_config.space.user, BPF_F_USER_STACK);
	key.kernel_stack_id = stack_id(ctx, profile_config.space.kernel, 0);

	count = bpf_map_lookup_elem(&samples, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return 0;
	}
	err = bpf_map_update_elem(&samples, &key, &one, BPF_NOEXIST);
	if (err == -ERR_EXIST) { /* another CPU inserted the row first */
		count = bpf_map_lookup_elem(&samples, &key);
		if (count)
			__sync_fetch_and_add(count, 1);
	} else if (err) {
		count_one(&dropped);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
