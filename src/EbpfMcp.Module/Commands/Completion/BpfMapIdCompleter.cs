using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes map ids with the maps that exist in the kernel now (tooltip: type and name).</summary>
public sealed class BpfMapIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, () =>
            MapInventory.Read(null, null).Select(m => new CompletionCandidates.Candidate(m.Id.ToString(), $"{m.Id}: {m.Type} {m.Name}")));
}
