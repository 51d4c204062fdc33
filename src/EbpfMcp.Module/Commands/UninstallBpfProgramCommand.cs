using System.Management.Automation;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Uninstall-BpfProgram: detaches, unpins and unloads what Install-BpfProgram installed. Programs
/// this module did not install are refused, and so are installations of another owner. An
/// installation named several times (by its id and by its programs, or piped program by program
/// from Get-BpfHook) is removed once, quietly.
/// </summary>
// -Owner alone selects the Owner set (it is optional in the others, so it must be the default).
[Cmdlet(VerbsLifecycle.Uninstall, "BpfProgram", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = OwnerSet)]
[OutputType(typeof(BpfInstallation))]
public sealed class UninstallBpfProgramCommand : BpfCmdlet
{
    private const string IdSet = "Id", InputSet = "InputObject", OwnerSet = "Owner";

    // What this invocation removed: later names of the same installation are not errors.
    private readonly HashSet<string> removedInstallations = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<uint> removedPrograms = [];

    /// <summary>Installation ids ("bpf-4f1c2a9e"), or ids of programs an installation loaded.</summary>
    [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfInstallationIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Output of Install-BpfProgram, Get-BpfInstallation or Get-BpfHook.</summary>
    [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>
    /// Act as this owner (default: this process): only its installations may be removed. Alone, removes
    /// every installation of that owner (the MCP bridge does this when a session ends).
    /// </summary>
    [Parameter(ParameterSetName = OwnerSet, Mandatory = true)]
    [Parameter(ParameterSetName = IdSet)]
    [Parameter(ParameterSetName = InputSet)]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    /// <summary>Write each removed installation to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string ActingOwner => Owner ?? InstallationRegistry.ProcessOwner;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == OwnerSet)
        {
            foreach (var installation in InstallationRegistry.All.Where(i => i.Owner == ActingOwner))
            {
                Remove(installation);
            }
            return;
        }
        var names = ParameterSetName == InputSet ? [FromInput(InputObject)] : Id.Select(i => (string?)i);
        foreach (var id in names.OfType<string>())
        {
            if (Resolve(id) is not { } installation)
            {
                continue;
            }
            if (installation.Owner != ActingOwner)
            {
                Report(new BpfException("NotOwner", $"Installation {installation.Id} belongs to '{installation.Owner}' and cannot be removed as '{ActingOwner}'.", 1), id);
                continue;
            }
            Remove(installation);
        }
    }

    private void Remove(Installation installation)
    {
        if (!ShouldProcess($"{installation.Id} ({installation.Description.Source})", "Detach and unload BPF programs"))
        {
            return;
        }
        if (InstallationRegistry.Remove(installation.Id))
        {
            removedInstallations.Add(installation.Id);
            removedPrograms.UnionWith(installation.Description.Programs.Select(p => p.Id));
            WriteVerbose($"Uninstalled {installation.Id}: {installation.Description.ProgramCount} program(s), {installation.Description.MapCount} map(s).");
            if (PassThru)
            {
                WriteObject(installation.Description);
            }
        }
    }

    private string? FromInput(PSObject? input)
    {
        switch (input?.BaseObject)
        {
            case BpfInstallation installation:
                return installation.Id;
            case BpfHook hook when hook.InstalledBy is null && !removedPrograms.Contains(hook.Id):
                Report(new BpfException("NotInstalledByModule", $"Program {hook.Id} ('{hook.Name}') was not installed by this module's Install-BpfProgram in this process; it is left alone.", 1), hook);
                return null;
            case BpfHook hook:
                return hook.InstalledBy ?? hook.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case string s:
                return s;
            case uint or int or long:
                return input.BaseObject.ToString();
            default:
                Report(new BpfException("UnsupportedInput", $"Uninstall-BpfProgram takes output of Install-BpfProgram, Get-BpfInstallation or Get-BpfHook, not {input?.BaseObject?.GetType().Name ?? "null"}."), input);
                return null;
        }
    }

    /// <summary>The installation an id names; null (after reporting why, unless it was removed here already).</summary>
    private Installation? Resolve(string id)
    {
        if (InstallationRegistry.Find(id) is { } byId)
        {
            return byId;
        }
        if (removedInstallations.Contains(id))
        {
            return null;
        }
        if (uint.TryParse(id, out var programId))
        {
            if (InstallationRegistry.OfProgram(programId) is { } owning)
            {
                return owning;
            }
            if (removedPrograms.Contains(programId))
            {
                return null;
            }
            if (HookInventory.Read([programId], null, null).Count > 0)
            {
                Report(new BpfException("NotInstalledByModule", $"Program {programId} was not installed by this module's Install-BpfProgram in this process; it is left alone.", 1), id);
                return null;
            }
        }
        Report(new BpfException("InstallationNotFound", $"No installation or installed program '{id}' exists in this process (see Get-BpfInstallation, or Get-BpfHook's InstalledBy).", 2), id);
        return null;
    }
}
