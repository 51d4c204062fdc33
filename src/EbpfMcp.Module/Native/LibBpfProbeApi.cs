// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>libbpf's feature probes: 1 supported, 0 not, negative errno when the probe failed.</summary>
internal static partial class LibBpfProbeApi
{
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_probe_bpf_prog_type")]
    public static partial int ProbeProgramType(int programType, IntPtr options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_probe_bpf_map_type")]
    public static partial int ProbeMapType(int mapType, IntPtr options);

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_probe_bpf_helper")]
    public static partial int ProbeHelper(int programType, int helperId, IntPtr options);
}
