using System.Globalization;
using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// The symbolizer against binaries whose symbols are known: a workload's own functions (PIE, by
/// file offset), the C library's exports (.dynsym), the kernel's (kallsyms), JIT perf maps, and the
/// ways it must degrade (deleted files, exited processes) without dropping a frame or throwing.
/// </summary>
public sealed class SymbolizerTests
{
    [Fact]
    public void AWorkloadsOwnFunctionsResolveByNameAtTheirRuntimeAddresses()
    {
        using var workload = new ProfiledWorkload("profile_burner.c").Start("5", "addresses");
        var (pid, inner, outer) = Addresses(workload);
        var symbolizer = new Symbolizer();

        var innerFrame = symbolizer.User(pid, inner);
        Assert.Equal("burner_inner", innerFrame.Name);
        Assert.Equal(FrameKind.User, innerFrame.Kind);
        Assert.Equal(workload.Path, innerFrame.Module);
        Assert.Equal(inner, innerFrame.Address);
        Assert.Equal("burner_outer", symbolizer.User(pid, outer + 7).Name);
        // A return address is looked up one byte earlier, inside its call: outer's first byte as a
        // return address falls in the padding before outer, which no symbol covers, so only the
        // module and the (real) address's file offset are shown; one byte later it is outer.
        Assert.Equal("burner_outer", symbolizer.User(pid, outer + 1, isReturnAddress: true).Name);
        Assert.Matches($"^{workload.Name}\\+0x[0-9a-f]+$", symbolizer.User(pid, outer, isReturnAddress: true).Name);
        Assert.Equal(["burner_inner", "burner_outer"], symbolizer.UserStack(pid, [inner + 2, outer + 9]).Select(f => f.Name));
    }

    [Fact]
    public void CLibraryExportsResolveThroughTheDynamicSymbolTable()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var getpid = (ulong)NativeLibrary.GetExport(libc, "getpid");
        var symbolizer = new Symbolizer();

        var frame = symbolizer.User(Environment.ProcessId, getpid);

