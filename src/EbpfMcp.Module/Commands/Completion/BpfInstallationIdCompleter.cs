using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EbpfMcp.Kernel.Installations;

namespace EbpfMcp.Commands.Completion;

/// <summary>
/// Completes what Uninstall-BpfProgram -Id takes: the ids of this process's installations, then
/// the ids of the programs they loaded.
/// </summary>
public sealed class BpfInstallationIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCandidates.Matching(wordToComplete, Candidates);

    private static IEnumerable<CompletionCandidates.Candidate> Candidates()
    {
        var installations = InstallationRegistry.All.Select(i => i.Description).OrderBy(d => d.InstalledAt).ToList();
        foreach (var installation in installations)
        {
            yield return new(installation.Id, $"{installation.Id}: {installation.ProgramCount} program(s) from {installation.Source}");
        }
        foreach (var installation in installations)
        {
            foreach (var program in installation.Programs)
            {
                yield return new(program.Id.ToString(), $"{program.Id}: {program.Type} {program.Name} ({installation.Id})");
            }
        }
    }
}
