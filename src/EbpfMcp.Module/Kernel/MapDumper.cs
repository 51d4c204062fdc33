using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel;

/// <summary>Reads a map's entries from the kernel (get_next_key + lookup) and decodes them.</summary>
internal static unsafe class MapDumper
{
    private const int ENOENT = 2;

    /// <summary>Yields at most <paramref name="first"/> entries (all when null), lazily.</summary>
    public static IEnumerable<BpfMapEntry> Dump(uint mapId, int? first)
    {
        using var fd = KernelObjectInfo.OpenMap(mapId)
            ?? throw new BpfException("MapNotFound", $"No BPF map with id {mapId} exists.", ENOENT);
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        bool perCpu = KernelTypeNames.IsPerCpuMap(info.Type);
        int cpus = perCpu ? LibBpfObjectApi.PossibleCpus() : 1;
        int stride = perCpu ? (int)((info.ValueSize + 7) & ~7u) : (int)info.ValueSize;

        using var btf = info.BtfId != 0 ? TryLoadBtf(info.BtfId) : null;
        var decoder = btf is null ? null : new BtfValueDecoder(btf);

        var key = new byte[Math.Max(1, info.KeySize)];
        var next = new byte[Math.Max(1, info.KeySize)];
        var value = new byte[Math.Max(1, stride * cpus)];
        bool haveKey = false;
        int yielded = 0;
        while (first is null || yielded < first)
        {
            int rc = NextKey(fd, haveKey ? key : null, next);
            if (rc != 0)
            {
                int errno = LibBpfSyscallApi.Errno(rc);
                if (errno == ENOENT)
                {
                    yield break;
                }
                throw BpfException.FromErrno($"bpf_map_get_next_key on map {mapId} ({KernelTypeNames.Map(info.Type)})", errno, "MapNotDumpable");
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
                throw BpfException.FromErrno($"bpf_map_lookup_elem on map {mapId} ({KernelTypeNames.Map(info.Type)})", errno, "MapNotDumpable");
            }
            yielded++;
            yield return new BpfMapEntry
            {
                MapId = mapId,
                PerCpu = perCpu,
                Key = DecodeOne(decoder, info.BtfKeyTypeId, key.AsSpan(0, (int)info.KeySize)),
                Value = perCpu
                    ? Enumerable.Range(0, cpus).Select(cpu => DecodeOne(decoder, info.BtfValueTypeId, value.AsSpan(cpu * stride, (int)info.ValueSize))).ToArray()
                    : DecodeOne(decoder, info.BtfValueTypeId, value.AsSpan(0, (int)info.ValueSize)),
            };
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

    private static object? DecodeOne(BtfValueDecoder? decoder, uint typeId, ReadOnlySpan<byte> bytes) =>
        decoder is not null && typeId != 0 ? decoder.Decode(typeId, bytes) : BtfValueDecoder.Hex(bytes);

    private static BtfHandle? TryLoadBtf(uint btfId)
    {
        try
        {
            return BtfHandle.LoadFromKernel(btfId);
        }
        catch (BpfException)
        {
            return null; // fall back to hex rather than fail the dump
        }
    }
}
