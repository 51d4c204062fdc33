namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Paths of the test BPF objects (compiled from tests/EbpfMcp.Tests/bpf at build) and the repo.</summary>
public static class TestObjects
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "testbpf");

    public static string Counter => Object("counter");
    public static string VerifierReject => Object("verifier_reject");
    public static string LsmHook => Object("lsm_hook");
    public static string CoreMissing => Object("core_missing");
    public static string NoBtf => Object("no_btf");

    public static string Object(string name) => Path.Combine(Directory, name + ".bpf.o");

    /// <summary>The repository root (where EbpfMcp.sln lives).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The importable module folder that the build assembles.</summary>
    public static string ModuleManifest => Path.Combine(RepoRoot, "out", "EbpfMcp", "EbpfMcp.psd1");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EbpfMcp.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Repository root (EbpfMcp.sln) not found above " + AppContext.BaseDirectory);
    }
}
