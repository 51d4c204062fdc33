using System.Management.Automation;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>The assembled out/EbpfMcp folder is a module Import-Module accepts, with help and views.</summary>
public sealed class ModuleManifestTests
{
    // Every cmdlet class of the module: the manifest must export exactly these.
    private static readonly string[] Cmdlets = ModuleCmdlets.All;

    public static TheoryData<string> ExportedCmdlets() => new(Cmdlets);

    [Fact]
    public void ExportsExactlyTheManifestsCmdlets()
    {
        using var ps = new PowerShellSession();
        var names = ps.Ok("(Get-Command -Module EbpfMcp).Name").Select(o => (string)o.BaseObject).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Cmdlets, names);
        var manifest = ps.Ok("Test-ModuleManifest -Path $p", new Dictionary<string, object?> { ["p"] = TestObjects.ModuleManifest }).Single();
        Assert.Equal("0.1.0", manifest.Properties["Version"].Value.ToString());
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void GetHelpShowsSynopsisDescriptionParametersAndExamples(string cmdlet)
    {
        using var ps = new PowerShellSession();
        var help = ps.Ok($"Get-Help {cmdlet} -Full").Single();
        Assert.False(string.IsNullOrWhiteSpace((string)help.Properties["Synopsis"].Value));
        Assert.DoesNotContain(cmdlet + " ", ((string)help.Properties["Synopsis"].Value).Trim() + " "); // real text, not the syntax stub
        var description = ps.Ok($"(Get-Help {cmdlet} -Full).description.Text").Select(o => o.ToString()).ToArray();
        Assert.True(string.Join(" ", description).Length > 80);
        var examples = ps.Ok($"@((Get-Help {cmdlet} -Full).examples.example)");
        Assert.NotEmpty(examples);
        var command = ps.Ok($"Get-Command {cmdlet}").Single().BaseObject as CommandInfo;
        foreach (var parameter in command!.Parameters.Keys.Where(p => !IsCommon(p)))
        {
            var text = ps.Ok($"(Get-Help {cmdlet} -Parameter {parameter}).description.Text").Select(o => o.ToString()).ToArray();
            Assert.True(string.Join(" ", text).Length > 10, $"{cmdlet} -{parameter} has no help text");
        }
    }

    [Fact]
    public void EveryOutputTypeHasADefaultViewInAFormatFileTheEngineAccepts()
    {
        var formatFile = Path.Combine(Path.GetDirectoryName(TestObjects.ModuleManifest)!, "EbpfMcp.format.ps1xml");
        // The engine's own loader validates the file and throws on any error in it.
        _ = new System.Management.Automation.Runspaces.FormatTable([formatFile]);
        var selected = System.Xml.Linq.XDocument.Load(formatFile).Descendants("TypeName").Select(e => e.Value).ToHashSet();
        // Output types: the shared ones of Model/ and each tracer's event type beside its cmdlet.
        var types = typeof(EbpfMcp.Model.BpfHook).Assembly.GetExportedTypes()
            .Where(t => t.Namespace is "EbpfMcp.Model" or "EbpfMcp.Tracers" && t.IsClass && !typeof(Cmdlet).IsAssignableFrom(t))
            .Select(t => t.FullName!);
        Assert.All(types, t => Assert.Contains(t, selected));
    }

    private static bool IsCommon(string name) =>
        PSCmdlet.CommonParameters.Contains(name) || PSCmdlet.OptionalCommonParameters.Contains(name);
}
