using System.Management.Automation;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Get-BpfInstallation: what Install-BpfProgram installed in this process and still holds, with
/// its owner. Hosts (the MCP bridge) ask it what one session owns.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BpfInstallation")]
[OutputType(typeof(BpfInstallation))]
public sealed class GetBpfInstallationCommand : BpfCmdlet
{
    /// <summary>Installation ids ("bpf-4f1c2a9e"); wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only installations of this owner ("process:PID", or an MCP session).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    protected override void ProcessRecord()
    {
        var installations = InstallationRegistry.All.Where(i => Owner is null || i.Owner == Owner).Select(i => i.Description).ToList();
        if (Id is null)
        {
            WriteObject(installations, enumerateCollection: true);
            return;
        }
        foreach (var id in Id)
        {
            var pattern = new WildcardPattern(id, WildcardOptions.IgnoreCase);
            var matches = installations.Where(i => pattern.IsMatch(i.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
            {
                Report(new BpfException("InstallationNotFound", $"No installation '{id}'{(Owner is null ? "" : $" of owner '{Owner}'")} exists in this process.", 2), id);
            }
            WriteObject(matches, enumerateCollection: true);
        }
    }
}
