using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes program types with the names libbpf gives them (tracepoint, xdp, cgroup_skb, ...).</summary>
public sealed class BpfProgramTypeCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates()
    {
        // Type 0 is "unspec", never the type of a loaded program; libbpf names the rest until its table ends.
        for (uint type = 1; KernelTypeNames.Program(type) is var name && !name.StartsWith("type_", StringComparison.Ordinal); type++)
        {
            yield return new(name, $"{name} (BPF program type {type})");
        }
    }
}
