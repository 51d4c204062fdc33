namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>
/// Collapsed stacks, the format flamegraph.pl, inferno and speedscope read: one line per stack,
/// "process;root;...;leaf value". The value is samples on-CPU and microseconds blocked off-CPU
/// (integers, as those tools expect). Processes of the same name are merged, as in bcc's -f output.
/// </summary>
internal static class FoldedStacks
{
    public static IReadOnlyList<(string Stack, ulong Value)> Lines(StackProfile profile) =>
        profile.Stacks
            .GroupBy(s => s.Folded, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Aggregate(0UL, (sum, s) => sum + Value(profile, s))))
            .Where(l => l.Item2 > 0)
            .OrderByDescending(l => l.Item2).ThenBy(l => l.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>What one stack weighs in a flame graph: samples, or whole microseconds blocked.</summary>
    public static ulong Value(StackProfile profile, ProfileStack stack) =>
        profile.Kind == ProfileKind.OnCpu ? stack.Count : (ulong)(stack.BlockedTime.Ticks / 10);

    public static string Unit(StackProfile profile) => profile.Kind == ProfileKind.OnCpu ? "samples" : "us";

    public static void Write(StackProfile profile, TextWriter writer)
    {
        foreach (var (stack, value) in Lines(profile))
        {
            writer.Write(stack);
            writer.Write(' ');
            writer.Write(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
