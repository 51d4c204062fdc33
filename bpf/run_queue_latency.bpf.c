// SPDX-License-Identifier: GPL-2.0
// Measure-BpfRunQueueLatency: how long runnable tasks wait for a CPU, from the moment they become
// runnable (woken: sched_wakeup, sched_wakeup_new; or preempted while still runnable: sched_switch
// with prev running) to the moment they run (sched_switch to them). A log2 histogram in
// microseconds, for all tasks or per process. Hooks: tp_btf, else raw_tp (both hand over the task
// pointers; the sched tracepoints only name the woken thread, which cannot be filtered by process).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_filter.h"
#include "ebpf_mcp_histogram.h"

#define TASK_RUNNING 0

struct run_queue_config {
	struct process_filter process;
	__u32 per_process;
};

struct process_name {
	char comm[TASK_COMM_LEN];
};

const volatile struct run_queue_config trace_config = {};

/* Thread id → when it became runnable (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

/* Process id (0: every process together) → waits in microseconds. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct histogram);
} latency SEC(".maps");

/* Process id → its name (-PerProcess): as at its first counted wait, and again after each exec. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct process_name);
} names SEC(".maps");

/* The task state before 5.14 was "state", a long. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline void runnable(struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);

	if (!tid) /* the idle task */
		return;
	if (filter_set(&trace_config.process) && !task_wanted(&trace_config.process, task))
		return;
	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &now, BPF_ANY))
		count_uncounted();
}

static __always_inline long task_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)task, state);
}

static __always_inline void switched(struct task_struct *prev, struct task_struct *next)
{
	/* Preempted while runnable: it waits for a CPU again from now. */
	if (task_state(prev) == TASK_RUNNING)
		runnable(prev);

	__u32 tid = BPF_CORE_READ(next, pid);
	__u64 *start = bpf_map_lookup_elem(&starts, &tid);
	if (!start)
		return;
	__u64 ns = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&starts, &tid);

	__u32 key = 0;
	if (trace_config.per_process) {
		key = BPF_CORE_READ(next, tgid);
		if (!bpf_map_lookup_elem(&names, &key)) {
			struct process_name name = {};

			BPF_CORE_READ_STR_INTO(&name.comm, next, group_leader, comm);
			bpf_map_update_elem(&names, &key, &name, BPF_NOEXIST);
		}
	}
	struct histogram *h = hist_get(&latency, &key);
	if (!h) {
		count_uncounted();
		return;
	}
	hist_add(h, ns / 1000, ns, true);
}

/* A process that execs after its first wait (a fork's child) takes its new name. */
static __always_inline void renamed(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!trace_config.per_process || !bpf_map_lookup_elem(&names, &tgid))
		return;
	struct process_name name = {};

	current_process_name(name.comm);
	bpf_map_update_elem(&names, &tgid, &name, BPF_EXIST);
}

/*
 * The same programs on tp_btf and on raw_tp (both hand over the task pointers; tp_btf's may be
 * read directly, raw_tp's through BPF_CORE_READ, which the code above uses for both).
 */
#define RUN_QUEUE_PROGRAMS(kind, suffix)						\
SEC(kind "/sched_wakeup")								\
int BPF_PROG(runq_wakeup_##suffix, struct task_struct *task)				\
{											\
	runnable(task);									\
	return 0;									\
}											\
SEC(kind "/sched_wakeup_new")								\
int BPF_PROG(runq_new_##suffix, struct task_struct *task)				\
{											\
	runnable(task);									\
	return 0;									\
}											\
SEC(kind "/sched_switch")								\
int BPF_PROG(runq_switch_##suffix, bool preempt, struct task_struct *prev, struct task_struct *next) \
{											\
	switched(prev, next);								\
	return 0;									\
}											\
SEC(kind "/sched_process_exec")								\
int BPF_PROG(runq_exec_##suffix)							\
{											\
	renamed();									\
	return 0;									\
}

RUN_QUEUE_PROGRAMS("tp_btf", btf)
RUN_QUEUE_PROGRAMS("raw_tp", raw)

char LICENSE[] SEC("license") = "GPL";
