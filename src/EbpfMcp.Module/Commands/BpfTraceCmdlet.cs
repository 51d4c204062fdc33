using System.Buffers.Binary;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of the Trace-/Measure- cmdlets: the shared parameters (-Duration, -ProcessId,
/// -ProcessName, -First), the duration cap, the in-kernel process filter, progress, and stopping
/// on Ctrl+C or MCP cancellation. Subclasses always detach in a finally block.
/// </summary>
public abstract class BpfTraceCmdlet : BpfCmdlet
{
    /// <summary>Longest trace allowed unless EBPF_MCP_MAX_TRACE_SECONDS says otherwise.</summary>
    public const double DefaultMaxSeconds = 60;

    /// <summary>Seconds to trace (default 10; at most 60 unless EBPF_MCP_MAX_TRACE_SECONDS allows more).</summary>
    [Parameter]
    [ValidateRange(0.01, 86400.0)]
    public double Duration { get; set; } = 10;

    /// <summary>Only these processes (thread group ids), filtered in the kernel.</summary>
    [Parameter]
    [ValidateCount(1, 8)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ProcessId { get; set; }

    /// <summary>Only processes with this name (the kernel's 15-character comm), filtered in the kernel.</summary>
    [Parameter]
    [ValidateLength(1, 15)]
    public string? ProcessName { get; set; }

    /// <summary>Stop after this many objects.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        var max = MaxSeconds();
        if (Duration > max)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(Duration), $"-Duration {Duration} s is longer than the {max} s a trace may run; set EBPF_MCP_MAX_TRACE_SECONDS to allow more."),
                "DurationTooLong", ErrorCategory.InvalidArgument, Duration));
        }
    }

    public static double MaxSeconds() =>
        double.TryParse(Environment.GetEnvironmentVariable("EBPF_MCP_MAX_TRACE_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : DefaultMaxSeconds;

    /// <summary>struct process_filter of bpf/include/ebpf_mcp_filter.h (56 bytes).</summary>
    protected byte[] ProcessFilterBytes()
    {
        var bytes = new byte[ProcessFilterSize];
        var pids = ProcessId ?? [];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)pids.Length);
        for (int i = 0; i < pids.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + 4 * i), (uint)pids[i]);
        }
        if (!string.IsNullOrEmpty(ProcessName))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(36), 1);
            Encoding.UTF8.GetBytes(ProcessName, bytes.AsSpan(40, 15));
        }
        return bytes;
    }

    protected const int ProcessFilterSize = 56;

    /// <summary>
    /// Runs until -Duration is over, the pipeline is stopped, or <paramref name="poll"/> says it is
    /// done; poll is called at least every 100 ms with the time left. Writes progress.
    /// </summary>
    protected void RunFor(string activity, Func<TimeSpan, bool> poll)
    {
        var clock = Stopwatch.StartNew();
        var total = TimeSpan.FromSeconds(Duration);
        var lastProgress = TimeSpan.Zero;
        var progress = new ProgressRecord(1, activity, "tracing");
        while (!Stopping && clock.Elapsed < total)
        {
            if (poll(total - clock.Elapsed))
            {
                break;
            }
            if (clock.Elapsed - lastProgress >= TimeSpan.FromMilliseconds(250))
            {
                lastProgress = clock.Elapsed;
                progress.PercentComplete = (int)Math.Min(99, clock.Elapsed.TotalMilliseconds * 100 / total.TotalMilliseconds);
                progress.StatusDescription = $"{clock.Elapsed.TotalSeconds:F1} of {total.TotalSeconds:F1} s";
                WriteProgress(progress);
            }
        }
        progress.RecordType = ProgressRecordType.Completed;
        progress.PercentComplete = 100;
        WriteProgress(progress);
    }

    /// <summary>Sleeps in small steps so a stop request is honoured quickly.</summary>
    protected static bool SleepStep(TimeSpan left)
    {
        Thread.Sleep(left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
        return false;
    }

    protected void TerminateOn(BpfException e) => Terminate(e, null);
}
