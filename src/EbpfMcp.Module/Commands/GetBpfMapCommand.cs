using System.Management.Automation;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>Get-BpfMap: BPF maps and the programs using them; with -Dump, a map's entries decoded through BTF.</summary>
[Cmdlet(VerbsCommon.Get, "BpfMap", DefaultParameterSetName = ListSet)]
[OutputType(typeof(BpfMap), ParameterSetName = [ListSet])]
[OutputType(typeof(BpfMapEntry), ParameterSetName = [DumpSet])]
public sealed class GetBpfMapCommand : BpfCmdlet
{
    private const string ListSet = "List", DumpSet = "Dump";

    /// <summary>Map ids.</summary>
    [Parameter(ParameterSetName = ListSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = DumpSet, Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfMapIdCompleter))]
    public uint[]? Id { get; set; }

    /// <summary>Map names; wildcards allowed.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BpfMapNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Return the map's entries instead of its description.</summary>
    [Parameter(ParameterSetName = DumpSet, Mandatory = true)]
    public SwitchParameter Dump { get; set; }

    /// <summary>At most this many entries per map.</summary>
    [Parameter(ParameterSetName = DumpSet)]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = 10_000;

    protected override void ProcessRecord()
    {
        if (Dump)
        {
            foreach (var id in Id!)
            {
                try
                {
                    foreach (var entry in MapDumper.Dump(id, First))
                    {
                        WriteObject(entry);
                    }
                }
                catch (BpfException e)
                {
                    Report(e, id);
                }
            }
            return;
        }
        try
        {
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            var maps = MapInventory.Read(Id, patterns);
            foreach (var missing in (Id ?? []).Where(id => !maps.Any(m => m.Id == id)))
            {
                Report(new BpfException("MapNotFound", $"No BPF map with id {missing} exists.", 2), missing);
            }
            WriteObject(maps, enumerateCollection: true);
        }
        catch (BpfException e)
        {
            Terminate(e, Id);
        }
    }
}
