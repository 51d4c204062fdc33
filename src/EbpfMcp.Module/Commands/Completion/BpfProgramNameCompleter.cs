using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes program names with the names of the programs loaded in the kernel now.</summary>
public sealed class BpfProgramNameCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates() =>
        HookInventory.Read(null, null, null).Where(h => h.Name.Length > 0).OrderBy(h => h.Name, StringComparer.Ordinal)
            .Select(h => new Candidate(h.Name, $"{h.Name}: {h.Type} program {h.Id}"));
}
