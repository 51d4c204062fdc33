// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>libbpf's object model: open an ELF, load it, walk its programs and maps, attach.</summary>
internal static unsafe partial class LibBpfObjectApi
{
    /// <summary>The leading fields of struct bpf_object_open_opts; libbpf accepts a shorter sz.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenOptions
    {
        public nuint Size;
        public byte* ObjectName;
    }

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__open_file", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr OpenFile(string path, OpenOptions* options);

    /// <summary>Opens an object from memory; libbpf is done with the buffer when this returns.</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    public static partial IntPtr OpenMemory(byte* buffer, nuint size, OpenOptions* options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__load", SetLastError = true)]
    public static partial int Load(IntPtr obj);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__close")]
    public static partial void Close(IntPtr obj);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__next_program")]
    public static partial IntPtr NextProgram(IntPtr obj, IntPtr previous);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_object__next_map")]
    public static partial IntPtr NextMap(IntPtr obj, IntPtr previous);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__name")]
    public static partial IntPtr ProgramName(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__section_name")]
    public static partial IntPtr ProgramSection(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__fd")]
    public static partial int ProgramFd(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__type")]
    public static partial int ProgramType(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ProgramAutoload(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__set_autoload")]
    public static partial int SetProgramAutoload(IntPtr prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__set_log_buf")]
    public static partial int SetProgramLogBuffer(IntPtr prog, byte* buffer, nuint size);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach", SetLastError = true)]
    public static partial IntPtr Attach(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_xdp", SetLastError = true)]
    public static partial IntPtr AttachXdp(IntPtr prog, int ifindex);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_cgroup", SetLastError = true)]
    public static partial IntPtr AttachCgroup(IntPtr prog, int cgroupFd);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_tracepoint", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr AttachTracepoint(IntPtr prog, string category, string name);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_raw_tracepoint", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr AttachRawTracepoint(IntPtr prog, string name);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_perf_event", SetLastError = true)]
    public static partial IntPtr AttachPerfEvent(IntPtr prog, int perfEventFd);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_uprobe", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr AttachUprobe(IntPtr prog, [MarshalAs(UnmanagedType.U1)] bool retprobe, int pid, string binaryPath, nuint funcOffset);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int PinProgram(IntPtr prog, string path);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__name")]
    public static partial IntPtr MapName(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__fd")]
    public static partial int MapFd(IntPtr map);

    /// <summary>The map's initial contents (.rodata/.data/.bss), writable until the object is loaded.</summary>
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__initial_value")]
    public static partial IntPtr MapInitialValue(IntPtr map, nuint* size);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__max_entries")]
    public static partial uint MapMaxEntries(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__key_size")]
    public static partial uint MapKeySize(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__value_size")]
    public static partial uint MapValueSize(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__type")]
    public static partial int MapType(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__map_flags")]
    public static partial uint MapFlags(IntPtr map);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__insn_cnt")]
    public static partial nuint ProgramInstructionCount(IntPtr prog);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__set_max_entries")]
    public static partial int SetMapMaxEntries(IntPtr map, uint maxEntries);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_map__pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int PinMap(IntPtr map, string path);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_link__destroy")]
    public static partial int DestroyLink(IntPtr link);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_link__fd")]
    public static partial int LinkFd(IntPtr link);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_link__pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int PinLink(IntPtr link, string path);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_bpf_prog_type_str")]
    public static partial IntPtr ProgramTypeString(int type);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_bpf_map_type_str")]
    public static partial IntPtr MapTypeString(int type);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_bpf_link_type_str")]
    public static partial IntPtr LinkTypeString(int type);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_bpf_attach_type_str")]
    public static partial IntPtr AttachTypeString(int type);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_num_possible_cpus")]
    public static partial int PossibleCpus();

    public static string? Utf8(IntPtr p) => p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
}

/// <summary>libbpf attach calls that take option structs, and the tc (cls_bpf) hook API.</summary>
internal static unsafe partial class LibBpfAttachApi
{
    /// <summary>struct bpf_uprobe_opts (libbpf 1.x).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UprobeOptions
    {
        public nuint Size;
        public nuint RefCounterOffset;
        public ulong Cookie;
        [MarshalAs(UnmanagedType.U1)] public bool Retprobe;
        public byte* FunctionName;
    }

    /// <summary>struct bpf_tc_hook.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TcHook
    {
        public nuint Size;
        public int IfIndex;
        public int AttachPoint; // 1 ingress, 2 egress
        public uint Parent;
    }

    /// <summary>struct bpf_tc_opts.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TcOptions
    {
        public nuint Size;
        public int ProgramFd;
        public uint Flags;
        public uint ProgramId;
        public uint Handle;
        public uint Priority;
    }

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_uprobe_opts", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr AttachUprobe(IntPtr prog, int pid, string binaryPath, nuint funcOffset, UprobeOptions* options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_program__attach_iter", SetLastError = true)]
    public static partial IntPtr AttachIter(IntPtr prog, void* options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_tc_hook_create")]
    public static partial int TcHookCreate(TcHook* hook);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_tc_hook_destroy")]
    public static partial int TcHookDestroy(TcHook* hook);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_tc_attach")]
    public static partial int TcAttach(TcHook* hook, TcOptions* options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "bpf_tc_detach")]
    public static partial int TcDetach(TcHook* hook, TcOptions* options);
}
