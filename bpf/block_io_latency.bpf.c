// SPDX-License-Identifier: GPL-2.0
// Measure-BpfBlockIoLatency: how long block I/O requests take, from issue to the device (or, with
// -Queued, from insertion into the I/O scheduler) to completion. A log2 histogram in microseconds,
// for all disks or per disk (by device number; user space names the disk). Hooks: tp_btf, raw_tp
// (the request pointer identifies a request), else the block tracepoints (device and sector do).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_mcp_filter.h"
#include "ebpf_mcp_histogram.h"

#define MINORBITS 20

struct block_io_config {
	struct process_filter process;
	__u32 per_disk;
	__u32 queued;
};

/* A request in flight: its address (BTF hooks), or its device and first sector (tracepoints). */
struct request_key {
	__u64 id;
	__u32 dev;
	__u32 pad;
};

const volatile struct block_io_config trace_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct request_key);
	__type(value, __u64);
} starts SEC(".maps");

/* Device number (kernel dev_t: major << 20 | minor; 0 for every disk together) → latency in microseconds. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct histogram);
} latency SEC(".maps");

/* Before 5.17 a request named its disk itself. */
struct request___pre517 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* <inserted>: the request entered the I/O scheduler; else it was issued to the device. */
static __always_inline void started(struct request_key *key, bool inserted)
{
	if (inserted && !trace_config.queued)
		return;
	if (filter_set(&trace_config.process) && !process_wanted(&trace_config.process, bpf_get_current_pid_tgid() >> 32))
		return;
	__u64 now = bpf_ktime_get_ns();
	/* With -Queued, the issue of a request that was inserted keeps the insertion time. */
	__u64 flags = trace_config.queued && !inserted ? BPF_NOEXIST : BPF_ANY;
	long err = bpf_map_update_elem(&starts, key, &now, flags);
	if (err && err != -17 /* EEXIST */)
		count_uncounted();
}

static __always_inline void completed(struct request_key *key, __u32 dev)
{
	__u64 *start = bpf_map_lookup_elem(&starts, key);

	if (!start)
		return;
	__u64 ns = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&starts, key);

	__u32 disk = trace_config.per_disk ? dev : 0;
	struct histogram *h = hist_get(&latency, &disk);
	if (!h) {
		count_uncounted();
		return;
	}
	hist_add(h, ns / 1000, ns, true);
}

static __always_inline __u32 request_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request___pre517 *)rq)->rq_disk))
		disk = BPF_CORE_READ((struct request___pre517 *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline int request_started(struct request *rq, bool inserted)
{
	struct request_key key = { .id = (__u64)rq };

	started(&key, inserted);
	return 0;
}

static __always_inline int request_completed(struct request *rq)
{
	struct request_key key = { .id = (__u64)rq };

	/* Only per disk does the device matter: reading it is skipped otherwise. */
	completed(&key, trace_config.per_disk ? request_dev(rq) : 0);
	return 0;
}

/* The same programs on tp_btf and on raw_tp: both hand over the request. */
#define REQUEST_PROGRAMS(kind, suffix)							\
SEC(kind "/block_rq_insert")								\
int BPF_PROG(biolat_insert_##suffix, struct request *rq)				\
{											\
	return request_started(rq, true);						\
}											\
SEC(kind "/block_rq_issue")								\
int BPF_PROG(biolat_issue_##suffix, struct request *rq)				\
{											\
	return request_started(rq, false);						\
}											\
SEC(kind "/block_rq_complete")								\
int BPF_PROG(biolat_done_##suffix, struct request *rq)					\
{											\
	return request_completed(rq);							\
}

REQUEST_PROGRAMS("tp_btf", btf)
REQUEST_PROGRAMS("raw_tp", raw)

SEC("tracepoint/block/block_rq_insert")
int biolat_insert_tp(struct trace_event_raw_block_rq *ctx)
{
	struct request_key key = { .id = ctx->sector, .dev = ctx->dev };

	started(&key, true);
	return 0;
}

SEC("tracepoint/block/block_rq_issue")
int biolat_issue_tp(struct trace_event_raw_block_rq *ctx)
{
	struct request_key key = { .id = ctx->sector, .dev = ctx->dev };

	started(&key, false);
	return 0;
}

SEC("tracepoint/block/block_rq_complete")
int biolat_done_tp(struct trace_event_raw_block_rq_completion *ctx)
{
	struct request_key key = { .id = ctx->sector, .dev = ctx->dev };

	completed(&key, ctx->dev);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
