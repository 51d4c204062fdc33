using System.Reflection;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Counts events by the values of some of their properties (-GroupBy), over every event it is
/// given, keeping the first three of each group as samples. Bounded: past <see cref="MaxGroups"/>
/// distinct groups, further new groups are only counted as overflow, so memory stays flat.
/// </summary>
internal sealed class EventGrouper
{
    public const int MaxGroups = 10_000;
    private const int SamplesPerGroup = 3;

    private readonly string[] properties;
    private readonly Dictionary<Type, PropertyInfo[]> getters = [];
    private readonly Dictionary<GroupKey, BpfEventGroup> groups = [];

    public EventGrouper(string[] properties) => this.properties = properties;

    public IReadOnlyList<string> Properties => properties;

    /// <summary>Events that belonged to no kept group because the group limit was reached.</summary>
    public long Overflow { get; private set; }

    public void Add(BpfTraceEvent e)
    {
        var values = Values(e);
        var key = new GroupKey(values);
        if (!groups.TryGetValue(key, out var group))
        {
            if (groups.Count >= MaxGroups)
            {
                Overflow++;
                return;
            }
            var named = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < properties.Length; i++)
            {
                named[properties[i]] = values[i];
            }
            group = new BpfEventGroup { Group = named, FirstSeen = e.Timestamp, Sample = new List<BpfTraceEvent>(SamplesPerGroup) };
            groups[key] = group;
        }
        group.Count++;
        group.LastSeen = e.Timestamp;
        if (group.Sample is List<BpfTraceEvent> { Count: < SamplesPerGroup } sample)
        {
            sample.Add(e);
        }
    }

    /// <summary>The groups, most events first.</summary>
    public List<BpfEventGroup> Groups() =>
        [.. groups.Values.OrderByDescending(g => g.Count).ThenBy(g => g.FirstSeen)];

    private object?[] Values(BpfTraceEvent e)
    {
        var type = e.GetType();
        if (!getters.TryGetValue(type, out var props))
        {
            props = [.. properties.Select(p => type.GetProperty(p, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new ArgumentException($"{type.Name} has no property '{p}' to group by."))];
            getters[type] = props;
        }
        var values = new object?[props.Length];
        for (int i = 0; i < props.Length; i++)
        {
            var value = props[i].GetValue(e);
            // A list (argv) groups by its text, not by the identity of the list object.
            values[i] = value is System.Collections.IEnumerable list and not string ? string.Join(' ', list.Cast<object>()) : value;
        }
        return values;
    }

    /// <summary>Group values compared by content (arrays of property values are not equatable by themselves).</summary>
    private readonly struct GroupKey(object?[] values) : IEquatable<GroupKey>
    {
        private readonly object?[] values = values;

        public bool Equals(GroupKey other) => values.AsSpan().SequenceEqual(other.values);

        public override bool Equals(object? obj) => obj is GroupKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var v in values)
            {
                hash.Add(v);
            }
            return hash.ToHashCode();
        }
    }
}
