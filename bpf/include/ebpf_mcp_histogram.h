// SPDX-License-Identifier: GPL-2.0
// Log2 latency histograms kept in the kernel (the Measure- tracers): a slot per power of two of the
// tracer's unit, plus the exact count, total, smallest and largest time in nanoseconds, so user
// space can report percentiles within their bucket and exact totals, minimum and maximum.
#ifndef EBPF_MCP_HISTOGRAM_H
#define EBPF_MCP_HISTOGRAM_H

/* Slot 0 holds 0 and 1; slot s (s ≥ 1) holds [2^s, 2^(s+1) - 1]: every 64-bit value has a slot. */
#define HIST_SLOTS 64

struct histogram {
	__u64 slots[HIST_SLOTS];
	__u64 count;
	__u64 total_ns;
	__u64 min_ns;      /* 0 until the first value */
	__u64 max_ns;
};

/* floor(log2(v)) for v ≥ 1, and 0 for v = 0: a binary search over the bit positions. */
static __always_inline __u32 hist_slot(__u64 v)
{
	__u32 slot = 0;

	if (v >> 32) { v >>= 32; slot += 32; }
	if (v >> 16) { v >>= 16; slot += 16; }
	if (v >> 8) { v >>= 8; slot += 8; }
	if (v >> 4) { v >>= 4; slot += 4; }
	if (v >> 2) { v >>= 2; slot += 2; }
	if (v >> 1) slot += 1;
	return slot;
}

/*
 * Adds one time: <value> in the tracer's unit (what the slots count) and <ns> exactly. A histogram
 * in a per-CPU map is only written by its CPU (plain adds); one shared by CPUs takes atomic adds.
 * The smallest and largest times are compared and stored without a lock: when two CPUs race, one
 * of their values may be missed (rare, and only ever for min/max, never for the counts).
 */
static __always_inline void hist_add(struct histogram *h, __u64 value, __u64 ns, bool shared)
{
	__u32 slot = hist_slot(value);

	if (slot >= HIST_SLOTS) /* never true; keeps the verifier sure of the index */
		return;
	if (shared) {
		__sync_fetch_and_add(&h->slots[slot], 1);
		__sync_fetch_and_add(&h->count, 1);
		__sync_fetch_and_add(&h->total_ns, ns);
	} else {
		h->slots[slot] += 1;
		h->count += 1;
		h->total_ns += ns;
	}
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (h->min_ns == 0 || ns < h->min_ns)
		h->min_ns = ns ? ns : 1; /* 0 means "none yet": a 0 ns time is kept as 1 ns */
}

/* Times that could not be recorded because a table was full: reported to the user, not hidden. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} uncounted SEC(".maps");

static __always_inline void count_uncounted(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&uncounted, &zero);

	if (n)
		*n += 1;
}

/* New entries start from this (a histogram is too big for the 512-byte BPF stack). In .bss: never written. */
static struct histogram hist_zero;

/* The histogram of <key> in a hash map of histograms, created empty if new; NULL when the map is full. */
static __always_inline struct histogram *hist_get(void *map, const void *key)
{
	struct histogram *h = bpf_map_lookup_elem(map, key);

	if (h)
		return h;
	bpf_map_update_elem(map, key, &hist_zero, BPF_NOEXIST); /* EEXIST: another CPU created it */
	return bpf_map_lookup_elem(map, key);
}

#endif
