// SPDX-License-Identifier: GPL-2.0
// Trace-BpfFileOpen: open, openat and openat2 with their result. The path pointer and flags are
// kept per thread at entry; the event is emitted at exit, when the result is known.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
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

static __always_inline int leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pending_open *p = bpf_map_lookup_elem(&pending, &tid);

	if (!p)
		return 0;
	if (trace_config.failed_only && ret >= 0) {
		bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	struct open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	fill_context(&e->ctx);
	e->result = ret;
	e->flags = p->flags;
	e->syscall = p->syscall;
	e->pad = 0;
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), p->path) < 0)
		e->path[0] = 0;
	bpf_map_delete_elem(&pending, &tid);
	submit_event(e);
	return 0;
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
