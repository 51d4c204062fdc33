using System.Buffers.Binary;
using System.Management.Automation;
using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Maps;

/// <summary>
/// Decodes raw map bytes through BTF into values PowerShell and JSON show naturally: structs and
/// unions become objects with the C field names, integers numbers, char arrays strings, enums
/// their enumerator names, pointers hex. Reads libbpf's in-memory struct btf_type records.
/// </summary>
internal sealed unsafe class BtfValueDecoder(BtfHandle btf)
{
    private const int KindInt = 1, KindPtr = 2, KindArray = 3, KindStruct = 4, KindUnion = 5, KindEnum = 6, KindFwd = 7,
        KindTypedef = 8, KindVolatile = 9, KindConst = 10, KindRestrict = 11, KindFloat = 16, KindTypeTag = 18, KindEnum64 = 19;
    private const int IntSigned = 1, IntChar = 2, IntBool = 4;
    private const int MaxDepth = 32;

    public object? Decode(uint typeId, ReadOnlySpan<byte> data) => Decode(typeId, data, 0);

    private object? Decode(uint typeId, ReadOnlySpan<byte> data, int depth)
    {
        uint* t = TypeRecord(typeId);
        if (t is null || depth > MaxDepth)
        {
            return Hex(data);
        }
        uint info = t[1];
        int kind = (int)((info >> 24) & 0x1f);
        int vlen = (int)(info & 0xffff);
        switch (kind)
        {
            case KindInt:
                return DecodeInt(t[3], data);
            case KindPtr:
                return $"0x{ReadUnsigned(data, Math.Min(data.Length, 8)):x}";
            case KindArray:
                return DecodeArray(t[3], t[5], data, depth);
            case KindStruct:
            case KindUnion:
                return DecodeStruct(t, vlen, (info & 0x80000000) != 0, data, depth);
            case KindEnum:
            case KindEnum64:
                return DecodeEnum(t, vlen, kind == KindEnum64, data);
            case KindTypedef:
            case KindVolatile:
            case KindConst:
            case KindRestrict:
            case KindTypeTag:
                return Decode(t[2], data, depth + 1);
            case KindFloat:
                return data.Length switch
                {
                    4 => BitConverter.ToSingle(data),
                    8 => BitConverter.ToDouble(data),
                    _ => Hex(data),
                };
            case KindFwd:
            default:
                return Hex(data);
        }
    }

    /// <summary>Byte size of a type, following typedefs and qualifiers.</summary>
    public int SizeOf(uint typeId, int depth = 0)
    {
        uint* t = TypeRecord(typeId);
        if (t is null || depth > MaxDepth)
        {
            return 0;
        }
        int kind = (int)((t[1] >> 24) & 0x1f);
        return kind switch
        {
            KindInt or KindStruct or KindUnion or KindEnum or KindEnum64 or KindFloat => (int)t[2],
            KindPtr => 8,
            KindArray => (int)t[5] * SizeOf(t[3], depth + 1),
            KindTypedef or KindVolatile or KindConst or KindRestrict or KindTypeTag => SizeOf(t[2], depth + 1),
            _ => 0,
        };
    }

    /// <summary>One member of a BTF struct: its name, byte offset and byte size.</summary>
    public sealed record Member(string Name, int Offset, int Size);

    /// <summary>The members of the struct named <paramref name="structName"/> and its size; null when the BTF has no such struct.</summary>
    public (IReadOnlyList<Member> Members, int Size)? Layout(string structName)
    {
        int id = LibBpfBtfApi.FindByNameKind(btf.Pointer, structName, KindStruct);
        if (id <= 0)
        {
            return null;
        }
        uint* t = TypeRecord((uint)id);
        int vlen = (int)(t[1] & 0xffff);
        bool bitfieldOffsets = (t[1] & 0x80000000) != 0;
        var members = new List<Member>(vlen);
        uint* member = t + 3;
        for (int i = 0; i < vlen; i++, member += 3)
        {
            uint bitOffset = bitfieldOffsets ? member[2] & 0xffffff : member[2];
            members.Add(new Member(Name(member[0]), (int)(bitOffset / 8), SizeOf(member[1])));
        }
        return (members, (int)t[2]);
    }

    private uint* TypeRecord(uint typeId) => typeId == 0 ? null : (uint*)LibBpfBtfApi.TypeById(btf.Pointer, typeId);

    private string Name(uint offset) => LibBpfObjectApi.Utf8(LibBpfBtfApi.NameByOffset(btf.Pointer, offset)) ?? "";

