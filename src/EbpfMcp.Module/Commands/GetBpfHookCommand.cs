using System.Management.Automation;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>Get-BpfHook: every BPF program loaded in the kernel and what it is attached to.</summary>
[Cmdlet(VerbsCommon.Get, "BpfHook")]
[OutputType(typeof(BpfHook))]
public sealed class GetBpfHookCommand : BpfCmdlet
{
    /// <summary>Program ids to show.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfProgramIdCompleter))]
    public uint[]? Id { get; set; }

    /// <summary>Program names; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfProgramNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Program types (tracepoint, raw_tracepoint, xdp, ...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfProgramTypeCompleter))]
    public string[]? Type { get; set; }

    /// <summary>Also find the processes that hold each program (walks every process's fds: slower).</summary>
    [Parameter]
    public SwitchParameter IncludeProcess { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            var hooks = HookInventory.Read(Id, patterns, Type, IncludeProcess);
            foreach (var missing in (Id ?? []).Where(id => !hooks.Any(h => h.Id == id)))
            {
                Report(new BpfException("ProgramNotFound", $"No BPF program with id {missing} is loaded.", 2), missing);
            }
            WriteObject(hooks, enumerateCollection: true);
        }
        catch (BpfException e)
        {
            Terminate(e, Id);
        }
    }
}
