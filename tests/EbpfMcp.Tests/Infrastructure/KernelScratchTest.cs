using System.Management.Automation;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Base of kernel tests that work in a private scratch directory: the kernel prerequisites are
/// checked first, and at the end the directory is removed and the kernel must hold no program the
/// test left behind.
/// </summary>
public abstract class KernelScratchTest : IDisposable
{
    protected KernelScratchTest(string prefix)
    {
        KernelPrerequisites.Require();
        Scratch = Directory.CreateTempSubdirectory(prefix).FullName;
        Before = KernelPrograms.Ids();
    }

    protected string Scratch { get; }

    /// <summary>The kernel's program ids when the test started.</summary>
    protected HashSet<uint> Before { get; }

    public void Dispose()
    {
        Directory.Delete(Scratch, recursive: true);
        KernelPrograms.AssertReturnsTo(Before);
        GC.SuppressFinalize(this);
    }

    /// <summary>PowerShell variables for <see cref="PowerShellSession.Run"/>.</summary>
    protected static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>An ErrorRecord's id without the command's name.</summary>
    protected static string Id(ErrorRecord e) => e.FullyQualifiedErrorId.Split(',')[0];
}
