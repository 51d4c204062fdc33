using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Native;

namespace EbpfMcp.Commands.Completion;

/// <summary>
/// Base of the module's argument completers: each says which values exist now; this offers those
/// that start with what was typed (wildcards allowed, case ignored), quoted when PowerShell needs
/// it, each with a tooltip.
/// </summary>
public abstract class CandidateCompleter : IArgumentCompleter
{
    /// <summary>One completion: the value and what the tooltip says about it.</summary>
    protected readonly record struct Candidate(string Value, string ToolTip);

    /// <summary>The values that exist now, in the order they should be offered.</summary>
    protected abstract IEnumerable<Candidate> Candidates();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in Read())
        {
            if (pattern.IsMatch(candidate.Value) && seen.Add(candidate.Value))
            {
                yield return new CompletionResult(Quoted(candidate.Value), candidate.Value, CompletionResultType.ParameterValue, candidate.ToolTip);
            }
        }
    }

    // Completion runs while the user types: a kernel that refuses (no privileges, no bpf(2)) or a
    // missing libbpf means no suggestions, never an error on the prompt.
    private List<Candidate> Read()
    {
        try
        {
            return [.. Candidates()];
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
