// SPDX-License-Identifier: GPL-2.0
// Trace-BpfFileOpen: open, openat and openat2 with their result, emitted at exit, when the result
// is known. Preferred: one program on the raw sys_exit tracepoint that reads the call's arguments
// from the registers saved at entry (still there at exit): no entry program, no per-thread map, and
// none of the syscall tracepoints' per-call record building: under an open storm that is most of
// what tracing costs the traced program. Fallback: the syscalls tracepoints, with the path pointer
// and flags kept per thread at entry.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define PATH_LEN 256

struct open_event {
	struct event_context ctx;
	__s64 result;
	__u64 flags;
	__u32 syscall;         /* 0 open, 1 openat, 2 openat2 */
	__u32 pad;
	char path[PATH_LEN];
};
BTF_EXPORT(open_event);

struct open_config {
	struct process_filter process;
	__u32 failed_only;
};

struct pending_open {
	const char *path;
	__u64 flags;
	__u32 syscall;
};

const volatile struct open_config trace_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending_open);
} pending SEC(".maps");

static __always_inline int enter(const char *path, __u64 flags, __u32 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!process_wanted(&trace_config.process, id >> 32))
		return 0;
	__u32 tid = (__u32)id;
	struct pending_open p = { .path = path, .flags = flags, .syscall = syscall };
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

/* What the exit programs found: the call, emitted when it is wanted. */
static __always_inline int emit(long ret, const char *path, __u64 flags, __u32 syscall)
{
	if (trace_config.failed_only && ret >= 0)
		return 0;
	struct open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_context(&e->ctx);
	e->result = ret;
	e->flags = flags;
	e->syscall = syscall;
	e->pad = 0;
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), path) < 0)
		e->path[0] = 0;
	submit_event(e);
	return 0;
}

/* x86_64 system call numbers and argument registers (the objects are built for x86_64). */
#define NR_OPEN 2
#define NR_OPENAT 257
#define NR_OPENAT2 437

static __always_inline int exit_with_regs(long nr, long ret, __u64 arg0, __u64 arg1, __u64 arg2)
{
	__u32 syscall;
	const char *path;
	__u64 flags;

	if (nr == NR_OPENAT) {
		syscall = 1, path = (const char *)arg1, flags = arg2;
	} else if (nr == NR_OPEN) {
		syscall = 0, path = (const char *)arg0, flags = arg1;
	} else if (nr == NR_OPENAT2) {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), (void *)arg2);
		syscall = 2, path = (const char *)arg1, flags = how.flags;
	} else {
		return 0;
	}
	if (!process_wanted(&trace_config.process, bpf_get_current_pid_tgid() >> 32))
		return 0;
	return emit(ret, path, flags, syscall);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(opens_exit_btf, struct pt_regs *regs, long ret)
{
	return exit_with_regs(regs->orig_ax, ret, regs->di, regs->si, regs->dx);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(opens_exit_raw, struct pt_regs *regs, long ret)
{
	return exit_with_regs(BPF_CORE_READ(regs, orig_ax), ret, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx));
}

static __always_inline int leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pending_open *p = bpf_map_lookup_elem(&pending, &tid);

	if (!p)
		return 0;
	const char *path = p->path;
	__u64 flags = p->flags;
	__u32 syscall = p->syscall;

	bpf_map_delete_elem(&pending, &tid);
	return emit(ret, path, flags, syscall);
}

SEC("tracepoint/syscalls/sys_enter_open")
int open_enter(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[0], ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[1], ctx->args[2], 1);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return enter((const char *)ctx->args[1], how.flags, 2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int open_exit(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
