using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Maps;

/// <summary>Walks a map's raw entries (bpf_map_get_next_key + lookup); per-CPU values come back whole.</summary>
internal static unsafe class MapEntries
{
    private const int ENOENT = 2;

    /// <summary>The bytes one lookup returns: value_size, or for per-CPU maps 8-byte-aligned slots per possible CPU.</summary>
    public static int ValueBufferSize(BpfMapInfo info, out int stride, out int cpus)
    {
        bool perCpu = KernelTypeNames.IsPerCpuMap(info.Type);
        cpus = perCpu ? LibBpfObjectApi.PossibleCpus() : 1;
        stride = perCpu ? (int)((info.ValueSize + 7) & ~7u) : (int)info.ValueSize;
        return Math.Max(1, stride * cpus);
    }

    /// <summary>Yields (key, value) copies; entries deleted during the walk are skipped.</summary>
    public static IEnumerable<(byte[] Key, byte[] Value)> Read(BpfFdHandle fd, BpfMapInfo info, string what)
    {
        var key = new byte[Math.Max(1, info.KeySize)];
        var next = new byte[Math.Max(1, info.KeySize)];
        var value = new byte[ValueBufferSize(info, out _, out _)];
        bool haveKey = false;
        while (true)
        {
            int rc = NextKey(fd, haveKey ? key : null, next);
            if (rc != 0)
            {
                int errno = LibBpfSyscallApi.Errno(rc);
                if (errno == ENOENT)
                {
                    yield break;
                }
                throw BpfException.FromErrno($"bpf_map_get_next_key on {what}", errno, "MapNotDumpable");
            }
            (key, next) = (next, key);
            haveKey = true;
            rc = Lookup(fd, key, value);
            if (rc != 0)
            {
                int errno = LibBpfSyscallApi.Errno(rc);
                if (errno == ENOENT)
                {
                    continue; // deleted while we walked
                }
                throw BpfException.FromErrno($"bpf_map_lookup_elem on {what}", errno, "MapNotDumpable");
            }
            yield return ((byte[])key.Clone(), (byte[])value.Clone());
        }
    }

    private static int NextKey(BpfFdHandle fd, byte[]? key, byte[] next)
    {
        fixed (byte* k = key, n = next)
        {
            return LibBpfSyscallApi.MapGetNextKey(fd.Fd, k, n);
        }
    }

    private static int Lookup(BpfFdHandle fd, byte[] key, byte[] value)
    {
        fixed (byte* k = key, v = value)
        {
            return LibBpfSyscallApi.MapLookupElement(fd.Fd, k, v);
        }
    }
}
