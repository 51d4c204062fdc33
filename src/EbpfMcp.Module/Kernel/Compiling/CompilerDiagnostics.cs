using System.Text.RegularExpressions;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// Reads clang's diagnostics ("file:line:column: severity: message", colour and carets off) and
/// keeps only those about the source file itself. Lines about other files, "In file included
/// from" chains and anything else the compiler printed are dropped: a header's text must never
/// reach the caller through a diagnostic (an include of a secret file would otherwise print it).
/// </summary>
internal static partial class CompilerDiagnostics
{
    public static IReadOnlyList<BpfCompilerDiagnostic> Parse(string output, string compiledName, string reportedName)
    {
        var diagnostics = new List<BpfCompilerDiagnostic>();
        foreach (var line in output.Split('\n'))
        {
            var m = Diagnostic().Match(line.TrimEnd('\r'));
            if (m.Success && m.Groups["file"].Value == compiledName)
            {
                diagnostics.Add(new BpfCompilerDiagnostic
                {
                    File = reportedName,
                    Line = int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    Column = int.Parse(m.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    Severity = m.Groups["severity"].Value,
                    Message = m.Groups["message"].Value,
                });
            }
        }
        return diagnostics;
    }

    [GeneratedRegex(@"^(?<file>[^:]+):(?<line>\d+):(?<column>\d+): (?<severity>fatal error|error|warning|note|remark): (?<message>.*)$")]
    private static partial Regex Diagnostic();
}
