using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>Writes a profile to a file in the format its name asks for: .svg, .folded or .pb.gz.</summary>
internal static class ProfileFiles
{
    public static readonly IReadOnlyList<string> Extensions = [".svg", ".folded", ".pb.gz"];

    /// <summary>True when the path names one of the formats (the cmdlet can refuse others before profiling).</summary>
    public static bool IsSupported(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Writes the file (replacing it) and returns its full path; throws UnsupportedOutFile for other names.</summary>
    public static string Write(StackProfile profile, string path)
    {
        if (!IsSupported(path))
        {
            throw new BpfException("UnsupportedOutFile", $"'{path}': the profile can be written as .svg (flame graph), .folded (collapsed stacks) or .pb.gz (pprof).", 22);
        }
        var full = Path.GetFullPath(path);
        using var file = new FileStream(full, FileMode.Create, FileAccess.Write);
        if (full.EndsWith(".pb.gz", StringComparison.OrdinalIgnoreCase))
        {
            PprofWriter.Write(profile, file);
            return full;
        }
        using var text = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (full.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            FlameGraphSvg.Write(profile, text);
        }
        else
        {
            FoldedStacks.Write(profile, text);
        }
        return full;
    }
}
