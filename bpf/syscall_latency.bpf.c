// SPDX-License-Identifier: GPL-2.0
// Measure-BpfSyscallLatency: how long system calls take, as a log2 histogram (nanoseconds) per
// system call, with the count of failures. The entry time is kept per thread; at exit the time
// goes into a per-CPU array indexed by the syscall number, so the hot path takes no lock. Hooks,
// fastest first: tp_btf sys_enter/sys_exit (registers read directly, entry times in task-local
// storage: no hash insert and delete per call), raw_tp, and the raw_syscalls tracepoints (entry
// times in a hash by thread id).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_filter.h"
#include "ebpf_mcp_histogram.h"

#define MAX_SYSCALLS 512

/* Calls that never return (their start would stay behind) and one whose "result" is not one. */
#if defined(__TARGET_ARCH_arm64)
#define NR_EXIT 93
#define NR_EXIT_GROUP 94
#define NR_RT_SIGRETURN 139
#define SYSCALL_ID(regs) (((struct user_pt_regs *)(regs))->regs[8])
#define SYSCALL_ID_CORE(regs) BPF_CORE_READ((struct user_pt_regs *)(regs), regs[8])
#else
#define NR_EXIT 60
#define NR_EXIT_GROUP 231
#define NR_RT_SIGRETURN 15
#define SYSCALL_ID(regs) ((regs)->orig_ax)
#define SYSCALL_ID_CORE(regs) BPF_CORE_READ(regs, orig_ax)
#endif

struct syscall_latency_config {
	struct process_filter process;
	__s32 syscall;    /* -1: every syscall */
};

struct syscall_latency {
	struct histogram hist;
	__u64 errors;     /* calls that returned -4095..-1 */
};

const volatile struct syscall_latency_config trace_config = { .syscall = -1 };

/* tp_btf: when the thread's current system call entered (ns; 0: none being timed). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_starts SEC(".maps");

/* raw_tp and tracepoints: thread id → when its current system call entered (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct syscall_latency);
} latency SEC(".maps");

static __always_inline bool timed(long id)
{
	if (id < 0 || id >= MAX_SYSCALLS || id == NR_EXIT || id == NR_EXIT_GROUP)
		return false;
	if (trace_config.syscall >= 0 && id != trace_config.syscall)
		return false;
	return !filter_set(&trace_config.process) || process_wanted(&trace_config.process, bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void record(long id, long ret, __u64 start)
{
	__u64 ns = bpf_ktime_get_ns() - start;

	if (id < 0 || id >= MAX_SYSCALLS)
		return;
	__u32 key = id;
	struct syscall_latency *l = bpf_map_lookup_elem(&latency, &key);
	if (!l)
		return;
	hist_add(&l->hist, ns, ns, false);
	if (ret < 0 && ret >= -4095 && id != NR_RT_SIGRETURN)
		l->errors += 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(syslat_enter_btf, struct pt_regs *regs, long id)
{
	if (!timed(id))
		return 0;
	__u64 *start = bpf_task_storage_get(&task_starts, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (start)
		*start = bpf_ktime_get_ns();
	else
		count_uncounted();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syslat_exit_btf, struct pt_regs *regs, long ret)
{
	__u64 *start = bpf_task_storage_get(&task_starts, bpf_get_current_task_btf(), 0, 0);

	if (!start || !*start)
		return 0;
	__u64 begin = *start;
	*start = 0;
	record(SYSCALL_ID(regs), ret, begin);
	return 0;
}

static __always_inline int enter_hashed(long id)
{
	if (!timed(id))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &now, BPF_ANY))
		count_uncounted();
	return 0;
}

static __always_inline int leave_hashed(long id, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&starts, &tid);

	if (!start)
		return 0;
	__u64 begin = *start;
	bpf_map_delete_elem(&starts, &tid);
	record(id, ret, begin);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(syslat_enter_raw, struct pt_regs *regs, long id)
{
	return enter_hashed(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syslat_exit_raw, struct pt_regs *regs, long ret)
{
	return leave_hashed(SYSCALL_ID_CORE(regs), ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syslat_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return enter_hashed(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syslat_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return leave_hashed(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
