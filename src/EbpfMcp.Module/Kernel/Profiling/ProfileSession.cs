using System.Diagnostics;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>
/// A profile being taken: the profiler's object is loaded and attached. While it runs,
/// <see cref="Observe"/> reads the counts so far (and has the symbolizer remember new processes
/// while they live); <see cref="Finish"/> reads the tables, unloads everything and symbolizes.
/// Disposing an unfinished session unloads it too.
/// </summary>
internal sealed class ProfileSession : IDisposable
{
    private static readonly TimeSpan ObserveInterval = TimeSpan.FromMilliseconds(500);
    private readonly ProfileKind kind;
    private readonly TracerObject tracer;
    private readonly string table;
    private readonly Func<byte[], (ulong Count, ulong Nanoseconds)> value;
    private readonly ProfileRequest request;
    private readonly Symbolizer symbolizer = new();
    private readonly HashSet<uint> seen = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly DateTimeOffset startedAt = DateTimeOffset.Now;
    private bool finished;

    public ProfileSession(ProfileKind kind, TracerObject tracer, string hook, string table, Func<byte[], (ulong, ulong)> value, ProfileRequest request)
    {
        this.kind = kind;
        this.tracer = tracer;
        Hook = hook;
        this.table = table;
        this.value = value;
        this.request = request;
    }

    public string Hook { get; }

    /// <summary>The kernel ids of the programs it loaded.</summary>
    public IReadOnlyList<uint> ProgramIds => tracer.ProgramIds;

    /// <summary>The count so far; new processes' mappings are remembered for symbolization.</summary>
    public ProfileProgress Observe()
    {
        var (count, processes) = StackTables.Observe(tracer, table, value, symbolizer, seen);
        return new ProfileProgress(clock.Elapsed < request.Duration ? clock.Elapsed : request.Duration, request.Duration, count, processes);
    }

    /// <summary>
    /// Waits out the request's duration, observing twice a second, unless <paramref name="cancellation"/>
    /// fires first; returns whether it did.
    /// </summary>
    public bool Wait(CancellationToken cancellation, Action<ProfileProgress>? progress)
    {
        // What is left is read once per round (read twice, it could turn negative in between).
        while (request.Duration - clock.Elapsed is var left && left > TimeSpan.Zero)
        {
            if (cancellation.WaitHandle.WaitOne(left < ObserveInterval ? left : ObserveInterval))
            {
                return true;
            }
            var now = Observe();
            progress?.Invoke(now);
        }
        return false;
    }

    /// <summary>Reads the tables, unloads the object, and builds the symbolized profile.</summary>
    public StackProfile Finish(bool stoppedEarly)
    {
        var elapsed = clock.Elapsed;
        RawStackProfile raw;
        using (tracer)
        {
            raw = StackTables.Read(tracer, table, value, symbolizer);
        }
        finished = true;
        return StackProfileBuilder.Build(kind, raw, symbolizer, request.Space, Hook, startedAt, elapsed, stoppedEarly, kind == ProfileKind.OnCpu ? request.Frequency : 0);
    }

    public void Dispose()
    {
        if (!finished)
        {
            tracer.Dispose();
        }
    }
}
