using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>One row of a profiler's in-kernel table: a thread's stacks, with samples or blocks and blocked nanoseconds.</summary>
internal readonly record struct StackRow(uint Tgid, int UserStackId, int KernelStackId, string ProcessName, ulong Count, ulong BlockedNanoseconds);

/// <summary>What a profiler's maps held when it was read: the rows, the stacks they name, and the loss counters.</summary>
internal sealed record RawStackProfile(IReadOnlyList<StackRow> Rows, IReadOnlyDictionary<int, ulong[]> Stacks, ulong Dropped, ulong StackCollisions, ulong StackFailures);

/// <summary>
/// Reads the maps both profiler objects share in layout (bpf/stack_profile.h): the aggregation
/// table keyed by struct stack_key, the stack map, and the per-CPU loss counters; and waits out a
/// profile while remembering the processes it sees, so their mappings are read while they run.
/// </summary>
internal static unsafe class StackTables
{
    public const int StackDepth = 127;
    private const int ENOENT = 2;

    /// <summary>A row of the aggregation table, from its struct stack_key (mirrored by <see cref="StackKeyRecord"/>).</summary>
    public static StackRow Row(byte[] key, ulong count, ulong blockedNanoseconds)
    {
        var k = MemoryMarshal.Read<StackKeyRecord>(key);
        return new StackRow(k.tgid, k.user_stack_id, k.kernel_stack_id, CommNames.Decode(new ReadOnlySpan<byte>(k.comm, 16)), count, blockedNanoseconds);
    }

    /// <summary>
    /// Reads the table once: the samples (or blocks) counted so far, and the processes seen, whose
    /// mappings the symbolizer remembers now, while they still run.
    /// </summary>
    public static (ulong Count, int Processes) Observe(TracerObject tracer, string table, Func<byte[], (ulong Count, ulong Nanoseconds)> value, Symbolizer symbolizer, HashSet<uint> seen)
    {
        ulong count = 0;
        foreach (var row in Rows(tracer, table, value))
        {
            count += row.Count;
            if (seen.Add(row.Tgid))
            {
                symbolizer.Remember((int)row.Tgid);
            }
        }
        return (count, seen.Count);
    }

    /// <summary>Everything the profile needs from the kernel, read before the object is unloaded.</summary>
    public static RawStackProfile Read(TracerObject tracer, string table, Func<byte[], (ulong Count, ulong Nanoseconds)> value, Symbolizer symbolizer)
    {
        var rows = Rows(tracer, table, value).ToList();
        foreach (var tgid in rows.Select(r => r.Tgid).Distinct())
        {
            symbolizer.Remember((int)tgid); // before any of them exits
        }
        var stacks = new Dictionary<int, ulong[]>();
        using (var fd = tracer.OpenMap("stacks"))
        {
            foreach (var id in rows.SelectMany(r => new[] { r.UserStackId, r.KernelStackId }).Where(id => id >= 0).Distinct())
            {
                stacks[id] = Stack(fd, id);
            }
        }
        return new RawStackProfile(rows, stacks, tracer.PerCpuCounter("dropped"), tracer.PerCpuCounter("stack_collisions"), tracer.PerCpuCounter("stack_failures"));
    }

    private static IEnumerable<StackRow> Rows(TracerObject tracer, string table, Func<byte[], (ulong Count, ulong Nanoseconds)> value)
    {
        using var fd = tracer.OpenMap(table);
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        foreach (var (key, bytes) in MapEntries.Read(fd, info, table))
        {
            var (count, nanoseconds) = value(bytes);
            yield return Row(key, count, nanoseconds);
        }
    }

    /// <summary>A stored stack, leaf first, up to its first zero address (empty if the id is gone).</summary>
    private static ulong[] Stack(BpfFdHandle stacks, int id)
    {
        var ips = new ulong[StackDepth];
        int rc;
        fixed (ulong* value = ips)
        {
            rc = LibBpfSyscallApi.MapLookupElement(stacks.Fd, &id, value);
        }
        if (rc != 0)
        {
            int errno = LibBpfSyscallApi.Errno(rc);
            return errno == ENOENT ? [] : throw BpfException.FromErrno("bpf_map_lookup_elem on the stack map", errno, "MapNotDumpable");
        }
        int depth = Array.IndexOf(ips, 0UL);
        return depth < 0 ? ips : ips[..depth];
    }
}
