using System.Management.Automation;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// The host–module contract in commands a pwsh user has too: Get-BpfInstallation, -Owner on
/// Install- and Uninstall-BpfProgram, whole installations removed once whichever program names
/// them, and Remove-Module leaving nothing in the kernel.
/// </summary>
public sealed class InstallationOwnershipTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public void GetBpfInstallationListsWhatIsHeldWithItsOwnerAndMemory()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var mine = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        var theirs = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Owner session-a", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        try
        {
            Assert.Equal($"process:{Environment.ProcessId}", mine.Owner);
            Assert.Equal("session-a", theirs.Owner);
            Assert.True(mine.MemlockBytes > 0, "the kernel charges memlock for the programs and maps");

            var all = ps.Ok("Get-BpfInstallation").Select(o => (BpfInstallation)o.BaseObject).ToList();
            Assert.Contains(all, i => i.Id == mine.Id);
            Assert.Contains(all, i => i.Id == theirs.Id);
            var owned = ps.Ok("Get-BpfInstallation -Owner session-a").Select(o => ((BpfInstallation)o.BaseObject).Id).ToList();
            Assert.Equal([theirs.Id], owned);
            Assert.Equal(mine.Id, ((BpfInstallation)ps.Ok("Get-BpfInstallation -Id $id", Vars(("id", mine.Id))).Single().BaseObject).Id);

            var missing = ps.Run("Get-BpfInstallation -Id bpf-00000000");
            var error = Assert.Single(missing.Errors);
            Assert.Equal("InstallationNotFound,EbpfMcp.Commands.GetBpfInstallationCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Empty(ps.Ok("Get-BpfInstallation -Id bpf-0000000*"));

            // Another owner's installation cannot be removed as this process...
            var refused = ps.Run("Uninstall-BpfProgram -Id $id", Vars(("id", theirs.Id)));
            Assert.Equal("NotOwner,EbpfMcp.Commands.UninstallBpfProgramCommand", Assert.Single(refused.Errors).FullyQualifiedErrorId);
            Assert.Contains(theirs.Programs[0].Id, KernelPrograms.Ids());
            // ...but its owner removes all of its installations at once.
            var removed = ps.Ok("Uninstall-BpfProgram -Owner session-a -PassThru").Select(o => ((BpfInstallation)o.BaseObject).Id).ToList();
            Assert.Equal([theirs.Id], removed);
            Assert.DoesNotContain(theirs.Programs[0].Id, KernelPrograms.Ids());
            Assert.Contains(mine.Programs[0].Id, KernelPrograms.Ids());
        }
        finally
        {
            ps.Run("Uninstall-BpfProgram -Id $a; Uninstall-BpfProgram -Id $b -Owner session-a", Vars(("a", mine.Id), ("b", theirs.Id)));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void AnInstallationNamedByEachOfItsProgramsIsRemovedOnceWithoutErrors()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        Assert.Equal(2, installation.ProgramCount);
        // The help's own example: every program of the installation comes down the pipeline.
        ps.Ok("Get-BpfHook | Where-Object InstalledBy -eq $id | Uninstall-BpfProgram", Vars(("id", installation.Id)));
        KernelPrograms.AssertReturnsTo(before);

        var again = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        var ids = again.Programs.Select(p => p.Id.ToString()).Append(again.Id).ToArray();
        ps.Ok("Uninstall-BpfProgram -Id $ids", Vars(("ids", ids)));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void RemoveModuleDetachesEverythingTheModuleInstalled()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        ps.Ok("Install-BpfProgram -Path $p -Attach | Out-Null; Install-BpfProgram -Path $p -Owner someone | Out-Null", Vars(("p", TestObjects.Counter)));
        Assert.Equal(4, KernelPrograms.Ids().Except(before).Count());
        ps.Ok("Remove-Module EbpfMcp");
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void GetBpfHookSaysWhichOfThisModulesCommandsLoadedAProgramAndWhoHoldsIt()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        var job = (BpfTraceJob)ps.Ok("Trace-BpfExec -AsJob -Duration 60").Single().BaseObject;
        try
        {
            var hooks = ps.Ok("Get-BpfHook -IncludeProcess").Select(o => (BpfHook)o.BaseObject).ToList();
            var installed = hooks.Single(h => h.Id == installation.Programs[0].Id);
            Assert.Equal($"Install-BpfProgram {installation.Id} (owner process:{Environment.ProcessId})", installed.LoadedBy);
            var traced = hooks.Where(h => !before.Contains(h.Id) && h.InstalledBy is null).ToList();
            Assert.NotEmpty(traced);
            Assert.All(traced, h => Assert.Equal("Trace-BpfExec", h.LoadedBy));
            var me = $"({Environment.ProcessId})";
            Assert.All(traced.Append(installed), h => Assert.Contains(h.HeldBy!, holder => holder.EndsWith(me, StringComparison.Ordinal)));
            // Without -IncludeProcess nobody walks /proc.
            Assert.All(ps.Ok("Get-BpfHook").Select(o => (BpfHook)o.BaseObject), h => Assert.Null(h.HeldBy));
        }
        finally
        {
            ps.Run("Stop-BpfTrace -TraceId $t | Out-Null; Uninstall-BpfProgram -Id $i", Vars(("t", job.TraceId), ("i", installation.Id)));
        }
        KernelPrograms.AssertReturnsTo(before);
    }
}
