using System.Management.Automation;
using EbpfMcp.Kernel;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Install-BpfProgram: loads a CO-RE BPF object into the kernel, optionally attaches and pins it.
/// The programs belong to this process until Uninstall-BpfProgram or process exit.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "BpfProgram", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BpfInstallation))]
public sealed class InstallBpfProgramCommand : BpfCmdlet
{
    private const string PathSet = "Path";

    /// <summary>The BPF ELF object file (.bpf.o).</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Refuse the object unless its SHA-256 is this (hex).</summary>
    [Parameter]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>Attach every loaded program to the hook its section names (or the target given).</summary>
    [Parameter]
    public SwitchParameter Attach { get; set; }

    /// <summary>Load only these programs of the object (by function name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Program { get; set; }

    /// <summary>Pin programs, maps and links under this directory of a bpffs mount (/sys/fs/bpf/...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PinPath { get; set; }

    /// <summary>Network interface to attach XDP programs to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Interface { get; set; }

    /// <summary>cgroup v2 directory to attach cgroup programs to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Cgroup { get; set; }

    /// <summary>Samples per second per CPU for perf_event programs.</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int SampleFrequency { get; set; } = 49;

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, Attach ? "Load and attach BPF programs" : "Load BPF programs"))
        {
            return;
        }
        try
        {
            WriteVerbose($"Loading BPF object '{path}'.");
            var installation = BpfObjectLoader.Install(new InstallRequest
            {
                Path = path,
                Source = path,
                ExpectedSha256 = Sha256,
                ProgramNames = Program,
                Attach = Attach,
                PinPath = PinPath,
                Targets = new AttachTargets { Interface = Interface, Cgroup = Cgroup, SampleFrequency = SampleFrequency },
                Owner = SessionState.PSVariable.GetValue(OwnerVariable) as string,
            });
            WriteVerbose($"Installed {installation.Id}: {installation.ProgramCount} program(s), {installation.MapCount} map(s).");
            WriteObject(installation);
        }
        catch (BpfException e)
        {
            Terminate(e, path);
        }
    }

    /// <summary>A host (the MCP bridge) sets this variable to tag installations with their owner.</summary>
    public const string OwnerVariable = "EbpfMcpOwner";
}
