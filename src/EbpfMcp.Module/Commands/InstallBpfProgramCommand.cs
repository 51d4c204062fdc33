using System.Management.Automation;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Loading;
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
    private const string PathSet = "Path", UriSet = "Uri";

    /// <summary>The BPF ELF object file (.bpf.o).</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Download the object over https (size- and time-capped) instead of reading a file.</summary>
    [Parameter(ParameterSetName = UriSet, Mandatory = true)]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>Accept plain http for -Uri, and only from a loopback host (for tests and local mirrors).</summary>
    [Parameter(ParameterSetName = UriSet)]
    public SwitchParameter AllowHttp { get; set; }

    /// <summary>Largest download accepted, in bytes (default 16 MiB).</summary>
    [Parameter(ParameterSetName = UriSet)]
    [ValidateRange(1024, 1024L * 1024 * 1024)]
    public long MaxDownloadBytes { get; set; } = ObjectDownloader.DefaultMaxBytes;

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

    /// <summary>Attach tracepoint programs to this tracepoint (category:name) instead of the one their section names.</summary>
    [Parameter]
    [ValidatePattern("^[A-Za-z0-9_]+:[A-Za-z0-9_]+$")]
    public string? Tracepoint { get; set; }

    /// <summary>For uprobe programs: the binary (or library) to probe.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Binary { get; set; }

    /// <summary>For uprobe programs: the function of -Binary to probe.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Symbol { get; set; }

    /// <summary>Network interface to attach XDP and tc programs to.</summary>
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

    /// <summary>Who may uninstall it (default: this process). The MCP bridge passes its session here.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    // Ctrl+C (or MCP cancellation) during a download cancels it.
    private readonly CancellationTokenSource stopping = new();

    protected override void StopProcessing() => stopping.Cancel();

    protected override void ProcessRecord()
    {
        string? downloaded = null;
        var source = Uri?.ToString() ?? GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(source, Attach ? "Load and attach BPF programs" : "Load BPF programs"))
        {
            return;
        }
        try
        {
            if (Uri is not null)
            {
                WriteVerbose($"Downloading {Uri}.");
                downloaded = ObjectDownloader.DownloadAsync(Uri, AllowHttp, MaxDownloadBytes, TimeSpan.FromSeconds(30), stopping.Token).GetAwaiter().GetResult();
            }
            WriteVerbose($"Loading BPF object '{source}'.");
            var installation = BpfObjectLoader.Install(new InstallRequest
            {
                Path = downloaded ?? source,
                Source = source,
                ExpectedSha256 = Sha256,
                ProgramNames = Program,
                Attach = Attach,
                PinPath = PinPath,
                Targets = new AttachTargets { Interface = Interface, Cgroup = Cgroup, SampleFrequency = SampleFrequency, Tracepoint = Tracepoint, Binary = Binary, Symbol = Symbol },
                Owner = Owner ?? InstallationRegistry.ProcessOwner,
            });
            WriteVerbose($"Installed {installation.Id}: {installation.ProgramCount} program(s), {installation.MapCount} map(s).");
            WriteObject(installation);
        }
        catch (BpfException e)
        {
            Terminate(e, source);
        }
        catch (HttpRequestException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "DownloadFailed", ErrorCategory.ConnectionError, source));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (TaskCanceledException e)
        {
            ThrowTerminatingError(new ErrorRecord(new TimeoutException($"Downloading {source} took longer than 30 s.", e), "DownloadTimedOut", ErrorCategory.OperationTimeout, source));
        }
        finally
        {
            if (downloaded is not null)
            {
                File.Delete(downloaded);
            }
        }
    }
}
