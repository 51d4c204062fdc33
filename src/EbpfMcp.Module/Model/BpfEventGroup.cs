namespace EbpfMcp.Model;

/// <summary>
/// Events of a trace that share the values of the -GroupBy properties: how many, when the first and
/// the last were seen, and up to three of them as samples. Counted over every event of the trace.
/// </summary>
public sealed class BpfEventGroup
{
    /// <summary>The grouped properties by name, e.g. @{ ProcessName = 'nginx'; Errno = 'ENOENT' }.</summary>
    public IReadOnlyDictionary<string, object?> Group { get; internal init; } = new Dictionary<string, object?>();
    public long Count { get; internal set; }
    public DateTimeOffset FirstSeen { get; internal set; }
    public DateTimeOffset LastSeen { get; internal set; }
    /// <summary>Up to three events of the group, the first ones seen.</summary>
    public IReadOnlyList<BpfTraceEvent> Sample { get; internal set; } = [];

    public override string ToString() => string.Join(", ", Group.Select(g => $"{g.Key}={g.Value}")) + $": {Count}";
}
