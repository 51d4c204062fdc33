// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>libbpf's thin wrappers over bpf(2): id iteration, fd by id, object info, map elements.</summary>
internal static unsafe partial class LibBpfSyscallApi
{
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_prog_get_next_id", SetLastError = true)]
    public static partial int ProgramGetNextId(uint start, uint* next);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_get_next_id", SetLastError = true)]
    public static partial int MapGetNextId(uint start, uint* next);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_link_get_next_id", SetLastError = true)]
    public static partial int LinkGetNextId(uint start, uint* next);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_prog_get_fd_by_id", SetLastError = true)]
    public static partial int ProgramGetFdById(uint id);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_get_fd_by_id", SetLastError = true)]
    public static partial int MapGetFdById(uint id);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_link_get_fd_by_id", SetLastError = true)]
    public static partial int LinkGetFdById(uint id);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_obj_get_info_by_fd", SetLastError = true)]
    public static partial int ObjectGetInfoByFd(int fd, void* info, uint* infoLength);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_obj_get", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ObjectGet(string path);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_get_next_key", SetLastError = true)]
    public static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    public static partial int MapLookupElement(int fd, void* key, void* value);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_update_elem", SetLastError = true)]
    public static partial int MapUpdateElement(int fd, void* key, void* value, ulong flags);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MapCreate(int mapType, string? name, uint keySize, uint valueSize, uint maxEntries, void* options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_task_fd_query", SetLastError = true)]
    public static partial int TaskFdQuery(int pid, int fd, uint flags, byte* buffer, uint* bufferLength, uint* programId, uint* fdType, ulong* probeOffset, ulong* probeAddress);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_xdp_query_id", SetLastError = true)]
    public static partial int XdpQueryId(int ifindex, int flags, uint* programId);

    /// <summary>libbpf 1.x returns -errno; older paths return -1 with errno set. Either way: a positive errno.</summary>
    public static int Errno(int result) => result < -1 ? -result : Math.Max(1, Marshal.GetLastPInvokeError());
}
