using System.Diagnostics;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Makes the machine ready for kernel tests (idempotently) and says why when it cannot be.</summary>
public static class KernelPrerequisites
{
    private static readonly Lazy<string?> Problem = new(Prepare);

    /// <summary>Skips the calling test with the reason when the machine cannot run kernel tests.</summary>
    public static void Require()
    {
        if (Problem.Value is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    private static string? Prepare()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "eBPF tests need Linux.";
        }
        if (Environment.UserName != "root" && Run("id", "-u").Trim() != "0")
        {
            return "eBPF kernel tests need root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): run them with sudo.";
        }
        MountIfMissing("bpf", "/sys/fs/bpf");
        MountIfMissing("tracefs", "/sys/kernel/tracing");
        MountIfMissing("securityfs", "/sys/kernel/security");
        return null;
    }

    private static void MountIfMissing(string fsType, string target)
    {
        var mounts = File.ReadAllText("/proc/self/mounts");
        if (mounts.Contains($" {target} {fsType} ", StringComparison.Ordinal))
        {
            return;
        }
        Run("mount", "-t", fsType, fsType, target);
    }

    public static string Run(string file, params string[] args) => RunWithExit(file, args).Output;

    public static (int ExitCode, string Output, string Error) RunWithExit(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
