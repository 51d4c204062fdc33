using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes system call names of this architecture (openat, connect, ...), with their numbers as tooltips.</summary>
public sealed class SyscallNameCompleter : CandidateCompleter
{
    // Above the highest syscall number any architecture has today.
    private const int HighestNumber = 1024;

    protected override IEnumerable<Candidate> Candidates() =>
        Enumerable.Range(0, HighestNumber)
            .Select(n => (Number: n, Name: SyscallNames.Name(n)))
            .Where(s => !s.Name.StartsWith("syscall_", StringComparison.Ordinal))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new Candidate(s.Name, $"{s.Name} (system call {s.Number})"));
}
