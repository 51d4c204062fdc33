// SPDX-License-Identifier: GPL-2.0
// Trace-BpfSyscallError: counts failing system calls in the kernel, per (process, syscall, errno),
// in a per-CPU hash so CPUs never contend. Only failures reach the map: the first test is ret < 0.
// The hot path does one lookup on a 12-byte key; who the process is (name, parent, user, cgroup)
// is recorded once per process, when its first failure is counted. Hooks, fastest first: tp_btf/sys_exit (registers read
// directly), raw_tp/sys_exit, and the raw_syscalls:sys_exit tracepoint.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_context.h"

struct syscall_error_key {
	__u32 tgid;
	__s32 syscall;
	__s32 error;      /* positive errno */
};

struct syscall_error_config {
	struct process_filter process;
	__s32 syscall;    /* -1: every syscall */
	__s32 error;      /* 0: every errno */
};

const volatile struct syscall_error_config trace_config = { .syscall = -1 };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_error_key);
	__type(value, __u64);
} syscall_errors SEC(".maps");

/* Who each process is (name, parent, user, cgroup), recorded at its first counted failure. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct event_context);
} processes SEC(".maps");

/* Failures that could not be counted because the table above was full (reported, not hidden). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} uncounted SEC(".maps");

static __always_inline int count_failure(long id, long ret)
{
	if (ret >= 0 || ret < -4095)
		return 0;
	if (trace_config.syscall >= 0 && id != trace_config.syscall)
		return 0;
	if (trace_config.error && -ret != trace_config.error)
		return 0;

	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!process_wanted(&trace_config.process, tgid))
		return 0;

	struct syscall_error_key key = {
		.tgid = tgid,
		.syscall = id,
		.error = -ret,
	};

	__u64 *count = bpf_map_lookup_elem(&syscall_errors, &key);
	if (count) {
		*count += 1; /* per-CPU value: no other CPU writes it */
	} else {
		__u64 one = 1;
		struct event_context who;
		long err = bpf_map_update_elem(&syscall_errors, &key, &one, BPF_NOEXIST);

		if (err == -17 /* EEXIST: another CPU inserted it first */) {
			count = bpf_map_lookup_elem(&syscall_errors, &key);
			if (count)
				*count += 1;
		} else if (err) {
			__u32 zero = 0;
			__u64 *lost = bpf_map_lookup_elem(&uncounted, &zero);

			if (lost)
				*lost += 1;
			return 0;
		}
		fill_context(&who);
		bpf_map_update_elem(&processes, &tgid, &who, BPF_NOEXIST);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syscall_errors_btf, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	return count_failure(regs->orig_ax, ret);
#elif defined(__TARGET_ARCH_arm64)
	return count_failure(((struct user_pt_regs *)regs)->regs[8], ret);
#else
	return 0;
#endif
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscall_errors_raw, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	long id = BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	long id = BPF_CORE_READ((struct user_pt_regs *)regs, regs[8]);
#else
	long id = -1;
#endif
	return count_failure(id, ret);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_errors_tp(struct trace_event_raw_sys_exit *ctx)
{
	return count_failure(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
