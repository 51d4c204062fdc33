// SPDX-License-Identifier: GPL-2.0
// Shared by the two stack profilers (cpu_profile.bpf.c, off_cpu.bpf.c): the aggregation key, the
// stack map both fill, and counters of stacks that could not be stored. Processes are filtered by
// ebpf_mcp_filter.h on the thread-group leader's name, as every tracer reports it.
#ifndef STACK_PROFILE_H
#define STACK_PROFILE_H

#include "ebpf_mcp_filter.h"

#define PROFILE_STACK_DEPTH 127   /* the kernel's default perf_event_max_stack */
#define PROFILE_TABLE_SIZE 16384  /* the engine may resize the maps before the load */

#define ERR_NOENT 2
#define ERR_EXIST 17
#define ERR_FAULT 14

/* One row of the in-kernel aggregation: which thread, which stacks, which process name. */
struct stack_key {
	__u32 tgid;
	__u32 pid;
	__s32 user_stack_id;      /* < 0: -errno (-EFAULT: no such stack; -ENOENT: not collected) */
	__s32 kernel_stack_id;
	char comm[TASK_COMM_LEN]; /* the thread-group leader's comm */
};

/* Which stacks to collect; written by the engine into .rodata. */
struct stack_space {
	__u32 user;
	__u32 kernel;
};

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PROFILE_TABLE_SIZE);
	__type(key, __u32);
	__uint(value_size, PROFILE_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* A stack whose hash bucket held a different stack (EEXIST): the sample keeps no stack of that kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_collisions SEC(".maps");

/* Any other failure to store a stack (ENOMEM: the stack map is full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_failures SEC(".maps");

/* Samples (or blocks) not counted because the aggregation table was full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

static __always_inline void count_one(void *counter)
{
	__u32 zero = 0;
	__u64 *value = bpf_map_lookup_elem(counter, &zero);

	if (value)
		*value += 1; /* per-CPU slot: no other CPU writes it */
}

/* The id of the current task's stack (user or kernel by flags), or -errno; failures are counted.
 * EFAULT is no failure: a kernel thread has no user stack, a sample in user mode no kernel stack. */
static __always_inline __s32 stack_id(void *ctx, __u32 wanted, __u64 flags)
{
	long id;

	if (!wanted)
		return -ERR_NOENT;
	id = bpf_get_stackid(ctx, &stacks, flags);
	if (id == -ERR_EXIST)
		count_one(&stack_collisions);
	else if (id < 0 && id != -ERR_FAULT)
		count_one(&stack_failures);
	return id;
}

#endif
