// SPDX-License-Identifier: GPL-2.0
// Shared by the event tracers: the ring buffer they stream into, how events are handed over, and
// the count of events that did not fit (reported to the user as lost events). The ring's size is
// set by the loader (by CPU count); 1 MiB is only the default.
#ifndef EBPF_MCP_EVENTS_H
#define EBPF_MCP_EVENTS_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/*
 * Wake the reader once per EVENTS_WAKEUP_BYTES of events, not per event: a wakeup costs the traced
 * program an irq_work every time, which is most of a tracer's overhead under a storm. An event
 * wakes the reader when the data waiting crosses a multiple of EVENTS_WAKEUP_BYTES with it: once
 * the reader is behind, "at least that much waits" would be true of every event and wake it every
 * time (measured: +0.7 us per event for the traced program). The reader also drains on a short
 * timer, so a trickle of events is never held back long.
 */
#define EVENTS_WAKEUP_BYTES (64 * 1024)

static __always_inline void submit_event_sized(void *event, __u64 size)
{
	/* The record as the ring holds it: an 8-byte header, rounded up to 8 bytes. */
	__u64 record = (size + 8 + 7) & ~7ULL;
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 before = pending > record ? pending - record : 0;

	bpf_ringbuf_submit(event, pending / EVENTS_WAKEUP_BYTES != before / EVENTS_WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#define submit_event(event) submit_event_sized(event, sizeof(*(event)))

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		*lost += 1;
}

/*
 * Puts an event struct into the object's BTF (a pointer in .bss that nothing reads): records only
 * pass through the ring buffer, so nothing else would make clang emit their type, and the C#
 * mirrors of the records are checked against this BTF.
 */
#define BTF_EXPORT(name) struct name *btf_export_##name __attribute__((unused))

#endif
