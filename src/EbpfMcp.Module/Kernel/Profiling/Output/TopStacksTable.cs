using System.Globalization;
using System.Text;

namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>
/// A short plain-text table of the heaviest stacks, for MCP text content and logs: share, count
/// (and blocked time off-CPU), process, and the stack leaf first (what is hot, then who called it).
/// </summary>
internal static class TopStacksTable
{
    public static string Format(StackProfile profile, int top = 10, int maxFrames = 8)
    {
        bool onCpu = profile.Kind == ProfileKind.OnCpu;
        var text = new StringBuilder();
        text.Append(onCpu
            ? FormattableString.Invariant($"{profile.TotalCount} samples at {profile.Frequency} Hz over {profile.Elapsed.TotalSeconds:F1} s ({profile.Hook})\n")
            : FormattableString.Invariant($"{profile.TotalBlockedTime.TotalMilliseconds:F1} ms blocked in {profile.TotalCount} blocks over {profile.Elapsed.TotalSeconds:F1} s ({profile.Hook})\n"));
        text.Append(onCpu ? "  share   count  process (pid): leaf <- callers\n" : "  share  blocked(ms)  count  process (pid): leaf <- callers\n");
        foreach (var stack in profile.Stacks.Take(top))
        {
            var frames = stack.Frames.Reverse().Take(maxFrames).Select(f => f.Name).ToList();
            if (stack.Frames.Count > maxFrames)
            {
                frames.Add("...");
            }
            var share = (profile.Share(stack) * 100).ToString("F1", CultureInfo.InvariantCulture).PadLeft(6);
            text.Append(onCpu
                ? FormattableString.Invariant($"{share}% {stack.Count,7}  {stack.ProcessName} ({stack.ProcessId}): {string.Join(" <- ", frames)}\n")
                : FormattableString.Invariant($"{share}% {stack.BlockedTime.TotalMilliseconds,11:F1} {stack.Count,6}  {stack.ProcessName} ({stack.ProcessId}): {string.Join(" <- ", frames)}\n"));
        }
        if (profile.Stacks.Count > top)
        {
            text.Append(CultureInfo.InvariantCulture, $"... {profile.Stacks.Count - top} more stacks\n");
        }
        return text.ToString();
    }
}
