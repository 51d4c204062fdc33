using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
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
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>struct stack_key: tgid@0 pid@4 user_stack_id@8 kernel_stack_id@12 comm[16]@16.</summary>
    public static StackRow Row(byte[] key, ulong count, ulong blockedNanoseconds)
    {
        int end = Array.IndexOf(key, (byte)0, 16, 16);
        return new StackRow(
            BinaryPrimitives.ReadUInt32LittleEndian(key),
            BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(8)),
            BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(12)),
            Encoding.UTF8.GetString(key, 16, (end < 0 ? 32 : end) - 16),
            count,
            blockedNanoseconds);
    }

    /// <summary>
    /// Runs until <paramref name="duration"/> is over or <paramref name="cancellation"/> fires. Every
    /// half second the table is read: new processes are remembered by the symbolizer and progress
    /// is reported with the count so far.
    /// </summary>
    public static (TimeSpan Elapsed, bool StoppedEarly) Wait(TracerObject tracer, string table, Func<byte[], (ulong Count, ulong Nanoseconds)> value,
        TimeSpan duration, Symbolizer symbolizer, CancellationToken cancellation, Action<ProfileProgress>? progress)
    {
        var clock = Stopwatch.StartNew();
        var seen = new HashSet<uint>();
        while (clock.Elapsed < duration)
        {
            var left = duration - clock.Elapsed;
            if (cancellation.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval))
            {
                return (clock.Elapsed, true);
            }
            ulong count = 0;
            foreach (var row in Rows(tracer, table, value))
            {
                count += row.Count;
                if (seen.Add(row.Tgid))
                {
                    symbolizer.Remember((int)row.Tgid);
                }
            }
            progress?.Invoke(new ProfileProgress(clock.Elapsed < duration ? clock.Elapsed : duration, duration, count, seen.Count));
        }
        return (clock.Elapsed, false);
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