        Assert.Contains("getpid", frame.Name, StringComparison.Ordinal);
        Assert.EndsWith("libc.so.6", frame.Module);
    }

    [Fact]
    public void ADeletedFileResolvesWhileItsProcessRunsAndDegradesToModulePlusOffsetAfter()
    {
        using var workload = new ProfiledWorkload("profile_burner.c").Start("30", "addresses");
        var (pid, inner, _) = Addresses(workload);
        var nm = KernelPrerequisites.Run("nm", workload.Path).Split('\n').Single(l => l.EndsWith(" T burner_inner", StringComparison.Ordinal));
        ulong linkAddress = ulong.Parse(nm.Split(' ')[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var seenAlive = new Symbolizer();
        seenAlive.Remember(pid);
        File.Delete(workload.Path);

        // Still running: /proc/PID/map_files reaches the deleted file.
        Assert.Equal("burner_inner", new Symbolizer().User(pid, inner).Name);

        workload.Process.Kill();
        workload.Process.WaitForExit();
        var frame = seenAlive.User(pid, inner);
        // Gone with its process: the module and the offset in the file are all that is known.
        // (ld lays the text segment out with file offset equal to link address, as readelf -l shows.)
        Assert.Equal($"{workload.Name}+0x{linkAddress:x}", frame.Name);
        Assert.Equal(FrameKind.User, frame.Kind);
    }

    [Fact]
    public void AnExitedProcessNeverSeenGivesUnknownFramesWithoutThrowing()
    {
        using var helper = new ProfiledWorkload("profile_burner.c").Start("0", "addresses");
        var (pid, inner, outer) = Addresses(helper);
        helper.Process.WaitForExit();

        var frames = new Symbolizer().UserStack(pid, [inner, outer]);

        Assert.Equal([SymbolizedFrame.Unknown, SymbolizedFrame.Unknown], frames.Select(f => f.Name));
        Assert.Equal([inner, outer], frames.Select(f => f.Address));
    }

    [Fact]
    public void KernelAddressesResolveThroughKallsyms()
    {
        KernelPrerequisites.Require();
        var line = File.ReadLines("/proc/kallsyms").First(l => l.EndsWith(" T vfs_read", StringComparison.Ordinal));
        ulong vfsRead = ulong.Parse(line.Split(' ')[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var symbolizer = new Symbolizer();

        Assert.Equal("vfs_read", symbolizer.Kernel(vfsRead).Name);
        Assert.Equal("vfs_read", symbolizer.Kernel(vfsRead + 16).Name);
        Assert.Equal(KernelSymbols.Module, symbolizer.Kernel(vfsRead).Module);
        Assert.Equal(FrameKind.Kernel, symbolizer.Kernel(vfsRead).Kind);
        Assert.Equal("[kernel]+0x10", symbolizer.Kernel(0x10).Name); // below every symbol
    }

    [Fact]
    public void PerfMapsNameJitCodeTheLatestEntryWinning()
    {
        var map = PerfMap.Parse("/tmp/perf-1.map",
        [
            "7f0000001000 40 JS:*hot /app/x.js:3",
            "0x7f0000002000 0x20 [OptimizedTier1] App.Program::Loop()",
            "7f0000002000 10 LazyCompile:~replaced",
            "not a line",
        ]);

        Assert.Equal("JS:*hot /app/x.js:3", map.Find(0x7f0000001010));
        Assert.Equal("LazyCompile:~replaced", map.Find(0x7f0000002008));
        Assert.Equal("[OptimizedTier1] App.Program::Loop()", map.Find(0x7f0000002018));
        Assert.Null(map.Find(0x7f0000001040));
        Assert.Null(map.Find(0x1000));
    }

    [Fact]
    public void SymbolTablesAreCachedByBuildIdWhateverThePath()
    {
        using var workload = new ProfiledWorkload("profile_burner.c");
        var notes = KernelPrerequisites.Run("readelf", "-n", workload.Path);
        var expected = notes.Split('\n').Single(l => l.Contains("Build ID:", StringComparison.Ordinal)).Split(':')[1].Trim();
        var copy = workload.Path + "-copy";
        File.Copy(workload.Path, copy);

        using var first = File.OpenRead(workload.Path);
        using var second = File.OpenRead(copy);
        Assert.Equal(expected, ElfBuildId.Read(first.SafeFileHandle));
        var a = ElfSymbolCache.Get(first, 1);
        var b = ElfSymbolCache.Get(second, 2);

        Assert.NotNull(a);
        Assert.Same(a, b);
        var nm = KernelPrerequisites.Run("nm", workload.Path).Split('\n').Single(l => l.EndsWith(" T burner_outer", StringComparison.Ordinal));
        Assert.Equal("burner_outer", a.Function(ulong.Parse(nm.Split(' ')[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) + 3));
        using var notElf = File.OpenRead("/proc/self/status");
        Assert.Null(ElfBuildId.Read(notElf.SafeFileHandle));
    }

    [Fact]
    public void MapsLinesParseIntoExecutableRegions()
    {
        var region = ProcessMaps.Parse("7f1c2a028000-7f1c2a1bd000 r-xp 00028000 fd:01 1311024                    /usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)");
        Assert.NotNull(region);
        Assert.Equal(0x7f1c2a028000UL, region.Start);
        Assert.Equal(0x28000UL + 0x10, region.FileOffsetOf(0x7f1c2a028010));
        Assert.True(region.IsDeleted);
        Assert.Equal("libc.so.6", region.ModuleName);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", region.FilePath);
        Assert.Null(ProcessMaps.Parse("7f1c2a000000-7f1c2a028000 r--p 00000000 fd:01 1311024 /usr/lib/x86_64-linux-gnu/libc.so.6"));
        Assert.False(ProcessMaps.Parse("7ffd1a1f0000-7ffd1a1f2000 r-xp 00000000 00:00 0                          [vdso]")!.IsFile);
    }

    private static (int Pid, ulong Inner, ulong Outer) Addresses(ProfiledWorkload workload)
    {
        var parts = workload.ReadLine().Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture),
            ulong.Parse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
            ulong.Parse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
    }
}
