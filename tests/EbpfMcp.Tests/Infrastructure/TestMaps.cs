using EbpfMcp.Native;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Maps created straight through bpf(2), without BTF: the kernel knows only their sizes.</summary>
public static unsafe class TestMaps
{
    private const int MapTypeHash = 1;

    /// <summary>A hash map (u32 → u64) holding key k → value(k) for each key; returns it and its id.</summary>
    internal static (BpfFdHandle Map, uint Id) HashWithoutBtf(string name, IEnumerable<uint> keys, Func<uint, ulong> value)
    {
        var map = new BpfFdHandle(LibBpfSyscallApi.MapCreate(MapTypeHash, name, 4, 8, 64, null));
        Assert.False(map.IsInvalid);
        foreach (var k in keys)
        {
            uint key = k;
            ulong v = value(k);
            Assert.Equal(0, LibBpfSyscallApi.MapUpdateElement(map.Fd, &key, &v, 0));
        }
        return (map, EbpfMcp.Kernel.Inventory.KernelObjectInfo.Read<BpfMapInfo>(map).Id);
    }
}
