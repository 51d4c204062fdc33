namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// Turns stack addresses into frames for one profile: kernel addresses through /proc/kallsyms,
/// user addresses through the process's mappings and the ELF symbols of the mapped file (shared
/// cache, by build id), JIT code through the process's perf map. Each distinct address is resolved
/// once. A frame is never dropped: "function", else "module+0xoff", else "[unknown]".
/// Processes should be <see cref="Remember"/>ed while they run (their mappings are read then), so
/// a process that exits before the profile ends still resolves; one never seen alive, whose
/// mappings are gone, gets "[unknown]" frames. Not thread-safe: one profile, one thread.
/// </summary>
internal sealed class Symbolizer
{
    private readonly Dictionary<int, ProcessState> processes = new();
    private readonly Dictionary<(string Device, ulong Inode), ElfSymbols?> files = new();
    private readonly Dictionary<(int Pid, ulong Address, bool Return), SymbolizedFrame> resolved = new();
    private readonly Dictionary<(ulong Address, bool Return), SymbolizedFrame> kernelResolved = new();
    private KernelSymbols? kernel;

    /// <summary>Reads a process's mappings now, once; later calls for the same pid do nothing.</summary>
    public void Remember(int pid)
    {
        if (!processes.ContainsKey(pid))
        {
            processes[pid] = new ProcessState(pid);
        }
    }

    /// <summary>A user stack, leaf first as the kernel stores it; every address but the leaf is a return address.</summary>
    public SymbolizedFrame[] UserStack(int pid, ReadOnlySpan<ulong> leafFirst)
    {
        var frames = new SymbolizedFrame[leafFirst.Length];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = User(pid, leafFirst[i], isReturnAddress: i > 0);
        }
        return frames;
    }

    public SymbolizedFrame[] KernelStack(ReadOnlySpan<ulong> leafFirst)
    {
        var frames = new SymbolizedFrame[leafFirst.Length];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = Kernel(leafFirst[i], isReturnAddress: i > 0);
        }
        return frames;
    }

    /// <summary>
    /// A return address points after its call, possibly at the next function's first byte: it is
    /// looked up one byte earlier, inside the call. The frame still carries the real address.
    /// </summary>
    public SymbolizedFrame Kernel(ulong address, bool isReturnAddress = false)
    {
        if (!kernelResolved.TryGetValue((address, isReturnAddress), out var frame))
        {
            kernel ??= KernelSymbols.Load();
            frame = kernel.Frame(address, isReturnAddress ? address - 1 : address);
            kernelResolved[(address, isReturnAddress)] = frame;
        }
        return frame;
    }

    public SymbolizedFrame User(int pid, ulong address, bool isReturnAddress = false)
    {
        if (!resolved.TryGetValue((pid, address, isReturnAddress), out var frame))
        {
            frame = ResolveUser(pid, address, isReturnAddress ? address - 1 : address);
            resolved[(pid, address, isReturnAddress)] = frame;
        }
        return frame;
    }

    private SymbolizedFrame ResolveUser(int pid, ulong address, ulong lookup)
    {
        Remember(pid);
        var process = processes[pid];
        var region = process.Find(lookup);
        if (region is { IsFile: true } && SymbolsOf(pid, region) is { } symbols
            && symbols.VirtualAddress(region.FileOffsetOf(lookup)) is ulong linkAddress && symbols.Function(linkAddress) is { } function)
        {
            return new SymbolizedFrame(Clean(function), FrameKind.User, region.FilePath, address);
        }
        // JIT code: anonymous memory, or a file that is no ELF (.NET maps its code from a memfd).
        if (process.PerfMap?.Find(lookup) is { } jitted)
        {
            return new SymbolizedFrame(Clean(jitted), FrameKind.Jit, process.PerfMap.Path, address);
        }
        if (region is null || region.Path.Length == 0)
        {
            return new SymbolizedFrame(SymbolizedFrame.Unknown, FrameKind.User, null, address);
        }
        var offset = region.IsFile ? region.FileOffsetOf(address) : address - region.Start;
        return new SymbolizedFrame($"{region.ModuleName}+0x{offset:x}", FrameKind.User, region.FilePath, address);
    }

    private ElfSymbols? SymbolsOf(int pid, MappedRegion region)
    {
        if (!files.TryGetValue((region.Device, region.Inode), out var symbols))
        {
            using var file = OpenMapped(pid, region);
            symbols = file is null ? null : ElfSymbolCache.Get(file, region.Inode);
            files[(region.Device, region.Inode)] = symbols;
        }
        return symbols;
    }

    /// <summary>
    /// The mapped file itself: through /proc/PID/map_files while the process runs (the very file
    /// it mapped, also when it was deleted or lives in another mount namespace), then through the
    /// process's root, then by path unless the kernel says the file was deleted.
    /// </summary>
    private static FileStream? OpenMapped(int pid, MappedRegion region)
    {
        string?[] candidates = [$"/proc/{pid}/map_files/{region.Start:x}-{region.End:x}", $"/proc/{pid}/root{region.FilePath}", region.IsDeleted ? null : region.FilePath];
        foreach (var path in candidates)
        {
            if (path is null)
            {
                continue;
            }
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone or not allowed: try the next way in
            }
        }
        return null;
    }

    /// <summary>Folded stacks separate frames with ';' and lines with newlines: neither may appear in a name.</summary>
    private static string Clean(string name) =>
        name.IndexOfAny([';', '\n', '\r']) < 0 ? name : name.Replace(';', ':').Replace('\n', ' ').Replace('\r', ' ');

    private sealed class ProcessState(int pid)
    {
        private readonly ProcessMaps? snapshot = ProcessMaps.Read(pid);
        private ProcessMaps? fresh;
        private bool refreshed;
        private bool perfMapRead;
        private PerfMap? perfMap;

        /// <summary>The mapping at an address: as first seen, else as mapped now (code loaded later).</summary>
        public MappedRegion? Find(ulong address)
        {
            if (snapshot?.Find(address) is { } region)
            {
                return region;
            }
            if (!refreshed)
            {
                refreshed = true;
                fresh = snapshot is null ? null : ProcessMaps.Read(pid);
            }
            return fresh?.Find(address);
        }

        public PerfMap? PerfMap
        {
            get
            {
                if (!perfMapRead)
                {
                    perfMapRead = true;
                    perfMap = PerfMap.Load(pid);
                }
                return perfMap;
            }
        }
    }
}
