namespace EbpfMcp.Model;

/// <summary>
/// The totals of a trace, written to the information stream (tag "EbpfMcp.TraceSummary") when a
/// Trace-/Measure- command or Receive-BpfTrace ends, so hosts (the MCP bridge) report them beside
/// the results: events seen, events the kernel lost, events the buffer dropped, and counts by process.
/// </summary>
public sealed class BpfTraceSummary
{
    public const string Tag = "EbpfMcp.TraceSummary";

    public string Tracer { get; internal init; } = "";
    /// <summary>The background trace's id; null for a trace run in the foreground.</summary>
    public string? TraceId { get; internal init; }
    /// <summary>The kernel hook it ran on.</summary>
    public string Hook { get; internal init; } = "";
    /// <summary>Events (or rows) seen in all, including those not kept.</summary>
    public long Events { get; internal init; }
    /// <summary>Events the kernel could not hand over (ring buffer full).</summary>
    public long Lost { get; internal init; }
    /// <summary>Events a background trace's buffer had no room for (still counted in groups).</summary>
    public long Dropped { get; internal init; }
    /// <summary>Files the trace wrote its results to (a profile's -OutFile: flame graph, folded stacks, pprof).</summary>
    public string[] Files { get; internal init; } = [];
    /// <summary>The trace's results as text a person (or agent) reads: histogram bars, a profile's top stacks; null for event streams.</summary>
    public string? Report { get; internal init; }
    /// <summary>Events by process name, over every event seen (the most frequent 20).</summary>
    public IReadOnlyDictionary<string, long> ByProcess { get; internal init; } = new Dictionary<string, long>();

    public override string ToString() => $"{Tracer}: {Events} events, {Lost} lost, {Dropped} dropped";
}
