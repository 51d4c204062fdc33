// SPDX-License-Identifier: GPL-2.0
// Trace-BpfProcessExit: one event per process that ends (when its last thread exits:
// sched_process_exit runs in the exiting thread), with the status its parent sees, how long it
// lived, and whether the OOM killer chose it (oom:mark_victim, which runs in the task that ran out
// of memory, remembers the victim until it exits). Hooks: tp_btf, else the tracepoints.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define SIGNAL_GROUP_EXIT 0x00000004

struct exit_event {
	struct event_context ctx;
	__u64 lifetime_ns;
	__s32 exit_code;     /* as wait() reports it: status << 8, or the signal | 0x80 when it dumped core */
	__u32 oom_killed;
};
BTF_EXPORT(exit_event);

struct exit_config {
	struct process_filter process;
	__u32 failed_only;
};

const volatile struct exit_config trace_config = {};

/*
 * Processes the OOM killer chose, by process id (tp_btf knows it) or by thread id (the tracepoint
 * names the thread; its exit moves the mark to its process).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} oom_victims SEC(".maps");

static __always_inline int exited(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	__u8 yes = 1;

	if (tid != tgid && bpf_map_lookup_elem(&oom_victims, &tid)) {
		bpf_map_update_elem(&oom_victims, &tgid, &yes, BPF_ANY);
		bpf_map_delete_elem(&oom_victims, &tid);
	}
	/* Only the last thread ends the process: the live count was decremented before this tracepoint. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	__u32 oom = bpf_map_lookup_elem(&oom_victims, &tgid) != NULL;
	if (oom)
		bpf_map_delete_elem(&oom_victims, &tgid);
	/* What wait() reports: the group exit code when the whole group was told to exit, else the leader's. */
	__s32 code = BPF_CORE_READ(task, signal, flags) & SIGNAL_GROUP_EXIT
		? BPF_CORE_READ(task, signal, group_exit_code)
		: BPF_CORE_READ(task, group_leader, exit_code);
	if (trace_config.failed_only && code == 0 && !oom)
		return 0;
	if (filter_set(&trace_config.process) && !process_wanted(&trace_config.process, tgid))
		return 0;

	struct exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_context(&e->ctx);
	e->lifetime_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, group_leader, start_time);
	e->exit_code = code;
	e->oom_killed = oom;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int oom_victim(__u32 id)
{
	__u8 yes = 1;

	bpf_map_update_elem(&oom_victims, &id, &yes, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pexit_exit_btf)
{
	return exited();
}

SEC("tp_btf/mark_victim")
int BPF_PROG(pexit_oom_btf, struct task_struct *task)
{
	return oom_victim(task->tgid);
}

SEC("tracepoint/sched/sched_process_exit")
int pexit_exit_tp(void *ctx)
{
	return exited();
}

SEC("tracepoint/oom/mark_victim")
int pexit_oom_tp(struct trace_event_raw_mark_victim *ctx)
{
	return oom_victim(ctx->pid);
}

char LICENSE[] SEC("license") = "GPL";
