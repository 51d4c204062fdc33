using System.Management.Automation;
using EbpfMcp.Kernel.Features;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>Get-BpfFeature: what this kernel can do with eBPF, found by trying.</summary>
[Cmdlet(VerbsCommon.Get, "BpfFeature")]
[OutputType(typeof(BpfFeature))]
public sealed class GetBpfFeatureCommand : BpfCmdlet
{
    /// <summary>Only these categories.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("ProgramType", "MapType", "AttachKind", "Helper", "Tracer")]
    public string[]? Category { get; set; }

    /// <summary>Only features with these names; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        foreach (var category in Category ?? FeatureProbe.Categories)
        {
            var features = FeatureProbe.Get(category, out var probeTime);
            WriteVerbose($"{category}: {features.Count} features ({probeTime.TotalMilliseconds:F0} ms; cached after the first call).");
            foreach (var feature in features.Where(f => patterns is null || patterns.Any(p => p.IsMatch(f.Name))))
            {
                WriteObject(feature);
            }
        }
    }
}
