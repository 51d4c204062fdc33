using EbpfMcp.Kernel.Installations;

namespace EbpfMcp.Commands.Completion;

/// <summary>
/// Completes what Uninstall-BpfProgram -Id takes: the ids of this process's installations, then
/// the ids of the programs they loaded.
/// </summary>
public sealed class BpfInstallationIdCompleter : CandidateCompleter
{
    protected override IEnumerable<Candidate> Candidates()
    {
        var installations = InstallationRegistry.All.Select(i => i.Description).OrderBy(d => d.InstalledAt).ToList();
        return installations.Select(i => new Candidate(i.Id, $"{i.Id}: {i.ProgramCount} program(s) from {i.Source}"))
            .Concat(installations.SelectMany(i => i.Programs.Select(p => new Candidate(p.Id.ToString(), $"{p.Id}: {p.Type} {p.Name} ({i.Id})"))));
    }
}
