// SPDX-License-Identifier: GPL-2.0
// Trace-BpfTcpRetransmit: TCP retransmissions and resets, sent and received (tcp:tcp_retransmit_skb,
// tcp_send_reset, tcp_receive_reset), with addresses, ports, the socket's state, and the process
// that owns the socket. These events mostly happen in softirq, where the task that happens to run
// is not the socket's owner; so owners are remembered when they are certain, in process context:
// at connect (CLOSE -> SYN_SENT) and listen (CLOSE -> LISTEN) from sock:inet_sock_set_state, and
// forgotten when the socket is freed (tcp:tcp_destroy_sock: a reset can follow the change to CLOSE).
// Accepted sockets are owned by whoever listens on their local port. Hooks: tp_btf, else the
// tracepoints.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_context.h"
#include "ebpf_mcp_events.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_SYN_SENT 2
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_LISTEN 10
#define TCP_NEW_SYN_RECV 12

enum tcp_event_kind {
	KIND_RETRANSMIT = 0,
	KIND_RESET_SENT = 1,
	KIND_RESET_RECEIVED = 2,
};

struct socket_owner {
	__u32 pid;
	__u32 uid;
	char comm[TASK_COMM_LEN];
};

struct tcp_retransmit_event {
	struct event_context ctx;
	__u64 socket;        /* 0: a reset sent for a packet no socket wanted */
	__u32 kind;          /* enum tcp_event_kind */
	__s32 state;         /* the socket's TCP state; 0 when there is no socket */
	__u32 reason;        /* resets sent: enum sk_rst_reason (0 when the kernel does not say) */
	__u16 family;
	__u16 sport;         /* the local end (for resets sent: the end that sends it) */
	__u16 dport;
	__u16 pad;
	struct socket_owner owner;   /* pid 0: no owner known */
	__u8 saddr[16];
	__u8 daddr[16];
};
BTF_EXPORT(tcp_retransmit_event);

struct port_listener {
	__u64 socket;
	struct socket_owner owner;
};

/* Socket → the process that connected or listened with it. LRU: sockets freed unseen age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct socket_owner);
} owners SEC(".maps");

/* family << 16 | local port → the listening socket and its owner. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct port_listener);
} listeners SEC(".maps");

/* The port's listener entry, if it is this socket's (the port may have a new listener by now). */
static __always_inline void forget_listener(__u64 sk, __u32 port_key)
{
	struct port_listener *l = bpf_map_lookup_elem(&listeners, &port_key);

	if (l && l->socket == sk)
		bpf_map_delete_elem(&listeners, &port_key);
}

static __always_inline void current_owner(struct socket_owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	o->pid = id >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	current_process_name(o->comm);
}

static __always_inline void state_changed(__u64 sk, int old, int new, __u16 family, __u16 sport)
{
	__u32 port_key = (__u32)family << 16 | sport;

	if (new == TCP_SYN_SENT || new == TCP_LISTEN) {
		struct port_listener l = { .socket = sk };

		current_owner(&l.owner);
		bpf_map_update_elem(&owners, &sk, &l.owner, BPF_ANY);
		if (new == TCP_LISTEN)
			bpf_map_update_elem(&listeners, &port_key, &l, BPF_ANY);
	} else if (new == TCP_CLOSE && old == TCP_LISTEN) {
		forget_listener(sk, port_key);
	}
}

static __always_inline void destroyed(__u64 sk, __u16 family, __u16 sport)
{
	bpf_map_delete_elem(&owners, &sk);
	forget_listener(sk, (__u32)family << 16 | sport);
}

static __always_inline void find_owner(struct tcp_retransmit_event *e)
{
	struct socket_owner *o = bpf_map_lookup_elem(&owners, &e->socket);

	if (!o) {
		__u32 port_key = (__u32)e->family << 16 | e->sport;
		struct port_listener *l = bpf_map_lookup_elem(&listeners, &port_key);

		o = l ? &l->owner : NULL;
	}
	if (o)
		e->owner = *o;
	else
		__builtin_memset(&e->owner, 0, sizeof(e->owner));
}

static __always_inline struct tcp_retransmit_event *reserve(__u32 kind, __u64 sk, __u32 reason)
{
	struct tcp_retransmit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost();
		return NULL;
	}
	fill_context(&e->ctx);
	e->socket = sk;
	e->kind = kind;
	e->state = 0;
	e->reason = reason;
	e->family = 0;
	e->sport = 0;
	e->dport = 0;
	e->pad = 0;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	return e;
}

static __always_inline void submit(struct tcp_retransmit_event *e)
{
	find_owner(e);
	bpf_ringbuf_submit(e, 0);
}

/*
 * The connection of a socket. Full sockets keep their local port in inet_sport even once closed
 * (a reset sent on abort comes after the change to CLOSE, which clears skc_num); request and
 * time-wait sockets are not inet_socks, and have it in skc_num.
 */