    private static object DecodeInt(uint encoding, ReadOnlySpan<byte> data)
    {
        int flags = (int)((encoding >> 24) & 0x0f);
        int bits = (int)(encoding & 0xff);
        if ((flags & IntBool) != 0)
        {
            return data.Length > 0 && data[0] != 0;
        }
        if (bits > 64 || data.Length > 8)
        {
            return Hex(data);
        }
        ulong raw = ReadUnsigned(data, data.Length);
        if ((flags & IntSigned) != 0)
        {
            int shift = 64 - data.Length * 8;
            return shift >= 64 ? 0L : ((long)(raw << shift)) >> shift;
        }
        return raw;
    }

    private object DecodeArray(uint elementType, uint count, ReadOnlySpan<byte> data, int depth)
    {
        int size = SizeOf(elementType);
        if (size <= 0 || count == 0)
        {
            return Hex(data);
        }
        if (size == 1 && IsCharType(elementType))
        {
            int end = data.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? data : data[..end]);
        }
        int n = (int)Math.Min(count, (uint)(data.Length / size));
        var items = new object?[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = Decode(elementType, data.Slice(i * size, size), depth + 1);
        }
        return items;
    }

    private bool IsCharType(uint typeId)
    {
        for (int i = 0; i < MaxDepth; i++)
        {
            uint* t = TypeRecord(typeId);
            if (t is null)
            {
                return false;
            }
            int kind = (int)((t[1] >> 24) & 0x1f);
            if (kind == KindInt)
            {
                return (((t[3] >> 24) & 0x0f) & IntChar) != 0 || Name(t[0]) == "char";
            }
            if (kind is not (KindTypedef or KindVolatile or KindConst or KindRestrict or KindTypeTag))
            {
                return false;
            }
            typeId = t[2];
        }
        return false;
    }

    private PSObject DecodeStruct(uint* t, int vlen, bool bitfieldOffsets, ReadOnlySpan<byte> data, int depth)
    {
        var result = new PSObject();
        uint* member = t + 3;
        for (int i = 0; i < vlen; i++, member += 3)
        {
            string name = Name(member[0]);
            uint type = member[1];
            uint bitOffset = bitfieldOffsets ? member[2] & 0xffffff : member[2];
            uint bitSize = bitfieldOffsets ? member[2] >> 24 : 0;
            object? value;
            if (bitSize != 0 || bitOffset % 8 != 0)
            {
                value = ReadBits(data, bitOffset, bitSize == 0 ? (uint)SizeOf(type) * 8 : bitSize);
            }
            else
            {
                int start = (int)(bitOffset / 8);
                int size = SizeOf(type);
                value = start + size <= data.Length ? Decode(type, data.Slice(start, size), depth + 1) : null;
            }
            if (name.Length == 0 && value is PSObject anonymous)
            {
                // Anonymous struct/union members lift their fields, as C lets you name them.
                foreach (var p in anonymous.Properties)
                {
                    result.Properties.Add(new PSNoteProperty(p.Name, p.Value));
                }
                continue;
            }
            result.Properties.Add(new PSNoteProperty(name.Length == 0 ? $"_{i}" : name, value));
        }
        return result;
    }

    private object DecodeEnum(uint* t, int vlen, bool is64, ReadOnlySpan<byte> data)
    {
        long value = data.Length switch
        {
            1 => (sbyte)data[0],
            2 => BinaryPrimitives.ReadInt16LittleEndian(data),
            4 => BinaryPrimitives.ReadInt32LittleEndian(data),
            8 => BinaryPrimitives.ReadInt64LittleEndian(data),
            _ => 0,
        };
        uint* e = t + 3;
        for (int i = 0; i < vlen; i++)
        {
            long candidate = is64 ? (long)(((ulong)e[2] << 32) | e[1]) : (int)e[1];
            if (candidate == value)
            {
                return Name(e[0]);
            }
            e += is64 ? 3 : 2;
        }
        return value;
    }

    private static ulong ReadBits(ReadOnlySpan<byte> data, uint bitOffset, uint bitSize)
    {
        ulong result = 0;
        for (uint i = 0; i < bitSize && i < 64; i++)
        {
            uint bit = bitOffset + i;
            if (bit / 8 < data.Length && ((data[(int)(bit / 8)] >> (int)(bit % 8)) & 1) != 0)
            {
                result |= 1UL << (int)i;
            }
        }
        return result;
    }

    private static ulong ReadUnsigned(ReadOnlySpan<byte> data, int size)
    {
        ulong v = 0;
        for (int i = Math.Min(size, 8) - 1; i >= 0; i--)
        {
            v = (v << 8) | data[i];
        }
        return v;
    }

    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexString(data).ToLowerInvariant();
}
