using System.Management.Automation;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>The module's cmdlets, read from its assembly, so no test keeps a hand-written list.</summary>
public static class ModuleCmdlets
{
    /// <summary>Verb-Noun of every cmdlet class, in ordinal order.</summary>
    public static string[] All { get; } = [.. typeof(EbpfMcp.Model.BpfHook).Assembly.GetExportedTypes()
        .Select(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).OfType<CmdletAttribute>().SingleOrDefault())
        .OfType<CmdletAttribute>().Select(c => $"{c.VerbName}-{c.NounName}").Order(StringComparer.Ordinal)];

    /// <summary>The ones that do not change the kernel (served without --allow-deploy).</summary>
    public static string[] ReadOnly { get; } = [.. All.Where(n => !n.StartsWith("Install-", StringComparison.Ordinal) && !n.StartsWith("Uninstall-", StringComparison.Ordinal))];
}
