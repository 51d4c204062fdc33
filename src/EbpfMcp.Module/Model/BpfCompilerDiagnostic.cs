namespace EbpfMcp.Model;

/// <summary>
/// One message the C compiler gave about the source of Install-BpfProgram -Path x.bpf.c: where
/// (File, Line, Column) and how bad (Severity: error, fatal error, warning, note, remark).
/// </summary>
public sealed class BpfCompilerDiagnostic
{
    /// <summary>The source's file name (only diagnostics of the source itself are reported).</summary>
    public string File { get; internal init; } = "";
    public int Line { get; internal init; }
    public int Column { get; internal init; }
    public string Severity { get; internal init; } = "";
    public string Message { get; internal init; } = "";

    public override string ToString() => $"{File}:{Line}:{Column}: {Severity}: {Message}";
}
