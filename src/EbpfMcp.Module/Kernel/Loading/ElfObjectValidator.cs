using System.Buffers.Binary;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Checks that an object is a whole 64-bit little-endian ELF for the BPF machine before libbpf
/// sees it, so bad input gets a precise error instead of a parser's guess.
/// </summary>
internal static class ElfObjectValidator
{
    private const ushort MachineBpf = 247;
    private const int HeaderSize = 64;

    /// <param name="bytes">The whole object, as read once.</param>
    /// <param name="path">Where it came from, for messages.</param>
    public static void Validate(byte[] bytes, string path)
    {
        long length = bytes.Length;
        if (length == 0)
        {
            throw new BpfException("EmptyObjectFile", $"'{path}' is empty: expected a BPF ELF object (clang -target bpf -c ...).");
        }
        var header = new byte[HeaderSize];
        bytes.AsSpan(0, (int)Math.Min(length, HeaderSize)).CopyTo(header);
        if (length < 4 || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            throw new BpfException("NotElf", $"'{path}' is not an ELF file (no \\x7fELF magic): expected a BPF object compiled with clang -target bpf.");
        }
        if (length < HeaderSize)
        {
            throw new BpfException("TruncatedObject", $"'{path}' is truncated: {length} bytes, shorter than an ELF header.");
        }
        if (header[4] != 2 || header[5] != 1)
        {
            throw new BpfException("NotBpfElf", $"'{path}' is not a 64-bit little-endian ELF, so it cannot be a BPF object for this kernel.");
        }
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18));
        if (machine != MachineBpf)
        {
            throw new BpfException("NotBpfElf", $"'{path}' is an ELF file for machine {machine} ({MachineName(machine)}), not for BPF (247): it is not an eBPF object.");
        }
        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
        ushort sectionEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(58));
        ushort sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(60));
        ulong end = sectionTable + (ulong)sectionEntrySize * sectionCount;
        if (sectionCount == 0 || end > (ulong)length)
        {
            throw new BpfException("TruncatedObject", $"'{path}' is truncated: its section table ends at byte {end}, but the file has {length} bytes.");
        }
    }

    private static string MachineName(ushort machine) => machine switch
    {
        3 => "x86",
        62 => "x86_64",
        40 => "ARM",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "unknown",
    };
}
