using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// The C source did not compile. The compiler's messages about the source itself are in
/// <see cref="Diagnostics"/> (file, line, column, severity, message); the message names the first errors.
/// </summary>
public sealed class BpfCompilationException : Exception
{
    public const string Id = "CompilationFailed";

    internal BpfCompilationException(string source, IReadOnlyList<BpfCompilerDiagnostic> diagnostics, string? reason = null)
        : base(Describe(source, diagnostics, reason))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Stable identifier of the error record: "CompilationFailed".</summary>
    public string ErrorId => Id;

    public IReadOnlyList<BpfCompilerDiagnostic> Diagnostics { get; }

    private static string Describe(string source, IReadOnlyList<BpfCompilerDiagnostic> diagnostics, string? reason)
    {
        var errors = diagnostics.Where(d => d.Severity.EndsWith("error", StringComparison.Ordinal)).ToList();
        var message = $"'{source}' did not compile{(reason is null ? "" : ": " + reason)}";
        if (errors.Count == 0)
        {
            return message + ".";
        }
        // The first few errors are what a reader acts on; all of them are in Diagnostics.
        var shown = string.Join("; ", errors.Take(3).Select(e => $"line {e.Line}, column {e.Column}: {e.Message}"));
        return $"{message}: {errors.Count} error(s). {shown}{(errors.Count > 3 ? "; ..." : "")}";
    }
}
