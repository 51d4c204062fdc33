using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// Install-BpfProgram's limits as a pwsh user meets them (the bridge passes the same parameters):
/// budgets checked before loading, -AllowedSource on real paths, PowerShell path resolution,
/// regular files only, and pin directories nobody else controls.
/// </summary>
public sealed class InstallHardeningTests() : KernelScratchTest("ebpf-mcp-harden-")
{
    [Fact]
    public void BudgetsRefuseAnObjectBeforeItIsLoaded()
    {
        using var ps = new PowerShellSession();
        var p = Vars(("p", TestObjects.Counter));
        Assert.Equal("QuotaExceeded", Id(ps.Fails("Install-BpfProgram -Path $p -MaxPrograms 1", p)));
        Assert.Equal("QuotaExceeded", Id(ps.Fails("Install-BpfProgram -Path $p -MaxMaps 1", p)));
        // getpgid_calls alone is 1024 entries of 8-byte keys and 16-byte values: at least 24 KiB.
        var memory = ps.Fails("Install-BpfProgram -Path $p -MaxMemlockBytes 20000", p);
        Assert.Equal("QuotaExceeded", Id(memory));
        Assert.Equal(System.Management.Automation.ErrorCategory.QuotaExceeded, memory.CategoryInfo.Category);
        Assert.Contains("at least", memory.Exception.Message);
        KernelPrograms.AssertReturnsTo(Before);

        var fits = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -MaxPrograms 2 -MaxMaps 2 -MaxMemlockBytes 16MB", p).Single().BaseObject;
        Assert.True(fits.MemlockBytes >= 24 * 1024, $"the kernel charged {fits.MemlockBytes} bytes, less than the lower bound");
        ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", fits.Id)));
    }

    [Fact]
    public void PathsAreResolvedAsPowerShellResolvesThemAndCheckedOnTheirRealPath()
    {
        var allowed = Directory.CreateDirectory(Path.Combine(Scratch, "allowed")).FullName;
        File.Copy(TestObjects.Counter, Path.Combine(allowed, "ok.bpf.o"));
        File.CreateSymbolicLink(Path.Combine(allowed, "escape.bpf.o"), TestObjects.Counter);
        File.Copy(TestObjects.Counter, Path.Combine(Directory.CreateDirectory(Path.Combine(Scratch, "outside")).FullName, "x.bpf.o"));
        using var ps = new PowerShellSession();
        var dir = Vars(("d", allowed));
        // Relative to the PowerShell location (cd in pwsh; not the process's directory), and "." too.
        var ok = (BpfInstallation)ps.Ok("$null = $ExecutionContext.SessionState.Path.SetLocation($d); Install-BpfProgram -Path ./ok.bpf.o -AllowedSource .", dir).Single().BaseObject;
        Assert.Equal(Path.Combine(allowed, "ok.bpf.o"), ok.Source);
        ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", ok.Id)));

        var escape = ps.Fails("$null = $ExecutionContext.SessionState.Path.SetLocation($d); Install-BpfProgram -Path escape.bpf.o -AllowedSource $d", dir);
        Assert.Equal("PolicyDenied", Id(escape));
        Assert.Contains($"really '{TestObjects.Counter}'", escape.Exception.Message);
        // PowerShell reads a backslash as a separator: this names a file outside the allowed directory.
        Assert.Equal("PolicyDenied", Id(ps.Fails("Install-BpfProgram -Path \"$d/..\\outside\\x.bpf.o\" -AllowedSource $d", dir)));
        Assert.Equal("PathNotFileSystem", Id(ps.Fails("Install-BpfProgram -Path Env:/HOME")));
        Assert.Equal("NotRegularFile", Id(ps.Fails("Install-BpfProgram -Path /dev/null")));
    }

    [Fact]
    public void PinDirectoriesMustBeOursAndAreMadePrivate()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var shared = $"/sys/fs/bpf/ebpf-mcp-test-shared-{suffix}";
        var mine = $"ebpf-mcp-test-mine-{suffix}";
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1F8); // 0770: the group could swap entries
        try
        {
            using var ps = new PowerShellSession();
            var unsafeDir = ps.Fails("Install-BpfProgram -Path $p -PinPath $d", Vars(("p", TestObjects.Counter), ("d", shared + "/app")));
            Assert.Equal("PinPathUnsafe", Id(unsafeDir));
            Assert.Contains("writable by other users (mode 770)", unsafeDir.Exception.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(shared));

            // A relative pin path is resolved against the PowerShell location; what is created is 0700.
            var pinned = (BpfInstallation)ps.Ok("$null = $ExecutionContext.SessionState.Path.SetLocation('/sys/fs/bpf'); Install-BpfProgram -Path $p -PinPath $d", Vars(("p", TestObjects.Counter), ("d", mine + "/app"))).Single().BaseObject;
            Assert.Equal($"/sys/fs/bpf/{mine}/app", pinned.PinPath);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode($"/sys/fs/bpf/{mine}"));
            Assert.True(File.Exists($"/sys/fs/bpf/{mine}/app/map_getpgid_calls"));
            ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", pinned.Id)));
            Assert.False(Directory.Exists($"/sys/fs/bpf/{mine}"));
        }
        finally
        {
            Directory.Delete(shared, true);
        }
    }
}
