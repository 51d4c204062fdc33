using System.Management.Automation;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>Uninstall removes only this module's installations; everything else is refused and left alone.</summary>
public sealed class UninstallBpfProgramTests
{
    [Fact]
    public void AProgramLoadedBySomeoneElseIsRefusedAndKeepsRunning()
    {
        KernelPrerequisites.Require();
        var pin = $"/sys/fs/bpf/ebpf-mcp-foreign-{Guid.NewGuid():N}";
        // bpftool plays the other loader: it pins the program so it outlives bpftool itself.
        var load = KernelPrerequisites.RunWithExit("bpftool", "prog", "load", TestObjects.Counter, pin, "type", "tracepoint");
        Assert.True(load.ExitCode == 0, load.Error);
        try
        {
            using var ps = new PowerShellSession();
            var hook = (BpfHook)ps.Ok("Get-BpfHook | Where-Object { $_.Pinned -contains $pin }", new Dictionary<string, object?> { ["pin"] = pin }).Single().BaseObject;
            Assert.Null(hook.InstalledBy);

            var piped = ps.Run("Get-BpfHook -Id $id | Uninstall-BpfProgram", new Dictionary<string, object?> { ["id"] = hook.Id });
            var error = Assert.Single(piped.Errors);
            Assert.Equal("NotInstalledByModule,EbpfMcp.Commands.UninstallBpfProgramCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);

            var byId = ps.Run("Uninstall-BpfProgram -Id $id", new Dictionary<string, object?> { ["id"] = hook.Id.ToString() });
            Assert.Equal("NotInstalledByModule,EbpfMcp.Commands.UninstallBpfProgramCommand", Assert.Single(byId.Errors).FullyQualifiedErrorId);

            Assert.Contains(hook.Id, KernelPrograms.Ids());
        }
        finally
        {
            File.Delete(pin);
        }
    }

    [Fact]
    public void UnknownInstallationId()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var result = ps.Run("Uninstall-BpfProgram -Id bpf-00000000");
        var error = Assert.Single(result.Errors);
        Assert.Equal("InstallationNotFound,EbpfMcp.Commands.UninstallBpfProgramCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("bpf-00000000", error.TargetObject);
    }

    [Fact]
    public void ByProgramIdRemovesTheWholeInstallation()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach", new Dictionary<string, object?> { ["p"] = TestObjects.Counter }).Single().BaseObject;
        ps.Ok("Uninstall-BpfProgram -Id $id", new Dictionary<string, object?> { ["id"] = installation.Programs[1].Id.ToString() });
        KernelPrograms.AssertReturnsTo(before);
        // Removing it twice is an error, not a crash.
        var again = ps.Run("Uninstall-BpfProgram -Id $id", new Dictionary<string, object?> { ["id"] = installation.Id });
        Assert.Equal("InstallationNotFound,EbpfMcp.Commands.UninstallBpfProgramCommand", Assert.Single(again.Errors).FullyQualifiedErrorId);
    }
}
