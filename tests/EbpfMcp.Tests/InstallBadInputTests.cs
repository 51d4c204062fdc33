using System.Management.Automation;
using EbpfMcp.Native;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// Every kind of bad input gets a stable error id, a fitting category and the path as target,
/// and leaves no program or map of ours in the kernel.
/// </summary>
public sealed class InstallBadInputTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("ebpf-mcp-bad-").FullName;
    private readonly HashSet<uint> programsBefore;
    private readonly HashSet<uint> mapsBefore;

    public InstallBadInputTests()
    {
        KernelPrerequisites.Require();
        programsBefore = KernelPrograms.Ids();
        mapsBefore = KernelPrograms.MapIds();
    }

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private ErrorRecord InstallFails(string path, string extra = "")
    {
        using var ps = new PowerShellSession();
        var error = ps.Fails($"Install-BpfProgram -Path $p {extra}", new Dictionary<string, object?> { ["p"] = path });
        KernelPrograms.AssertReturnsTo(programsBefore);
        KernelPrograms.AssertReturnsTo(mapsBefore, KernelPrograms.MapIds);
        return error;
    }

    private static void AssertError(ErrorRecord error, string id, ErrorCategory category)
    {
        Assert.Equal($"{id},EbpfMcp.Commands.InstallBpfProgramCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.False(string.IsNullOrWhiteSpace(error.Exception.Message));
    }

    [Fact]
    public void MissingFile()
    {
        var path = Path.Combine(scratch, "nope.bpf.o");
        var error = InstallFails(path);
        AssertError(error, "ObjectFileNotFound", ErrorCategory.ObjectNotFound);
        Assert.Equal(path, error.TargetObject);
    }

    [Fact]
    public void Directory_()
    {
        AssertError(InstallFails(scratch), "PathIsDirectory", ErrorCategory.InvalidArgument);
    }

    [Fact]
    public void EmptyFile()
    {
        var path = Path.Combine(scratch, "empty.bpf.o");
        File.WriteAllBytes(path, []);
        AssertError(InstallFails(path), "EmptyObjectFile", ErrorCategory.InvalidData);
    }

    [Fact]
    public void RandomBytes()
    {
        var path = Path.Combine(scratch, "random.bpf.o");
        File.WriteAllBytes(path, new Random(42).GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 4096));
        AssertError(InstallFails(path), "NotElf", ErrorCategory.InvalidData);
    }

    [Fact]
    public void ElfThatIsNotBpf()
    {
        var error = InstallFails("/usr/bin/true");
        AssertError(error, "NotBpfElf", ErrorCategory.InvalidData);
        Assert.Contains("x86_64", error.Exception.Message);
    }

    [Fact]
    public void TruncatedObject()
    {
        var path = Path.Combine(scratch, "truncated.bpf.o");
        var whole = File.ReadAllBytes(TestObjects.Counter);
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
        AssertError(InstallFails(path), "TruncatedObject", ErrorCategory.InvalidData);
    }

    [Fact]
    public void ObjectTheVerifierRejectsCarriesTheVerifierLog()
    {
        var error = InstallFails(TestObjects.VerifierReject);
        AssertError(error, "VerifierRejected", ErrorCategory.InvalidData);
        var e = Assert.IsType<BpfException>(error.Exception);
        Assert.Contains("deref_without_check", e.Message);
        Assert.NotNull(e.VerifierLog);
        // The kernel's own words about the unchecked map value.
        Assert.Contains("invalid mem access 'map_value_or_null'", e.VerifierLog);
        Assert.True(e.VerifierLog!.Split('\n').Length <= 41, "the log is trimmed to its useful end");
        Assert.NotNull(error.ErrorDetails?.RecommendedAction);
    }

    [Fact]
    public void ProgramTypeTheKernelCannotLoad()
    {
        // BPF LSM is not enabled on this kernel (probe: libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_LSM)).
        if (EbpfMcp.Kernel.Features.FeatureProbe.ProgramTypeSupported(29) == true)
        {
            Assert.Skip("This kernel supports BPF LSM programs (probe says BPF_PROG_TYPE_LSM loads), so an LSM object is not an unsupported type here.");
        }
        var error = InstallFails(TestObjects.LsmHook);
        AssertError(error, "ProgramTypeUnsupported", ErrorCategory.NotEnabled);
        Assert.Contains("lsm", error.Exception.Message);
    }

    [Fact]
    public void ObjectWithoutBtf()
    {
        var error = InstallFails(TestObjects.NoBtf);
        AssertError(error, "MissingBtf", ErrorCategory.InvalidData);
        Assert.Contains("BTF is required", ((BpfException)error.Exception).LibbpfLog);
    }

    [Fact]
    public void CoreRelocationAgainstTypesTheKernelLacks()
    {
        var error = InstallFails(TestObjects.CoreMissing);
        AssertError(error, "CoreRelocationFailed", ErrorCategory.NotImplemented);
        Assert.Contains("struct ebpf_mcp_no_such_kernel_type.no_such_field", error.Exception.Message);
    }

    [Fact]
    public void WithoutCapabilitiesTheKernelRefuses()
    {
        var error = ThreadWithoutCapabilities.Run(() => InstallFails(TestObjects.Counter));
        AssertError(error, "PermissionDenied", ErrorCategory.PermissionDenied);
        Assert.Contains("CAP_BPF", error.Exception.Message);
    }

    [Fact]
    public void WrongSha256IsRefusedBeforeLoading()
    {
        var error = InstallFails(TestObjects.Counter, "-Sha256 " + new string('0', 64));
        AssertError(error, "Sha256Mismatch", ErrorCategory.SecurityError);
    }

    [Fact]
    public void UnknownProgramName()
    {
        var error = InstallFails(TestObjects.Counter, "-Program nosuch");
        AssertError(error, "ProgramNotFound", ErrorCategory.ObjectNotFound);
        Assert.Contains("count_getpgid", error.Exception.Message);
    }

    [Fact]
    public void PinPathOutsideBpffs()
    {
        var error = InstallFails(TestObjects.Counter, $"-PinPath '{scratch}'");
        AssertError(error, "PinPathNotOnBpffs", ErrorCategory.InvalidArgument);
    }

    [Fact]
    public void AttachFailureUnwindsTheWholeInstallation()
    {
        // Loading succeeds (program and map exist for a moment), then attaching fails: both must go.
        var error = InstallFails(TestObjects.Object("socket_filter"), "-Attach");
        AssertError(error, "AttachTargetRequired", ErrorCategory.InvalidArgument);
    }
}
