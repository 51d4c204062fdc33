using EbpfMcp.Kernel.Maps;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// The enumerator names of one of the running kernel's small enums (such as enum sk_rst_reason,
/// which grows from release to release), read once from its BTF: the names are this kernel's own,
/// not a table that goes stale.
/// </summary>
internal sealed class KernelEnumNames
{
    private const uint KindEnum = 6;
    private const int MaxValue = 256;
    private readonly Dictionary<long, string> names = [];

    private KernelEnumNames(string enumName, string prefix)
    {
        try
        {
            using var btf = BtfHandle.LoadVmlinux();
            int typeId = LibBpfBtfApi.FindByNameKind(btf.Pointer, enumName, KindEnum);
            if (typeId <= 0)
            {
                return;
            }
            var decoder = new BtfValueDecoder(btf);
            for (int value = 0; value < MaxValue; value++)
            {
                if (decoder.Decode((uint)typeId, BitConverter.GetBytes(value)) is string name)
                {
                    names[value] = name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
                }
            }
        }
        catch (BpfException)
        {
            // No kernel BTF: values are shown as numbers.
        }
    }

    /// <summary>Names of enum <paramref name="enumName"/>, each without <paramref name="prefix"/>; loads the kernel's BTF now.</summary>
    public static KernelEnumNames Load(string enumName, string prefix) => new(enumName, prefix);

    /// <summary>The enumerator's name, or the number when this kernel has no such enumerator.</summary>
    public string Name(long value) => names.TryGetValue(value, out var name) ? name : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
