using System.Runtime.InteropServices;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>The bytes of a configuration struct (a [BtfStruct] mirror), as an object's .rodata expects them.</summary>
internal static class RodataBytes
{
    public static byte[] Of<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();
}
