using EbpfMcp.Native;

namespace EbpfMcp.Commands.Completion;

/// <summary>Completes errno names (ENOENT, EACCES, ...) with their numbers and meanings as tooltips.</summary>
public sealed class ErrnoNameCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates() =>
        ErrnoNames.All.OrderBy(e => e.Value, StringComparer.Ordinal).Select(e => new Candidate(e.Value, $"{e.Value} ({e.Key}): {ErrnoNames.Describe(e.Key)}"));
}
