using System.Diagnostics;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// A test workload from tests/EbpfMcp.Tests/native built the way profilers need it: with frame
/// pointers in every function, leaf functions included (clang honours -mno-omit-leaf-frame-pointer;
/// GCC 12 still leaves leaves without a frame, which hides their caller), dynamically linked (PIE),
/// under a unique 15-character name (its comm), then run in the background. Dispose kills it and
/// deletes the binary.
/// </summary>
public sealed class ProfiledWorkload : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ebpf-mcp-profiled-").FullName;
    private Process? process;

    public ProfiledWorkload(string source)
    {
        Name = "emp" + Guid.NewGuid().ToString("N")[..12];
        Path = System.IO.Path.Combine(directory, Name);
        var sourcePath = System.IO.Path.Combine(TestObjects.RepoRoot, "tests", "EbpfMcp.Tests", "native", source);
        var compile = KernelPrerequisites.RunWithExit("clang-14", "-O2", "-g", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-pthread", "-o", Path, sourcePath);
        Assert.True(compile.ExitCode == 0, compile.Error);
    }

    public string Name { get; }
    public string Path { get; }
    public int Pid => process?.Id ?? throw new InvalidOperationException("not started");
    public Process Process => process ?? throw new InvalidOperationException("not started");

    public ProfiledWorkload Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Path) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        process = Process.Start(psi)!;
        return this;
    }

    /// <summary>The first line the workload printed.</summary>
    public string ReadLine() => Process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{Name} printed nothing");

    public void Dispose()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }
        process?.Dispose();
        Directory.Delete(directory, true);
    }
}
