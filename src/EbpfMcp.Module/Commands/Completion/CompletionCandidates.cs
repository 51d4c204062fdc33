using System.Management.Automation;
using EbpfMcp.Native;

namespace EbpfMcp.Commands.Completion;

/// <summary>
/// What the module's argument completers share: the values that start with what was typed
/// (wildcards allowed, case ignored), quoted when PowerShell needs it, each with a tooltip.
/// </summary>
internal static class CompletionCandidates
{
    /// <summary>One completion: the value and what the tooltip says about it.</summary>
    public readonly record struct Candidate(string Value, string ToolTip);

    public static IEnumerable<CompletionResult> Matching(string? wordToComplete, Func<IEnumerable<Candidate>> candidates)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in Read(candidates))
        {
            if (pattern.IsMatch(candidate.Value) && seen.Add(candidate.Value))
            {
                yield return new CompletionResult(Quoted(candidate.Value), candidate.Value, CompletionResultType.ParameterValue, candidate.ToolTip);
            }
        }
    }

    // Completion runs while the user types: a kernel that refuses (no privileges, no bpf(2)) or a
    // missing libbpf means no suggestions, never an error on the prompt.
    private static List<Candidate> Read(Func<IEnumerable<Candidate>> candidates)
    {
        try
        {
            return [.. candidates()];
        }
        catch (Exception e) when (e is BpfException or DllNotFoundException or EntryPointNotFoundException or PlatformNotSupportedException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string Quoted(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/')
            ? value
            : "'" + value.Replace("'", "''") + "'";
}
