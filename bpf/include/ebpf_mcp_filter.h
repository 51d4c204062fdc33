// SPDX-License-Identifier: GPL-2.0
// The process filter every tracer shares. The cmdlet writes it into .rodata before the load, so
// the verifier sees constants and prunes the checks a trace does not use.
#ifndef EBPF_MCP_FILTER_H
#define EBPF_MCP_FILTER_H

#define TASK_COMM_LEN 16
#define MAX_PIDS 8

struct process_filter {
	__u32 pid_count;              /* 0: every process */
	__u32 pids[MAX_PIDS];         /* thread group ids */
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

/* true when the current task passes the filter */
static __always_inline bool process_wanted(const volatile struct process_filter *f, __u32 tgid)
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
	if (f->comm_set) {
		char comm[TASK_COMM_LEN];
		char want[TASK_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
		for (int i = 0; i < TASK_COMM_LEN; i++)
			want[i] = f->comm[i];
		if (!comm_matches(want, comm))
			return false;
	}
	return true;
}

#endif
