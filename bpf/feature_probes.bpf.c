// SPDX-License-Identifier: GPL-2.0
// Get-BpfFeature: one minimal program per attach kind. Each is loaded alone (the others are not
// autoloaded), attached to a harmless target, then detached and unloaded: what the kernel accepts
// here is found by trying, not by reading its configuration. Untyped contexts keep the object
// small, so the fifteen opens stay cheap.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return 0; }

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx) { return 0; }

SEC("tp_btf/sys_enter")
int probe_tp_btf(void *ctx) { return 0; }

SEC("fentry/do_getpgid")
int probe_fentry(void *ctx) { return 0; }

SEC("fexit/do_getpgid")
int probe_fexit(void *ctx) { return 0; }

SEC("kprobe/do_getpgid")
int probe_kprobe(void *ctx) { return 0; }

SEC("kretprobe/do_getpgid")
int probe_kretprobe(void *ctx) { return 0; }

SEC("uprobe")
int probe_uprobe(void *ctx) { return 0; }

SEC("perf_event")
int probe_perf_event(void *ctx) { return 0; }

SEC("lsm/file_open")
int probe_lsm(void *ctx) { return 0; }

SEC("cgroup_skb/egress")
int probe_cgroup_skb(void *ctx) { return 1; }

SEC("cgroup/sock_create")
int probe_cgroup_sock(void *ctx) { return 1; }

SEC("xdp")
int probe_xdp(void *ctx) { return 2; /* XDP_PASS */ }

SEC("tc")
int probe_tc(void *ctx) { return 0; /* TC_ACT_OK */ }

SEC("iter/task")
int probe_iter(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
