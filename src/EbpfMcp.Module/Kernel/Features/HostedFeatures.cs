using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Features;

/// <summary>For hosts of the module (the MCP bridge): whether a command can work on this kernel.</summary>
public static class HostedFeatures
{
    /// <summary>Why the command cannot run on this kernel, or null when it can (or is not a tracer).</summary>
    public static string? UnavailableReason(string cmdlet)
    {
        Native.LibBpfLibrary.EnsureAvailable();
        return TracerCatalog.All.Any(t => t.Cmdlet == cmdlet) ? FeatureProbe.TracerUnavailableReason(cmdlet) : null;
    }
}
