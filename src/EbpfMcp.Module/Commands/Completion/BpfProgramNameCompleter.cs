using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes program names with the names of the programs loaded in the kernel now.</summary>
public sealed class BpfProgramNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, () =>
            HookInventory.Read(null, null, null).Where(h => h.Name.Length > 0).OrderBy(h => h.Name, StringComparer.Ordinal)
                .Select(h => new CompletionCandidates.Candidate(h.Name, $"{h.Name}: {h.Type} program {h.Id}")));
}
