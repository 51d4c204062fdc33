// SPDX-License-Identifier: GPL-2.0
// Measure-BpfSyscallLatency: how long system calls take, as a log2 histogram (nanoseconds) per
// system call, with the count of failures. The entry time is kept per thread; at exit the time
// goes into a per-CPU array indexed by the syscall number, so the hot path takes no lock and does
// one hash update at entry and one lookup and delete at exit. Hooks, fastest first: tp_btf
// sys_enter/sys_exit (registers read directly), raw_tp, and the raw_syscalls tracepoints.
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
#else
#define NR_EXIT 60
#define NR_EXIT_GROUP 231
#define NR_RT_SIGRETURN 15
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

/* Thread id → when its current system call entered (ns). */
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

/* Calls that could not be measured: the table of started calls was full (reported, not hidden). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} uncounted SEC(".maps");

static __always_inline int enter(long id)
{
	if (id < 0 || id >= MAX_SYSCALLS || id == NR_EXIT || id == NR_EXIT_GROUP)
		return 0;
	if (trace_config.syscall >= 0 && id != trace_config.syscall)
		return 0;

	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (filter_set(&trace_config.process) && !process_wanted(&trace_config.process, pid_tgid >> 32))
		return 0;

	__u32 tid = (__u32)pid_tgid;
	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &now, BPF_ANY)) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&uncounted, &zero);

		if (lost)
			*lost += 1;
	}
	return 0;
}

static __always_inline int leave(long id, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&starts, &tid);

	if (!start)
		return 0;
	__u64 ns = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&starts, &tid);
	if (id < 0 || id >= MAX_SYSCALLS)
		return 0;

	__u32 key = id;
	struct syscall_latency *l = bpf_map_lookup_elem(&latency, &key);
	if (!l)
		return 0;
	hist_add(&l->hist, ns, ns, false);
	if (ret < 0 && ret >= -4095 && id != NR_RT_SIGRETURN)
		l->errors += 1;
	return 0;
}

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_ID(regs) ((regs)->orig_ax)
#define SYSCALL_ID_CORE(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_ID(regs) (((struct user_pt_regs *)(regs))->regs[8])
#define SYSCALL_ID_CORE(regs) BPF_CORE_READ((struct user_pt_regs *)(regs), regs[8])
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(syslat_enter_btf, struct pt_regs *regs, long id)
{
	return enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syslat_exit_btf, struct pt_regs *regs, long ret)
{
	return leave(SYSCALL_ID(regs), ret);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(syslat_enter_raw, struct pt_regs *regs, long id)
{
	return enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syslat_exit_raw, struct pt_regs *regs, long ret)
{
	return leave(SYSCALL_ID_CORE(regs), ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syslat_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return enter(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syslat_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
