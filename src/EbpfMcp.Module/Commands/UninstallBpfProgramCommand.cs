using System.Management.Automation;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Uninstall-BpfProgram: detaches, unpins and unloads what Install-BpfProgram installed. Programs
/// this module did not install are refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "BpfProgram", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class UninstallBpfProgramCommand : BpfCmdlet
{
    private const string IdSet = "Id", InputSet = "InputObject";

    /// <summary>Installation ids ("bpf-4f1c2a9e"), or ids of programs an installation loaded.</summary>
    [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfInstallationIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Output of Install-BpfProgram or Get-BpfHook.</summary>
    [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        var ids = ParameterSetName == InputSet ? new[] { FromInput(InputObject) } : Id.Select(i => (string?)i).ToArray();
        foreach (var id in ids)
        {
            if (id is null)
            {
                continue;
            }
            var installation = Resolve(id);
            if (installation is null)
            {
                continue;
            }
            if (installation.Owner is not null && installation.Owner != SessionState.PSVariable.GetValue(InstallBpfProgramCommand.OwnerVariable) as string)
            {
                Report(new BpfException("NotOwner", $"Installation {installation.Id} belongs to another session and cannot be removed from this one.", 1), id);
                continue;
            }
            if (ShouldProcess($"{installation.Id} ({installation.Description.Source})", "Detach and unload BPF programs"))
            {
                InstallationRegistry.Remove(installation.Id);
                WriteVerbose($"Uninstalled {installation.Id}: {installation.Description.ProgramCount} program(s), {installation.Description.MapCount} map(s).");
            }
        }
    }

    private string? FromInput(PSObject? input)
    {
        switch (input?.BaseObject)
        {
            case BpfInstallation installation:
                return installation.Id;
            case BpfHook hook when hook.InstalledBy is null:
                Report(new BpfException("NotInstalledByModule", $"Program {hook.Id} ('{hook.Name}') was not installed by this module's Install-BpfProgram in this process; it is left alone.", 1), hook);
                return null;
            case BpfHook hook:
                return hook.InstalledBy;
            case string s:
                return s;
            case uint or int or long:
                return input.BaseObject.ToString();
            default:
                Report(new BpfException("UnsupportedInput", $"Uninstall-BpfProgram takes output of Install-BpfProgram or Get-BpfHook, not {input?.BaseObject?.GetType().Name ?? "null"}."), input);
                return null;
        }
    }

    private Installation? Resolve(string id)
    {
        if (InstallationRegistry.Find(id) is { } byId)
        {
            return byId;
        }
        if (uint.TryParse(id, out var programId))
        {
            if (InstallationRegistry.OwnerOfProgram(programId) is { } owner)
            {
                return InstallationRegistry.Find(owner);
            }
            if (HookInventory.Read([programId], null, null).Count > 0)
            {
                Report(new BpfException("NotInstalledByModule", $"Program {programId} was not installed by this module's Install-BpfProgram in this process; it is left alone.", 1), id);
                return null;
            }
        }
        Report(new BpfException("InstallationNotFound", $"No installation or installed program '{id}' exists in this process (see Install-BpfProgram output or Get-BpfHook's InstalledBy).", 2), id);
        return null;
    }
}
