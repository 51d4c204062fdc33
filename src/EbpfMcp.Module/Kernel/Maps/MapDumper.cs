using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Maps;

/// <summary>Reads a map's entries from the kernel and decodes them through its BTF.</summary>
internal static class MapDumper
{
    /// <summary>Yields at most <paramref name="first"/> entries (all when null), lazily.</summary>
    public static IEnumerable<BpfMapEntry> Dump(uint mapId, int? first)
    {
        using var fd = KernelObjectInfo.OpenMap(mapId)
            ?? throw new BpfException("MapNotFound", $"No BPF map with id {mapId} exists.", 2);
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        bool perCpu = KernelTypeNames.IsPerCpuMap(info.Type);
        MapEntries.ValueBufferSize(info, out int stride, out int cpus);

        using var btf = info.BtfId != 0 ? TryLoadBtf(info.BtfId) : null;
        var decoder = btf is null ? null : new BtfValueDecoder(btf);

        int yielded = 0;
        foreach (var (key, value) in MapEntries.Read(fd, info, $"map {mapId} ({KernelTypeNames.Map(info.Type)})"))
        {
            if (first is not null && yielded >= first)
            {
                yield break;
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
