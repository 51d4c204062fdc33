// SPDX-License-Identifier: GPL-2.0
// Trace-BpfTcpState: TCP state changes from sock:inet_sock_set_state, with how long the socket
// spent in the state it leaves (kept per socket in a hash) and the task in whose context the
// change happened (the process for connect/close; often none for changes made in softirq).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_CLOSE 7

struct tcp_event {
	struct event_context ctx;
	__u64 socket;
	__u64 in_state_ns;     /* 0 when the previous change was not seen */
	__s32 old_state;
	__s32 new_state;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};
BTF_EXPORT(tcp_event);

const volatile struct process_filter trace_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} last_change SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;

	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (filter_set(&trace_config) && !process_wanted(&trace_config, tgid))
		return 0;

	__u64 sk = (__u64)ctx->skaddr;
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last = bpf_map_lookup_elem(&last_change, &sk);
	__u64 in_state = last ? now - *last : 0;
	if (ctx->newstate == TCP_CLOSE)
		bpf_map_delete_elem(&last_change, &sk);
	else
		bpf_map_update_elem(&last_change, &sk, &now, BPF_ANY);

	struct tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_context(&e->ctx);
	e->socket = sk;
	e->in_state_ns = in_state;
	e->old_state = ctx->oldstate;
	e->new_state = ctx->newstate;
	e->family = ctx->family;
	e->sport = ctx->sport;
	e->dport = ctx->dport;
	e->pad = 0;
	/* Tracepoint context fields may not be read at computed offsets: copy them with a helper. */
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (ctx->family == AF_INET) {
		bpf_probe_read_kernel(e->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(e->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(e->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e->daddr, 16, ctx->daddr_v6);
	}
	submit_event(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
