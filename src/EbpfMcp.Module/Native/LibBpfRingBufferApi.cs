// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>libbpf's BPF ring buffer consumer: events are handed to a callback during poll.</summary>
internal static unsafe partial class LibBpfRingBufferApi
{
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "ring_buffer__new", SetLastError = true)]
    public static partial IntPtr New(int mapFd, delegate* unmanaged[Cdecl]<void*, void*, nuint, int> callback, void* context, void* options);

    /// <summary>Waits up to timeoutMs, runs the callback per event; returns events consumed or -errno.</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "ring_buffer__poll")]
    public static partial int Poll(IntPtr ringBuffer, int timeoutMs);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "ring_buffer__consume")]
    public static partial int Consume(IntPtr ringBuffer);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "ring_buffer__free")]
    public static partial void Free(IntPtr ringBuffer);
}
