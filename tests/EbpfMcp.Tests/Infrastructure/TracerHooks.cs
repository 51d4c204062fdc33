using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Every hook a tracer declares, loaded on its own: a cmdlet uses the first hook that works here,
/// so without this the fallbacks (raw_tp, tracepoints) would never run on a kernel that has tp_btf.
/// </summary>
internal static class TracerHooks
{
    public static IReadOnlyList<HookChoice.Candidate> Of<TCmdlet>() => TracerCatalog.Of(typeof(TCmdlet)).Hooks;

    /// <summary>Loads and attaches the tracer's object with only this hook's programs and this configuration.</summary>
    public static TracerObject Start<TCmdlet>(HookChoice.Candidate hook, ReadOnlySpan<byte> configuration) =>
        TracerObject.Start(TracerCatalog.Of(typeof(TCmdlet)).ObjectName, hook.Programs, configuration);

    public static ReadOnlySpan<byte> Bytes<T>(in T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));

    /// <summary>The records waiting in the object's "events" ring buffer.</summary>
    public static List<TRecord> Drain<TRecord>(TracerObject kernel) where TRecord : unmanaged
    {
        var records = new List<TRecord>();
        using var reader = new RingBufferReader(kernel.MapFd("events"), bytes => records.Add(MemoryMarshal.Read<TRecord>(bytes)));
        while (reader.Poll(200) > 0)
        {
        }
        return records;
    }
}
