namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Compiles a test helper from tests/EbpfMcp.Tests/native under a unique name (its comm).</summary>
public sealed class NativeHelper : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ebpf-mcp-helper-").FullName;

    public NativeHelper(string source, bool isStatic = true, params string[] linkOptions)
    {
        // 15 characters at most: the kernel's comm is what tracers see and filter on.
        Name = "emt" + Guid.NewGuid().ToString("N")[..12];
        Path = System.IO.Path.Combine(directory, Name);
        // Helpers live in tests/EbpfMcp.Tests/native, or bench/native for the load generators.
        var sourcePath = System.IO.Path.Combine(TestObjects.RepoRoot, "tests", "EbpfMcp.Tests", "native", source);
        if (!File.Exists(sourcePath))
        {
            sourcePath = System.IO.Path.Combine(TestObjects.RepoRoot, "bench", "native", source);
        }
        var args = new List<string> { "-O1", "-o", Path, sourcePath };
        args.AddRange(linkOptions);
        if (isStatic)
        {
            args.Insert(0, "-static");
        }
        var compile = KernelPrerequisites.RunWithExit("cc", [.. args]);
        Assert.True(compile.ExitCode == 0, compile.Error);
    }

    public string Name { get; }
    public string Path { get; }

    public (int Pid, int ExitCode) Run(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path) { UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi)!;
        int pid = p.Id;
        p.WaitForExit();
        return (pid, p.ExitCode);
    }

    /// <summary>Lets other users run the helper (its directory is private to root by default).</summary>
    public void AllowOtherUsers() =>
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    public void Dispose() => Directory.Delete(directory, true);
}
