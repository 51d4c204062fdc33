using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Native;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes errno names (ENOENT, EACCES, ...) with their numbers and meanings as tooltips.</summary>
public sealed class ErrnoNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, () =>
            ErrnoNames.All.OrderBy(e => e.Value, StringComparer.Ordinal).Select(e => new CompletionCandidates.Candidate(e.Value, $"{e.Value} ({e.Key}): {ErrnoNames.Describe(e.Key)}")));
}
