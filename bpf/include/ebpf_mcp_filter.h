// SPDX-License-Identifier: GPL-2.0
// The process filter every tracer shares. The cmdlet writes it into .rodata before the load, so
// the verifier sees constants and prunes the checks a trace does not use. A process is named by
// its thread-group leader's comm (what ps shows), not by the comm of the thread that runs.
#ifndef EBPF_MCP_FILTER_H
#define EBPF_MCP_FILTER_H

#include <bpf/bpf_core_read.h>

#define TASK_COMM_LEN 16
#define MAX_PIDS 8

struct process_filter {
	__u32 pid_count;              /* 0: every process */
	__u32 pids[MAX_PIDS];         /* thread group ids */
	__u32 exclude_count;          /* processes left out (the MCP bridge leaves itself out) */
	__u32 exclude_pids[MAX_PIDS];
	__u32 comm_set;               /* 1: only the process named comm */
	char comm[TASK_COMM_LEN];
};

static __always_inline bool comm_matches(const char *want, const char *have)
{
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (want[i] != have[i])
			return false;
		if (want[i] == 0)
			return true;
	}
	return true;
}

/* A task's process name: its thread-group leader's comm, not the (possibly renamed) thread's. */
static __always_inline void task_process_name(struct task_struct *task, char *name)
{
	if (BPF_CORE_READ_STR_INTO((char (*)[TASK_COMM_LEN])name, task, group_leader, comm) < 0)
		name[0] = 0;
}

/* The current process's name. */
static __always_inline void current_process_name(char *name)
{
	task_process_name((struct task_struct *)bpf_get_current_task(), name);
}

/* The pid list and the exclusions of a filter, for a thread group id. */
static __always_inline bool tgid_wanted(const volatile struct process_filter *f, __u32 tgid)
{
	if (f->pid_count) {
		bool found = false;
#pragma unroll
		for (int i = 0; i < MAX_PIDS; i++) {
			if (i < f->pid_count && f->pids[i] == tgid)
				found = true;
		}
		if (!found)
			return false;
	}
	if (f->exclude_count) {
#pragma unroll
		for (int i = 0; i < MAX_PIDS; i++) {
			if (i < f->exclude_count && f->exclude_pids[i] == tgid)
				return false;
		}
	}
	return true;
}

/* The name part of a filter, for a process name. */
static __always_inline bool name_wanted(const volatile struct process_filter *f, const char *name)
{
	char want[TASK_COMM_LEN];

	if (!f->comm_set)
		return true;
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN; i++)
		want[i] = f->comm[i];
	return comm_matches(want, name);
}

/* true when the current task passes the filter */
static __always_inline bool process_wanted(const volatile struct process_filter *f, __u32 tgid)
{
	char name[TASK_COMM_LEN];

	if (!tgid_wanted(f, tgid))
		return false;
	if (!f->comm_set)
		return true;
	current_process_name(name);
	return name_wanted(f, name);
}

/* Whether a filter has anything to check (hot paths skip the call when not). */
static __always_inline bool filter_set(const volatile struct process_filter *f)
{
	return f->pid_count || f->exclude_count || f->comm_set;
}

/*
 * true when another task than the current one passes the filter (a task being woken, a signal's
 * target): by its process id, and by its process's name, its thread-group leader's comm.
 */
static __always_inline bool task_wanted(const volatile struct process_filter *f, struct task_struct *task)
{
	char name[TASK_COMM_LEN];

	if (!tgid_wanted(f, BPF_CORE_READ(task, tgid)))
		return false;
	if (!f->comm_set)
		return true;
	task_process_name(task, name);
	return name_wanted(f, name);
}

#endif
