// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>libbpf's BTF reader: kernel BTF objects by id, and the types inside them.</summary>
internal static partial class LibBpfBtfApi
{
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__load_from_kernel_by_id", SetLastError = true)]
    public static partial IntPtr LoadFromKernelById(uint id);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__load_vmlinux_btf", SetLastError = true)]
    public static partial IntPtr LoadVmlinux();

    /// <summary>The BTF of an ELF file (a BPF object's .BTF section).</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__parse_elf", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr ParseElf(string path, IntPtr ext);

    /// <summary>The id of the type with this name and kind, or a negative errno.</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__find_by_name_kind", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FindByNameKind(IntPtr btf, string name, uint kind);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__free")]
    public static partial void Free(IntPtr btf);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__type_cnt")]
    public static partial uint TypeCount(IntPtr btf);

    /// <summary>Points into the BTF object's memory: valid while that object lives.</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__type_by_id")]
    public static partial IntPtr TypeById(IntPtr btf, uint id);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "btf__name_by_offset")]
    public static partial IntPtr NameByOffset(IntPtr btf, uint offset);
}
