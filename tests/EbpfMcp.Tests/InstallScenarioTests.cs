using System.Management.Automation;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// The whole life of a program through the cmdlets: install and attach a tracepoint program with a
/// BTF-typed map, make the kernel run it, read what it counted, find it among the hooks, remove it.
/// </summary>
public sealed class InstallScenarioTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public void InstalledTracepointCountsWhatTheTestDoesAndIsGoneAfterUninstall()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $obj -Attach", Vars(("obj", TestObjects.Counter))).Single().BaseObject;
        try
        {
            Assert.Equal(2, installation.ProgramCount);
            Assert.Equal(2, installation.MapCount);
            var counter = installation.Programs.Single(p => p.Name == "count_getpgid");
            Assert.Equal("tracepoint", counter.Type);
            Assert.Equal(["tracepoint:syscalls:sys_enter_getpgid"], counter.AttachedTo);
            Assert.Equal(["raw_tp:sys_exit"], installation.Programs.Single(p => p.Name == "see_sys_exit").AttachedTo);

            // The kernel agrees: these ids are loaded programs, with one link each.
            var kernel = KernelPrograms.List();
            Assert.Contains(kernel, p => p.Id == counter.Id && p.Type == "tracepoint" && p.Name == "count_getpgid");
            Assert.Single(KernelPrograms.LinksOf(counter.Id));

            int argument = Getpgid.UniqueArgument();
            Getpgid.Call(argument, 37);

            // The BTF-typed hash map decodes into field-named objects.
            var calls = installation.Maps.Single(m => m.Name == "getpgid_calls");
            Assert.Equal("hash", calls.Type);
            var entries = ps.Ok("Get-BpfMap -Id $id -Dump | Where-Object { $_.Key.arg -eq $arg }", Vars(("id", calls.Id), ("arg", (ulong)(uint)argument)));
            var entry = (BpfMapEntry)Assert.Single(entries).BaseObject;
            var key = (PSObject)entry.Key!;
            var value = (PSObject)entry.Value!;
            Assert.Equal((ulong)Environment.ProcessId, key.Properties["tgid"].Value);
            Assert.Equal(37UL, value.Properties["count"].Value);
            Assert.True((ulong)value.Properties["last_ns"].Value > 0);

            // Cross-check the raw bytes with what bpftool reads from the same map.
            var dump = KernelPrerequisites.Run("bpftool", "-j", "map", "dump", "id", calls.Id.ToString());
            Assert.Contains($"\"arg\":{(uint)argument}", dump.Replace(" ", ""));
            Assert.Contains("\"count\":37", dump.Replace(" ", ""));

            // The per-CPU array gives one value per possible CPU; together they count at least our calls.
            var total = installation.Maps.Single(m => m.Name == "getpgid_total");
            var perCpu = (BpfMapEntry)ps.Ok("Get-BpfMap -Id $id -Dump", Vars(("id", total.Id))).Single().BaseObject;
            Assert.True(perCpu.PerCpu);
            var values = ((object?[])perCpu.Value!).Select(v => (ulong)v!).ToArray();
            Assert.Equal(int.Parse(KernelPrerequisites.Run("nproc", "--all").Trim()), values.Length);
            Assert.True(values.Aggregate(0UL, (a, b) => a + b) >= 37UL);

            // Get-BpfHook sees the program with its attach point, link and maps, and the pipeline filters it.
            var hook = (BpfHook)ps.Ok("Get-BpfHook | Where-Object { $_.InstalledBy -eq $inst -and $_.Name -eq 'count_getpgid' }", Vars(("inst", installation.Id))).Single().BaseObject;
            Assert.Equal(counter.Id, hook.Id);
            Assert.Equal(["tracepoint:syscalls:sys_enter_getpgid"], hook.AttachedTo);
            Assert.Single(hook.LinkIds);
            Assert.Equal(KernelPrograms.LinksOf(counter.Id).Single().GetProperty("id").GetUInt32(), hook.LinkIds[0]);
            Assert.Equal(installation.Maps.Select(m => m.Id).Order(), hook.MapIds.Order());
            Assert.Equal(16, hook.Tag.Length);
            Assert.InRange(hook.LoadedAt, DateTimeOffset.Now.AddMinutes(-5), DateTimeOffset.Now.AddMinutes(1));

            // Filters by id, name wildcard and type reach the same program.
            Assert.Equal(counter.Id, ((BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars(("id", counter.Id))).Single().BaseObject).Id);
            Assert.Contains(ps.Ok("Get-BpfHook -Name 'count_getp*' -Type tracepoint"), h => ((BpfHook)h.BaseObject).Id == counter.Id);
            Assert.DoesNotContain(ps.Ok("Get-BpfHook -Type xdp"), h => ((BpfHook)h.BaseObject).Id == counter.Id);

            // Get-BpfMap tells which programs use the map.
            var map = (BpfMap)ps.Ok("Get-BpfMap -Id $id", Vars(("id", calls.Id))).Single().BaseObject;
            Assert.Equal([counter.Id], map.ProgramIds);
            Assert.Equal(1024u, map.MaxEntries);
            Assert.True(map.BtfId > 0);
        }
        finally
        {
            ps.Ok("Uninstall-BpfProgram -Id $id", Vars(("id", installation.Id)));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void InstallPipedToUninstallLeavesNothing()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var programsBefore = KernelPrograms.Ids();
        var mapsBefore = KernelPrograms.MapIds();

        var output = ps.Ok("Install-BpfProgram -Path $obj -Attach | Uninstall-BpfProgram", Vars(("obj", TestObjects.Counter)));

        Assert.Empty(output);
        KernelPrograms.AssertReturnsTo(programsBefore);
        KernelPrograms.AssertReturnsTo(mapsBefore, KernelPrograms.MapIds);
    }

    [Fact]
    public void GetBpfHookOutputPipesIntoUninstall()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $obj -Program count_getpgid", Vars(("obj", TestObjects.Counter))).Single().BaseObject;
        Assert.Equal(["count_getpgid"], installation.Programs.Select(p => p.Name));
        Assert.Empty(installation.Programs[0].AttachedTo); // loaded, not attached

        ps.Ok("Get-BpfHook | Where-Object InstalledBy -eq $inst | Uninstall-BpfProgram", Vars(("inst", installation.Id)));

        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void PinPathPinsUnderBpffsAndUninstallUnpins()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var dir = $"/sys/fs/bpf/ebpf-mcp-test-{Guid.NewGuid():N}";
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $obj -Attach -PinPath $dir", Vars(("obj", TestObjects.Counter), ("dir", dir))).Single().BaseObject;
        try
        {
            Assert.True(File.Exists(Path.Combine(dir, "count_getpgid")));
            Assert.True(File.Exists(Path.Combine(dir, "map_getpgid_calls")));
            var hook = (BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars(("id", installation.Programs[0].Id))).Single().BaseObject;
            Assert.Contains(Path.Combine(dir, installation.Programs[0].Name), hook.Pinned);
            var shown = KernelPrerequisites.Run("bpftool", "-j", "-f", "prog", "show", "id", hook.Id.ToString());
            Assert.Contains(dir, shown);
        }
        finally
        {
            ps.Ok("Uninstall-BpfProgram -Id $id", Vars(("id", installation.Id)));
        }
        Assert.False(Directory.Exists(dir));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void WhatIfLoadsNothing()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var output = ps.Ok("Install-BpfProgram -Path $obj -Attach -WhatIf", Vars(("obj", TestObjects.Counter)));
        Assert.Empty(output);
        KernelPrograms.AssertReturnsTo(before);
    }
}
