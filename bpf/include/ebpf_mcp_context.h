// SPDX-License-Identifier: GPL-2.0
// Who caused an event: the context every streamed event starts with, so every tracer's events
// name the process, thread, parent, user and cgroup the same way (the C# side decodes it once).
#ifndef EBPF_MCP_CONTEXT_H
#define EBPF_MCP_CONTEXT_H

#include <bpf/bpf_core_read.h>
#include "ebpf_mcp_filter.h"

struct event_context {
	__u64 timestamp_ns;                 /* CLOCK_BOOTTIME */
	__u64 cgroup_id;                    /* cgroup v2 id: the inode of its directory */
	__u32 pid;                          /* thread group id: the process */
	__u32 tid;
	__u32 ppid;                         /* the parent process */
	__u32 uid;
	char comm[TASK_COMM_LEN];           /* the process's name: its thread-group leader's comm */
	char thread_comm[TASK_COMM_LEN];    /* the name of the thread that ran */
	char parent_comm[TASK_COMM_LEN];    /* the parent process's name */
};

static __always_inline void fill_context(struct event_context *c)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	c->timestamp_ns = bpf_ktime_get_boot_ns();
	c->cgroup_id = bpf_get_current_cgroup_id();
	c->pid = id >> 32;
	c->tid = (__u32)id;
	c->ppid = BPF_CORE_READ(task, real_parent, tgid);
	c->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(c->thread_comm, sizeof(c->thread_comm));
	if (BPF_CORE_READ_STR_INTO(&c->comm, task, group_leader, comm) < 0)
		__builtin_memcpy(c->comm, c->thread_comm, sizeof(c->comm));
	if (BPF_CORE_READ_STR_INTO(&c->parent_comm, task, real_parent, group_leader, comm) < 0)
		c->parent_comm[0] = 0;
}

#endif
