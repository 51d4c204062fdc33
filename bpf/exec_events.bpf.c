// SPDX-License-Identifier: GPL-2.0
// Trace-BpfExec: one event per successful exec, from sched:sched_process_exec (the new image is in
// place, so argv is the new program's), with the parent, uid, filename and a bounded argv copy; and
// one per failed execve/execveat, from the syscall's exit, with the error as the return code.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define FILENAME_LEN 256
#define ARGS_LEN 512

struct exec_event {
	struct event_context ctx;
	__u32 args_size;
	__s32 return_code;     /* 0, or -errno of a failed exec */
	char filename[FILENAME_LEN];
	char args[ARGS_LEN];   /* NUL-separated, as in /proc/PID/cmdline */
};
BTF_EXPORT(exec_event);

/* The filename pointer of each thread's execve in flight, to report it if the exec fails. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} pending_exec SEC(".maps");

const volatile struct process_filter trace_config = {};

/* A ring buffer slot with the context every event has; NULL (and counted lost) when full. */
static __always_inline struct exec_event *reserve_event(void)
{
	struct exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost();
		return NULL;
	}
	fill_context(&e->ctx);
	return e;
}

SEC("tracepoint/sched/sched_process_exec")
int exec_event(struct trace_event_raw_sched_process_exec *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;

	if (!process_wanted(&trace_config, tgid))
		return 0;

	struct exec_event *e = reserve_event();
	if (!e)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	unsigned int loc = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + loc);

	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	unsigned long size = end > start ? end - start : 0;
	if (size > ARGS_LEN)
		size = ARGS_LEN;
	e->args_size = size;
	if (size && bpf_probe_read_user(e->args, size & (ARGS_LEN - 1 | ARGS_LEN), (void *)start))
		e->args_size = 0;
	e->return_code = 0;

	submit_event(e);
	return 0;
}

static __always_inline int exec_enter(const char *filename)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 ptr = (__u64)filename;

	if (!process_wanted(&trace_config, id >> 32))
		return 0;
	bpf_map_update_elem(&pending_exec, &tid, &ptr, BPF_ANY);
	return 0;
}

/* A successful exec never returns here with the old image; a failed one does, with -errno. */
static __always_inline int exec_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 *ptr = bpf_map_lookup_elem(&pending_exec, &tid);

	if (!ptr)
		return 0;
	__u64 filename = *ptr;
	bpf_map_delete_elem(&pending_exec, &tid);
	if (ret >= 0)
		return 0;

	struct exec_event *e = reserve_event();
	if (!e)
		return 0;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const char *)filename) < 0)
		e->filename[0] = 0;
	e->args_size = 0;
	e->return_code = ret;
	submit_event(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
