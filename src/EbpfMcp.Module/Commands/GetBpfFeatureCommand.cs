using System.Management.Automation;
using EbpfMcp.Kernel.Features;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Get-BpfFeature: what this kernel can do with eBPF, found by trying. Without arguments, one
/// summary per category (a few lines, not hundreds); -Category or -Name list the features.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BpfFeature")]
[OutputType(typeof(BpfFeatureSummary), typeof(BpfFeature))]
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
        if (Category is null && patterns is null)
        {
            foreach (var category in FeatureProbe.Categories)
            {
                var features = FeatureProbe.Get(category, out _);
                WriteObject(new BpfFeatureSummary
                {
                    Category = category,
                    Supported = features.Count(f => f.Supported),
                    Unsupported = features.Count(f => !f.Supported),
                    UnsupportedNames = [.. features.Where(f => !f.Supported).Select(f => f.Name).Take(BpfFeatureSummary.MaxNames)],
                });
            }
            return;
        }
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
