using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes program ids with the programs loaded in the kernel now (tooltip: type and name).</summary>
public sealed class BpfProgramIdCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates() =>
        HookInventory.Read(null, null, null).Select(h => new Candidate(h.Id.ToString(), $"{h.Id}: {h.Type} {h.Name}"));
}
