using System.Management.Automation;
using EbpfMcp.Kernel.Compiling;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Loading;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Install-BpfProgram: loads a CO-RE BPF object into the kernel, optionally attaches and pins it.
/// A C source (a name ending in .c) is compiled first with the clang found on PATH.
/// The programs belong to this process until Uninstall-BpfProgram or process exit.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "BpfProgram", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BpfInstallation))]
public sealed class InstallBpfProgramCommand : BpfCmdlet
{
    private const string PathSet = "Path", UriSet = "Uri";

    /// <summary>The BPF ELF object file (.bpf.o), or a C source (.c) to compile into one.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Download the object (or a .c source) over https (size- and time-capped) instead of reading a file.</summary>
    [Parameter(ParameterSetName = UriSet, Mandatory = true)]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>Accept plain http for -Uri, and only from a loopback host (for tests and local mirrors).</summary>
    [Parameter(ParameterSetName = UriSet)]
    public SwitchParameter AllowHttp { get; set; }

    /// <summary>Largest object accepted, in bytes, from a file or a download (default 16 MiB).</summary>
    [Parameter]
    [Alias("MaxDownloadBytes")]
    [ValidateRange(1024, 1024L * 1024 * 1024)]
    public long MaxObjectBytes { get; set; } = ObjectDownloader.DefaultMaxBytes;

    /// <summary>Seconds the whole download (headers and body) may take (default 30).</summary>
    [Parameter(ParameterSetName = UriSet)]
    [ValidateRange(1, 300)]
    public int TimeoutSec { get; set; } = ObjectDownloader.DefaultTimeoutSeconds;

    /// <summary>
    /// Load only from these directories (compared with the file's real path, links resolved) or URLs
    /// (scheme, host and port exactly, path by segments; every redirect too).
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public string[]? AllowedSource { get; set; }

    /// <summary>Refuse, before loading, an object with more programs than this.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxPrograms { get; set; }

    /// <summary>Refuse, before loading, an object with more maps than this.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxMaps { get; set; }

    /// <summary>Refuse, before loading, an object whose maps and programs would lock more kernel memory than this (bytes).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? MaxMemlockBytes { get; set; }

    /// <summary>Refuse C sources instead of compiling them (the MCP bridge sets this unless started with --allow-compile).</summary>
    [Parameter]
    public SwitchParameter NoCompile { get; set; }

    /// <summary>Refuse the object (for a C source: the source) unless its SHA-256 is this (hex).</summary>
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
        // Paths are resolved the way PowerShell resolves them (drives, ~, \ as a separator, the
        // current location) exactly once; everything after works on the result.
        var source = Uri?.ToString() ?? FileSystemPath(Path, nameof(Path));
        if (!ShouldProcess(source, Attach ? "Load and attach BPF programs" : "Load BPF programs"))
        {
            return;
        }
        try
        {
            var policy = SourcePolicy.From(AllowedSource?.Select(a => a.Contains("://", StringComparison.Ordinal) ? a : FileSystemPath(a, nameof(AllowedSource))).ToArray());
            byte[] bytes;
            string objectName;
            if (Uri is not null)
            {
                WriteVerbose($"Downloading {Uri}.");
                bytes = ObjectDownloader.DownloadAsync(Uri, AllowHttp, MaxObjectBytes, TimeSpan.FromSeconds(TimeoutSec), policy, stopping.Token).GetAwaiter().GetResult();
                objectName = Uri.Segments.LastOrDefault() ?? "object";
            }
            else
            {
                var file = ObjectFile.Read(source, policy, MaxObjectBytes);
                if (file.RealPath != source)
                {
                    WriteVerbose($"'{source}' is really '{file.RealPath}'.");
                }
                bytes = file.Bytes;
                objectName = file.RealPath;
            }
            var expectedSha256 = Sha256;
            if (CSource.IsCSource(objectName))
            {
                BpfObjectLoader.CheckSha256(bytes, Sha256, source);
                bytes = Compile(source, System.IO.Path.GetFileName(objectName), bytes, Uri is null ? System.IO.Path.GetDirectoryName(objectName) : null, policy);
                objectName = objectName[..^2] + ".o";
                expectedSha256 = null;
            }
            WriteVerbose($"Loading BPF object '{source}' ({bytes.Length} bytes).");
            var installation = BpfObjectLoader.Install(new InstallRequest
            {
                Bytes = bytes,
                ObjectName = System.IO.Path.GetFileName(objectName),
                Source = source,
                ExpectedSha256 = expectedSha256,
                ProgramNames = Program,
                Attach = Attach,
                PinPath = PinPath is null ? null : FileSystemPath(PinPath, nameof(PinPath)),
                Targets = new AttachTargets { Interface = Interface, Cgroup = Cgroup, SampleFrequency = SampleFrequency, Tracepoint = Tracepoint, Binary = Binary is null ? null : FileSystemPath(Binary, nameof(Binary)), Symbol = Symbol },
                Budget = new InstallBudget(MaxPrograms, MaxMaps, MaxMemlockBytes),
                Owner = Owner ?? InstallationRegistry.ProcessOwner,
            });
            WriteVerbose($"Installed {installation.Id}: {installation.ProgramCount} program(s), {installation.MapCount} map(s).");
            WriteObject(installation);
        }
        catch (BpfException e)
        {
            Terminate(e, source);
        }
        catch (BpfCompilationException e)
        {
            // The diagnostics (file, line, column, severity, message) stay on the exception, where Get-Error and the bridge show them.
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId, ErrorCategory.InvalidData, source)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Fix the source at the lines the exception's Diagnostics name, then install it again." },
            });
        }
        catch (HttpRequestException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "DownloadFailed", ErrorCategory.ConnectionError, source));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Compiles a C source (read once, with its own headers) into an object, or takes it from the cache.</summary>
    private byte[] Compile(string source, string name, byte[] bytes, string? directory, SourcePolicy policy)
    {
        if (NoCompile)
        {
            throw new BpfException("PolicyDenied", $"'{source}' is a C source, and compiling is disabled here (-NoCompile; the MCP bridge compiles only when started with --allow-compile). Install the compiled .bpf.o instead.");
        }
        var result = SourceCompiler.Compile(CSource.Gather(name, bytes, directory, policy, MaxObjectBytes), name, stopping.Token);
        WriteVerbose(result.FromCache
            ? $"Using the object compiled earlier from the same inputs as '{source}' (SHA-256 of compiler, flags, source and headers: {result.Sha256})."
            : $"Compiled '{source}' with {result.Compiler} into {result.Object.Length} bytes.");
        return result.Object;
    }

    /// <summary>A path as PowerShell resolves it (not expanding wildcards); only file-system paths are accepted.</summary>
    private string FileSystemPath(string path, string parameter)
    {
        var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.Name != "FileSystem")
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{parameter} '{path}' is a {provider.Name} path, not a file-system path."), "PathNotFileSystem", ErrorCategory.InvalidArgument, path));
        }
        return resolved;
    }
}