static __always_inline void from_socket(struct tcp_retransmit_event *e, const struct sock *sk)
{
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (e->state == TCP_TIME_WAIT || e->state == TCP_NEW_SYN_RECV)
		e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	else
		e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)e->daddr, sk, __sk_common.skc_v6_daddr);
	}
}

/* A reset answering a packet no socket wanted: the packet's receiver is the reset's sender. */
static __always_inline void from_packet(struct tcp_retransmit_event *e, const struct sk_buff *skb)
{
	if (!skb)
		return;

	unsigned char *head = BPF_CORE_READ(skb, head);
	__u8 version = 0;
	struct tcphdr th = {};

	bpf_probe_read_kernel(&th, sizeof(th), head + BPF_CORE_READ(skb, transport_header));
	e->sport = bpf_ntohs(th.dest);
	e->dport = bpf_ntohs(th.source);
	void *ip = head + BPF_CORE_READ(skb, network_header);
	bpf_probe_read_kernel(&version, 1, ip);
	if (version >> 4 == 4) {
		struct iphdr h = {};

		bpf_probe_read_kernel(&h, sizeof(h), ip);
		e->family = AF_INET;
		__builtin_memcpy(e->saddr, &h.daddr, 4);
		__builtin_memcpy(e->daddr, &h.saddr, 4);
	} else {
		struct ipv6hdr h = {};

		bpf_probe_read_kernel(&h, sizeof(h), ip);
		e->family = AF_INET6;
		__builtin_memcpy(e->saddr, &h.daddr, 16);
		__builtin_memcpy(e->daddr, &h.saddr, 16);
	}
}

static __always_inline int socket_event(__u32 kind, const struct sock *sk, __u32 reason)
{
	struct tcp_retransmit_event *e = reserve(kind, (__u64)sk, reason);

	if (!e)
		return 0;
	from_socket(e, sk);
	submit(e);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpretx_state_btf, const struct sock *sk, const int old, const int new)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	state_changed((__u64)sk, old, new, BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, __sk_common.skc_num));
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcpretx_del_btf, const struct sock *sk)
{
	destroyed((__u64)sk, BPF_CORE_READ(sk, __sk_common.skc_family), bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport)));
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretx_retx_btf, const struct sock *sk)
{
	return socket_event(KIND_RETRANSMIT, sk, 0);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcpretx_rrst_btf, const struct sock *sk)
{
	return socket_event(KIND_RESET_RECEIVED, sk, 0);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpretx_srst_btf, const struct sock *sk, const struct sk_buff *skb, enum sk_rst_reason reason)
{
	if (sk)
		return socket_event(KIND_RESET_SENT, sk, reason);

	struct tcp_retransmit_event *e = reserve(KIND_RESET_SENT, 0, reason);
	if (!e)
		return 0;
	from_packet(e, skb);
	submit(e);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcpretx_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	state_changed((__u64)ctx->skaddr, ctx->oldstate, ctx->newstate, ctx->family, ctx->sport);
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tcpretx_del_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
	destroyed((__u64)ctx->skaddr, ctx->family, ctx->sport);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretx_retx_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	return socket_event(KIND_RETRANSMIT, ctx->skaddr, 0);
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tcpretx_rrst_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
	return socket_event(KIND_RESET_RECEIVED, ctx->skaddr, 0);
}

/* The tracepoint's ends of a reset: sockaddr_in or sockaddr_in6, the sender's first. */
SEC("tracepoint/tcp/tcp_send_reset")
int tcpretx_srst_tp(struct trace_event_raw_tcp_send_reset *ctx)
{
	__u32 reason = bpf_core_field_exists(ctx->reason) ? ctx->reason : 0;

	if (ctx->skaddr)
		return socket_event(KIND_RESET_SENT, ctx->skaddr, reason);

	struct tcp_retransmit_event *e = reserve(KIND_RESET_SENT, 0, reason);
	if (!e)
		return 0;
	struct sockaddr_in6 local = {}, remote = {};
	bpf_probe_read_kernel(&local, sizeof(local), ctx->saddr);
	bpf_probe_read_kernel(&remote, sizeof(remote), ctx->daddr);
	e->family = local.sin6_family;
	e->sport = bpf_ntohs(local.sin6_port);
	e->dport = bpf_ntohs(remote.sin6_port);
	if (local.sin6_family == AF_INET) {
		/* sockaddr_in: the address follows the port, where sockaddr_in6 has its flow info. */
		__builtin_memcpy(e->saddr, &local.sin6_flowinfo, 4);
		__builtin_memcpy(e->daddr, &remote.sin6_flowinfo, 4);
	} else {
		__builtin_memcpy(e->saddr, &local.sin6_addr, 16);
		__builtin_memcpy(e->daddr, &remote.sin6_addr, 16);
	}
	submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
