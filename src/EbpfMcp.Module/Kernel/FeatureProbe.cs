using EbpfMcp.Native;

namespace EbpfMcp.Kernel;

/// <summary>Asks the kernel (through libbpf's probes, which load tiny programs and maps) what it supports.</summary>
internal static partial class FeatureProbe
{
    /// <summary>true/false from the kernel; null when the probe itself could not run (e.g. no permission).</summary>
    public static bool? ProgramTypeSupported(int programType)
    {
        int rc = LibBpfProbeApi.ProbeProgramType(programType, IntPtr.Zero);
        return rc switch
        {
            1 => true,
            0 => false,
            _ => null,
        };
    }
}
