using System.Management.Automation;
using System.Xml.Linq;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// Measure-BpfCpuProfile and Measure-BpfOffCpuTime as pwsh users and the MCP bridge run them:
/// samples as objects, a flame graph file, background jobs, and bad -OutFile names refused before
/// anything loads.
/// </summary>
public sealed class MeasureBpfProfileCommandsTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public void CpuProfileNamesTheHotFunctionAndWritesAFlameGraph()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var workload = new ProfiledWorkload("profile_burner.c").Start("20");
        var svg = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-{Guid.NewGuid():N}.svg");
        using var ps = new PowerShellSession();
        try
        {
            var output = ps.Ok("Measure-BpfCpuProfile -ProcessId $p -Duration 2 -Frequency 199 -OutFile $f -InformationVariable info; $info", Vars(("p", workload.Pid), ("f", svg)));
            KernelPrograms.AssertReturnsTo(before);
            var samples = output.Select(o => o.BaseObject).OfType<BpfStackSample>().ToList();
            Assert.NotEmpty(samples);
            Assert.All(samples, s => Assert.Equal(workload.Pid, s.ProcessId));
            Assert.Equal(samples.OrderByDescending(s => s.Count), samples); // heaviest first
            Assert.Contains("burner_inner", samples[0].Frames);
            Assert.InRange(samples.Sum(s => s.Percent), 99.0, 101.0);
            var summary = (BpfTraceSummary)output.Select(o => o.BaseObject).OfType<InformationRecord>().Single().MessageData;
            Assert.Equal([svg], summary.Files);
            Assert.Equal(samples.Count, summary.Events);
            var document = XDocument.Load(svg);
            Assert.Equal("svg", document.Root!.Name.LocalName);
            Assert.Contains("burner_inner", document.ToString());
        }
        finally
        {
            File.Delete(svg);
        }
    }

    [Fact]
    public void OffCpuTimeInTheBackgroundIsReturnedByStopBpfTrace()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var workload = new ProfiledWorkload("usleep_loop.c").Start("20");
        using var ps = new PowerShellSession();
        var job = (BpfTraceJob)ps.Ok("Measure-BpfOffCpuTime -AsJob -ProcessId $p -Duration 60", Vars(("p", workload.Pid))).Single().BaseObject;
        Thread.Sleep(1500);
        var samples = ps.Ok("Stop-BpfTrace -TraceId $t", Vars(("t", job.TraceId))).Select(o => (BpfStackSample)o.BaseObject).ToList();
        KernelPrograms.AssertReturnsTo(before);
        Assert.Equal(JobState.Stopped, job.State);
        Assert.NotEmpty(samples);
        var blocked = samples.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.BlockedTime!.Value);
        Assert.True(blocked > TimeSpan.FromMilliseconds(500), $"{blocked} blocked in 1.5 s of a sleep loop");
        Assert.Contains(samples, s => s.Frames.Any(f => f.Contains("nanosleep", StringComparison.Ordinal)));
        ps.Ok("Remove-Job -Id $id", Vars(("id", job.Id)));
    }

    [Theory]
    [InlineData("profile.png", "UnsupportedOutFile")]
    [InlineData("/nonexistent-dir/profile.svg", "OutFileDirectoryNotFound")]
    public void BadOutFileIsRefusedBeforeAnythingLoads(string outFile, string errorId)
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var ps = new PowerShellSession();
        var error = ps.Fails("Measure-BpfCpuProfile -Duration 1 -OutFile $f", Vars(("f", outFile)));
        Assert.Equal($"{errorId},EbpfMcp.Tracers.MeasureBpfCpuProfileCommand", error.FullyQualifiedErrorId);
        KernelPrograms.AssertReturnsTo(before);
    }
}
