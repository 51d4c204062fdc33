using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Install-BpfProgram -MaxPrograms/-MaxMaps/-MaxMemlockBytes: what one install may add, checked
/// after the object is opened and before anything reaches the kernel. The memory figure is a lower
/// bound of the kernel's charge (map entries times their sizes, program instructions), so an
/// object refused here would certainly have gone over; the exact charge is known only after loading.
/// </summary>
internal sealed record InstallBudget(int? Programs, int? Maps, long? MemlockBytes)
{
    public static readonly InstallBudget Unlimited = new(null, null, null);

    private const uint NoPreallocation = 1; // BPF_F_NO_PREALLOC: hash entries are charged as they are used

    public void Check(IReadOnlyCollection<BpfProgramHandle> programs, IReadOnlyCollection<BpfMapHandle> maps)
    {
        var loading = programs.Where(p => p.Autoload).ToList();
        if (Programs is { } maxPrograms && loading.Count > maxPrograms)
        {
            throw Exceeded($"{loading.Count} program(s), more than the {maxPrograms} allowed (-MaxPrograms)");
        }
        if (Maps is { } maxMaps && maps.Count > maxMaps)
        {
            throw Exceeded($"{maps.Count} map(s), more than the {maxMaps} allowed (-MaxMaps)");
        }
        if (MemlockBytes is { } maxBytes)
        {
            long bytes = loading.Sum(p => (long)LibBpfObjectApi.ProgramInstructionCount(p.Pointer) * 8) + maps.Sum(m => AtLeastCharged(m.Pointer));
            if (bytes > maxBytes)
            {
                throw Exceeded($"at least {bytes} bytes of locked kernel memory, more than the {maxBytes} allowed (-MaxMemlockBytes)");
            }
        }
    }

    /// <summary>The least the kernel charges for a map of this shape.</summary>
    private static long AtLeastCharged(IntPtr map)
    {
        long entries = LibBpfObjectApi.MapMaxEntries(map), key = LibBpfObjectApi.MapKeySize(map), value = LibBpfObjectApi.MapValueSize(map);
        return LibBpfObjectApi.MapType(map) switch
        {
            27 or 31 => entries,                                                   // ring buffers: max_entries is the size in bytes
            6 => entries * value * LibBpfObjectApi.PossibleCpus(),                 // per-CPU array
            5 or 10 => entries * (key + value * LibBpfObjectApi.PossibleCpus()),   // per-CPU hashes
            1 when (LibBpfObjectApi.MapFlags(map) & NoPreallocation) != 0 => 0,
            1 or 9 => entries * (key + value),                                     // hashes (LRU ones always preallocate)
            2 or 3 or 4 or 8 or 12 => entries * value,                             // arrays: the key is the index
            _ => 0,
        };
    }

    private static BpfException Exceeded(string what) =>
        new("QuotaExceeded", $"The object needs {what}; nothing was loaded.");
}
