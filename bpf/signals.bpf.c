// SPDX-License-Identifier: GPL-2.0
// Trace-BpfSignal: signals as they are generated (signal:signal_generate), with the sender (the
// task that ran: the event context; the kernel itself for faults, which then names the faulting
// task) and the target process. The process filter matches the sender or the target. Hooks:
// tp_btf, else raw_tp: both hand over the target task (the tracepoint names only its thread).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define SI_USER 0
#define SI_KERNEL 0x80

struct signal_event {
	struct event_context ctx;
	__s32 signal;
	__s32 code;          /* si_code: SI_USER (kill), SI_TKILL, SI_QUEUE, SI_KERNEL, ... */
	__s32 result;        /* 0 delivered, 1 ignored, 2 already pending, 3 queue full, 4 info lost */
	__u32 group;         /* 1: sent to the whole process, 0: to one thread */
	__u32 target_pid;
	__u32 target_tid;
	__u32 target_uid;
	__u32 pad;
	char target_comm[TASK_COMM_LEN];
};
BTF_EXPORT(signal_event);

struct signal_config {
	struct process_filter process;
	__u64 signals;       /* bit n-1 for signal n; 0: every signal */
};

const volatile struct signal_config trace_config = {};

static __always_inline int generated(int sig, struct kernel_siginfo *info, struct task_struct *target, int group, int result)
{
	if (sig < 1 || sig > 64)
		return 0;
	if (trace_config.signals && !(trace_config.signals & (1ULL << (sig - 1))))
		return 0;
	if (filter_set(&trace_config.process) &&
	    !process_wanted(&trace_config.process, bpf_get_current_pid_tgid() >> 32) &&
	    !task_wanted(&trace_config.process, target))
		return 0;

	struct signal_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_context(&e->ctx);
	e->signal = sig;
	/* The kernel passes two special pointers for "no information" (kill) and "privileged" (kernel). */
	if ((unsigned long)info == 0)
		e->code = SI_USER;
	else if ((unsigned long)info == 1)
		e->code = SI_KERNEL;
	else
		e->code = BPF_CORE_READ(info, si_code);
	e->result = result;
	e->group = group != 0;
	e->target_pid = BPF_CORE_READ(target, tgid);
	e->target_tid = BPF_CORE_READ(target, pid);
	e->target_uid = BPF_CORE_READ(target, real_cred, uid.val);
	e->pad = 0;
	if (BPF_CORE_READ_STR_INTO(&e->target_comm, target, group_leader, comm) < 0)
		e->target_comm[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_btf, int sig, struct kernel_siginfo *info, struct task_struct *target, int group, int result)
{
	return generated(sig, info, target, group, result);
}

SEC("raw_tp/signal_generate")
int BPF_PROG(signal_raw, int sig, struct kernel_siginfo *info, struct task_struct *target, int group, int result)
{
	return generated(sig, info, target, group, result);
}

char LICENSE[] SEC("license") = "GPL";
