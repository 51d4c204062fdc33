using System.Management.Automation;

namespace EbpfMcp.TestModule;

public sealed class TestEcho
{
    public string Text { get; internal init; } = "";
    public int Index { get; internal init; }
    public string[] Tags { get; internal init; } = [];
    public string Mode { get; internal init; } = "";
}

/// <summary>Echoes its arguments back, with progress, verbose and warning records on the way.</summary>
[Cmdlet(VerbsCommon.Get, "BpfTestEcho")]
[OutputType(typeof(TestEcho))]
public sealed class GetBpfTestEchoCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Text { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 5)]
    public int Count { get; set; } = 1;

    [Parameter]
    [ValidateSet("plain", "loud")]
    public string Mode { get; set; } = "plain";

    [Parameter]
    public string[] Tag { get; set; } = [];

    [Parameter]
    public SwitchParameter Fail { get; set; }

    [Parameter]
    public SwitchParameter WriteNonTerminating { get; set; }

    protected override void ProcessRecord()
    {
        if (Fail)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"Asked to fail with '{Text}'."), "TestFailure", ErrorCategory.InvalidOperation, Text));
        }
        WriteVerbose($"echoing '{Text}' {Count} time(s)");
        WriteWarning("this is a test warning");
        for (int i = 0; i < Count; i++)
        {
            WriteProgress(new ProgressRecord(1, "Echo", $"item {i + 1} of {Count}") { PercentComplete = (i + 1) * 100 / Count });
            WriteObject(new TestEcho { Text = Mode == "loud" ? Text.ToUpperInvariant() : Text, Index = i, Tags = Tag, Mode = Mode });
        }
        if (WriteNonTerminating)
        {
            WriteError(new ErrorRecord(new InvalidOperationException("a non-terminating test error"), "TestNonTerminating", ErrorCategory.NotSpecified, null));
        }
    }
}
