using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes map names with the names of the maps that exist in the kernel now.</summary>
public sealed class BpfMapNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, () =>
            MapInventory.Read(null, null).Where(m => m.Name.Length > 0).OrderBy(m => m.Name, StringComparer.Ordinal)
                .Select(m => new CompletionCandidates.Candidate(m.Name, $"{m.Name}: {m.Type} map {m.Id}")));
}
