using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes map ids with the maps that exist in the kernel now (tooltip: type and name).</summary>
public sealed class BpfMapIdCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates() =>
        MapInventory.Read(null, null).Select(m => new Candidate(m.Id.ToString(), $"{m.Id}: {m.Type} {m.Name}"));
}
