using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes program ids with the programs loaded in the kernel now (tooltip: type and name).</summary>
public sealed class BpfProgramIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, () =>
            HookInventory.Read(null, null, null).Select(h => new CompletionCandidates.Candidate(h.Id.ToString(), $"{h.Id}: {h.Type} {h.Name}")));
}
