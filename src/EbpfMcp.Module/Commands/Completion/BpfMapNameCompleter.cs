using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes map names with the names of the maps that exist in the kernel now.</summary>
public sealed class BpfMapNameCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates() =>
        MapInventory.Read(null, null).Where(m => m.Name.Length > 0).OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new Candidate(m.Name, $"{m.Name}: {m.Type} map {m.Id}"));
}
