// SPDX-License-Identifier: GPL-2.0
// Off-CPU time: at sched_switch the task leaving the CPU has its user and kernel stacks stored and
// its switch-out time remembered; when it is switched in again, the time it was off the CPU is
// added to its (thread, stacks, process name) row, when at least min_block_ns. Tasks switched out
// while still runnable (preempted, or rescheduled on their way back to user mode: state
// TASK_RUNNING, whatever the preempt flag says) are left out unless asked: the question is why a
// task blocked. Two variants of the same program: tp_btf first, raw_tp where the kernel lacks tp_btf.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "stack_profile.h"

struct off_cpu_config {
	struct process_filter process;
	struct stack_space space;
	__u64 min_block_ns;
	__u32 include_preempted;
	__u32 pad;
};

const volatile struct off_cpu_config offcpu_config = {};

struct switch_out {
	__u64 timestamp_ns;
	struct stack_key key;
};

struct blocked_time {
	__u64 total_ns;
	__u64 count;
};

/* Threads now off the CPU, by thread id. LRU: a thread that never runs again (it exited) is
 * evicted instead of filling the table. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PROFILE_TABLE_SIZE);
	__type(key, __u32);
	__type(value, struct switch_out);
} switched_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_TABLE_SIZE);
	__type(key, struct stack_key);
	__type(value, struct blocked_time);
} blocked SEC(".maps");

/* task_struct before 5.14, when __state was still called state */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* Still runnable when switched out: it did not block, it lost the CPU. */
static __always_inline bool still_runnable(bool preempt, struct task_struct *task)
{
	if (preempt)
		return true;
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state) == 0; /* TASK_RUNNING */
	return BPF_CORE_READ((struct task_struct___pre514 *)task, state) == 0;
}

static __always_inline void remember_switch_out(void *ctx, bool preempt, struct task_struct *prev)
{
	struct switch_out out = {};

	out.key.pid = BPF_CORE_READ(prev, pid);
	out.key.tgid = BPF_CORE_READ(prev, tgid);
	if (out.key.pid == 0 || (!offcpu_config.include_preempted && still_runnable(preempt, prev)))
		return;
	if (!tgid_wanted(&offcpu_config.process, out.key.tgid))
		return;
	task_process_name(prev, out.key.comm);
	if (!name_wanted(&offcpu_config.process, out.key.comm))
		return;
	/* prev is still the current task here, so these are its stacks. */
	out.key.user_stack_id = stack_id(ctx, offcpu_config.space.user, BPF_F_USER_STACK);
	out.key.kernel_stack_id = stack_id(ctx, offcpu_config.space.kernel, 0);
	out.timestamp_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&switched_out, &out.key.pid, &out, BPF_ANY);
}

static __always_inline void account_switch_in(struct task_struct *next)
{
	__u32 pid = BPF_CORE_READ(next, pid);
	struct switch_out *out = bpf_map_lookup_elem(&switched_out, &pid);
	struct blocked_time first = { .count = 1 }, *row;
	struct stack_key key;
	__u64 delta;
	long err;

	if (!out)
		return;
	delta = bpf_ktime_get_ns() - out->timestamp_ns;
	key = out->key;
	bpf_map_delete_elem(&switched_out, &pid);
	if (delta < offcpu_config.min_block_ns)
		return;

	row = bpf_map_lookup_elem(&blocked, &key);
	if (!row) {
		first.total_ns = delta;
		err = bpf_map_update_elem(&blocked, &key, &first, BPF_NOEXIST);
		if (!err)
			return;
		if (err != -ERR_EXIST) {
			count_one(&dropped);
			return;
		}
		row = bpf_map_lookup_elem(&blocked, &key); /* another CPU inserted it first */
		if (!row)
			return;
	}
	__sync_fetch_and_add(&row->total_ns, delta);
	__sync_fetch_and_add(&row->count, 1);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(off_cpu_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	remember_switch_out(ctx, preempt, prev);
	account_switch_in(next);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(off_cpu_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	remember_switch_out(ctx, preempt, prev);
	account_switch_in(next);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
