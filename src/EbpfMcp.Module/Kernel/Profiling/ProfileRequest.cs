using System.Text;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>Which stacks a profile collects.</summary>
internal enum StackSpace
{
    User,
    Kernel,
    Both,
}

/// <summary>
/// What to profile: for how long, which processes (filtered in the kernel), which stacks, and for
/// on-CPU profiles the sampling rate per CPU, for off-CPU profiles the shortest block counted.
/// </summary>
internal sealed record ProfileRequest
{
    public const int MaxProcessIds = 8;
    public const int MaxProcessNameBytes = 15;
    public const int MaxTableSize = 1 << 17;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On-CPU: samples per second on each CPU (49 by default: off the beat of timers at 50/100 Hz).</summary>
    public int Frequency { get; init; } = 49;

    /// <summary>Only these thread-group ids (at most 8); empty: every process.</summary>
    public IReadOnlyList<int> ProcessIds { get; init; } = [];

    /// <summary>Processes left out (at most 8), such as the MCP bridge itself.</summary>
    public IReadOnlyList<int> ExcludedProcessIds { get; init; } = [];

    /// <summary>Only processes whose thread-group leader has this comm (at most 15 bytes).</summary>
    public string? ProcessName { get; init; }

    public StackSpace Space { get; init; } = StackSpace.Both;

    /// <summary>Off-CPU: blocks shorter than this are not counted.</summary>
    public TimeSpan MinBlock { get; init; } = TimeSpan.Zero;

    /// <summary>Off-CPU: also count time a task switched out while still runnable (preempted) waited for a CPU.</summary>
    public bool IncludePreempted { get; init; }

    /// <summary>Rows of the in-kernel aggregation table and stacks of the stack map.</summary>
    public int TableSize { get; init; } = 16384;

    /// <summary>Throws InvalidProfileRequest (EINVAL) for a request the kernel side cannot take.</summary>
    public void Validate(bool onCpu)
    {
        if (Duration <= TimeSpan.Zero)
        {
            Invalid($"The duration must be positive (got {Duration.TotalSeconds} s).");
        }
        if (ProcessIds.Count > MaxProcessIds || ProcessIds.Any(p => p <= 0))
        {
            Invalid($"At most {MaxProcessIds} process ids, each positive (got {string.Join(", ", ProcessIds)}).");
        }
        if (ExcludedProcessIds.Count > MaxProcessIds || ExcludedProcessIds.Any(p => p <= 0))
        {
            Invalid($"At most {MaxProcessIds} excluded process ids, each positive (got {string.Join(", ", ExcludedProcessIds)}).");
        }
        if (ProcessName is { } name && (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > MaxProcessNameBytes))
        {
            Invalid($"The process name must be 1 to {MaxProcessNameBytes} bytes, as the kernel's comm is (got '{name}').");
        }
        if (TableSize is < 64 or > MaxTableSize)
        {
            Invalid($"The table size must be 64 to {MaxTableSize} (got {TableSize}): each stack-map entry takes about 1 KB of kernel memory.");
        }
        if (MinBlock < TimeSpan.Zero)
        {
            Invalid("The minimum block time cannot be negative.");
        }
        if (onCpu)
        {
            int max = MaxSampleRate();
            if (Frequency < 1 || Frequency > max)
            {
                Invalid($"The sampling frequency must be 1 to {max} Hz (kernel.perf_event_max_sample_rate); got {Frequency}.");
            }
        }
    }

    private static int MaxSampleRate()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/perf_event_max_sample_rate").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return 100_000;
        }
    }

    private static void Invalid(string message) => throw new BpfException("InvalidProfileRequest", message, 22);

    /// <summary>The process filter of the request, as the profilers' .rodata holds it.</summary>
    public ProcessFilterRecord Filter() => ProcessFilterRecord.From([.. ProcessIds], ExcludedProcessIds.Count > 0 ? [.. ExcludedProcessIds] : null, ProcessName);

    /// <summary>Which stacks to collect, as the profilers' .rodata holds it.</summary>
    public StackSpaceRecord SpaceRecord() => new()
    {
        user = Space is StackSpace.User or StackSpace.Both ? 1u : 0u,
        kernel = Space is StackSpace.Kernel or StackSpace.Both ? 1u : 0u,
    };

    public IReadOnlyDictionary<string, uint> MapSizes(string table) =>
        new Dictionary<string, uint> { [table] = (uint)TableSize, ["stacks"] = (uint)TableSize };
}

/// <summary>How a running profile is doing: time so far, and samples (on-CPU) or blocks (off-CPU) counted so far.</summary>
internal sealed record ProfileProgress(TimeSpan Elapsed, TimeSpan Duration, ulong Count, int Processes);
