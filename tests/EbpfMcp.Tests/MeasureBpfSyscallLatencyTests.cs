using System.Management.Automation;
using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// A child with a unique name makes a known set of system calls (200 nanosleeps of 5 ms, 7 failing
/// closes); the tracer must count them exactly and put the sleeps where their time is.
/// </summary>
public sealed class MeasureBpfSyscallLatencyTests
{
    private const ulong FourMsBucketLow = 1UL << 22, FourMsBucketHigh = (1UL << 23) - 1; // 4.19–8.39 ms in ns

    [Fact]
    public async Task SleepsAreCountedExactlyWithTheirMedianInTheFourToEightMillisecondBucket()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("timed_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfSyscallLatency -Duration 5 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "syslat_", before);
        var (_, exit) = helper.Run("200", "5", "7");
        Assert.Equal(0, exit);
        var result = await trace;

        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        var rows = result.Output.Select(o => (BpfSyscallLatency)o.BaseObject).ToList();
        var sleeps = rows[0]; // most total time first
        Assert.Equal(("nanosleep", 35, 200UL, 0UL), (sleeps.Syscall, sleeps.SyscallNumber, sleeps.Count, sleeps.Errors));
        Assert.InRange(sleeps.P50, Ns(FourMsBucketLow), Ns(FourMsBucketHigh));
        var histogram = sleeps.Histogram;
        Assert.Equal(("syscall latency", "nsecs", "nanosleep", 200UL), (histogram.Name, histogram.Unit, histogram.Key, histogram.Count));
        Assert.Equal(200UL, histogram.Buckets.Aggregate(0UL, (sum, b) => sum + b.Count));
        Assert.Contains(histogram.Buckets, b => b.Low == FourMsBucketLow && b.High == FourMsBucketHigh && b.Count >= 100);
        // nanosleep never returns early; the exact total, min and max frame the estimates.
        Assert.True(histogram.Min >= TimeSpan.FromMilliseconds(5), $"min {histogram.Min}");
        Assert.True(sleeps.TotalTime >= TimeSpan.FromMilliseconds(1000), $"total {sleeps.TotalTime}");
        Assert.True(histogram.Min <= sleeps.P50 && sleeps.P50 <= histogram.P90 && histogram.P90 <= sleeps.P99 && sleeps.P99 <= sleeps.Max);
        Assert.Equal(sleeps.Max, histogram.Max);

        var closes = Assert.Single(rows, r => r.Syscall == "close");
        Assert.Equal((7UL, 7UL), (closes.Count, closes.Errors));
        Assert.True(closes.P99 < TimeSpan.FromMilliseconds(1), $"close(-1) P99 {closes.P99}");
        Assert.Equal(rows.OrderByDescending(r => r.TotalTime).Select(r => r.Syscall), rows.Select(r => r.Syscall));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task TheHistogramIsDrawnAsBarsByItsViewAndItsText()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("timed_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfSyscallLatency -Duration 3 -ProcessName $n -Syscall nanosleep", new Dictionary<string, object?> { ["n"] = helper.Name }, "syslat_", before);
        helper.Run("20", "5", "3");
        var row = (BpfSyscallLatency)Assert.Single((await trace).Output).BaseObject; // -Syscall: the closes are not timed
        Assert.Equal((20UL, "nanosleep"), (row.Count, row.Syscall));

        // The default view of BpfHistogram (pwsh's Out-String is not in this engine: its expression is run instead).
        var formats = System.Xml.Linq.XDocument.Load(Path.Combine(Path.GetDirectoryName(TestObjects.ModuleManifest)!, "EbpfMcp.format.ps1xml"));
        var view = formats.Descendants("View").Single(v => v.Element("Name")!.Value == typeof(BpfHistogram).FullName);
        var drawn = ps.Ok("$h | ForEach-Object ([scriptblock]::Create($s))", new Dictionary<string, object?> { ["h"] = row.Histogram, ["s"] = view.Descendants("ScriptBlock").Single().Value });
        var text = row.Histogram.ToString();
        Assert.Equal(text, Assert.Single(drawn).BaseObject);
        Assert.StartsWith("syscall latency, nanosleep: 20 counted, P50 ", text);
        Assert.Matches(@"nsecs\s+: count\s+distribution", text);
        Assert.Matches($@"\n\s*{FourMsBucketLow} -> {FourMsBucketHigh}\s*: \d+\s+\|\*+\s*\|", text);
        var bars = text.Split('\n').Skip(2).Select(l => l[(l.IndexOf('|') + 1)..l.LastIndexOf('|')]).ToList();
        Assert.All(bars, b => Assert.Equal(40, b.Length));
        Assert.Contains(new string('*', 40), bars); // the fullest bucket fills the bar
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task OverMcpOneCallGivesTheDistributionAsNumbersWithItsSchema()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("timed_syscalls.c");
        await using var client = await BridgeProcess.StdioClientAsync();
        var before = KernelPrograms.Ids();
        var tool = (await client.ListToolsAsync()).Single(t => t.Name == "Measure-BpfSyscallLatency").ProtocolTool;
        // Schemas are one level deep (tools/list stays small): the histogram is an object of numbers.
        var histogramSchema = tool.OutputSchema!.Value.GetProperty("properties").GetProperty("items").GetProperty("items").GetProperty("properties").GetProperty("Histogram");
        Assert.Equal("object", histogramSchema.GetProperty("type").GetString());
        Assert.True(tool.Annotations!.ReadOnlyHint);

        var call = client.CallToolAsync("Measure-BpfSyscallLatency", new Dictionary<string, object?> { ["Duration"] = 3, ["ProcessName"] = helper.Name, ["Syscall"] = "nanosleep" }).AsTask();
        while (!KernelPrograms.List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith("syslat_", StringComparison.Ordinal)))
        {
            Assert.False(call.IsCompleted, "the call ended before its programs attached");
            await Task.Delay(20);
        }
        helper.Run("20", "5", "0");
        var result = await call;

        Assert.NotEqual(true, result.IsError);
        // The text block draws the distribution the way runqlat-style tools do.
        Assert.Matches(@"nsecs\s+: count\s+distribution", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(result.Content[0]).Text);
        var row = Assert.Single(result.StructuredContent!.Value.GetProperty("items").EnumerateArray());
        Assert.Equal(("nanosleep", 20), (row.GetProperty("Syscall").GetString(), row.GetProperty("Count").GetInt32()));
        Assert.InRange(row.GetProperty("P50").GetDouble(), FourMsBucketLow / 1e9, FourMsBucketHigh / 1e9); // TimeSpan: seconds
        var buckets = row.GetProperty("Histogram").GetProperty("Buckets").EnumerateArray().ToList();
        Assert.Equal(20UL, buckets.Aggregate(0UL, (sum, b) => sum + b.GetProperty("Count").GetUInt64()));
        Assert.Contains(buckets, b => b.GetProperty("Low").GetUInt64() == FourMsBucketLow && b.GetProperty("High").GetUInt64() == FourMsBucketHigh);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void UnknownSyscallsAreRefusedBeforeAnythingLoads()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var error = ps.Fails("Measure-BpfSyscallLatency -Duration 1 -Syscall nosuchcall");
        Assert.Equal("UnknownSyscall,EbpfMcp.Tracers.MeasureBpfSyscallLatencyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("UnknownSyscall,EbpfMcp.Tracers.MeasureBpfSyscallLatencyCommand", ps.Fails("Measure-BpfSyscallLatency -Duration 1 -Syscall 4096").FullyQualifiedErrorId);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task InTheBackgroundTheCountsSoFarCanBeReceivedAndStoppingGivesTheFinalOnes()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("timed_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var job = (BpfTraceJob)ps.Ok("Measure-BpfSyscallLatency -AsJob -Duration 120 -ProcessName $n -Syscall nanosleep", new Dictionary<string, object?> { ["n"] = helper.Name }).Single().BaseObject;
        while (!KernelPrograms.List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith("syslat_", StringComparison.Ordinal)))
        {
            await Task.Delay(20);
        }
        helper.Run("10", "1", "0");

        using var other = new PowerShellSession();
        var soFar = (BpfSyscallLatency)other.Ok("Receive-BpfTrace -TraceId $t", new Dictionary<string, object?> { ["t"] = job.TraceId }).Single().BaseObject;
        Assert.Equal(10UL, soFar.Count);
        helper.Run("5", "1", "0");
        var final = (BpfSyscallLatency)other.Ok("Stop-BpfTrace -TraceId $t", new Dictionary<string, object?> { ["t"] = job.TraceId }).Single().BaseObject;
        Assert.Equal(15UL, final.Count);
        Assert.Equal(JobState.Stopped, job.State);
        KernelPrograms.AssertReturnsTo(before);
        ps.Ok("Remove-Job -Id $id", new Dictionary<string, object?> { ["id"] = job.Id });
    }

    [Fact]
    public void EveryDeclaredHookCountsTheSleepsAndFailures()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("timed_syscalls.c");
        var before = KernelPrograms.Ids();
        var config = new MeasureBpfSyscallLatencyCommand.SyscallLatencyConfig { process = ProcessFilterRecord.From(null, null, helper.Name), syscall = -1 };
        var hooks = TracerHooks.Of<MeasureBpfSyscallLatencyCommand>();
        Assert.Equal(["tp_btf", "raw_tp", "tracepoint"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            using (var kernel = TracerHooks.Start<MeasureBpfSyscallLatencyCommand>(hook, TracerHooks.Bytes(config)))
            {
                helper.Run("10", "1", "3");
                var bySyscall = HistogramMap.Read(kernel, "latency").ToDictionary(e => e.KeyUInt32);
                Assert.True(bySyscall.ContainsKey(35), $"{hook.Hook}: no nanosleep");
                Assert.Equal((10UL, 0UL), (bySyscall[35].Histogram.Count, bySyscall[35].Sum(HistogramErrorsOffset)));
                Assert.Equal((3UL, 3UL), (bySyscall[3].Histogram.Count, bySyscall[3].Sum(HistogramErrorsOffset)));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    private static readonly int HistogramErrorsOffset = (int)System.Runtime.InteropServices.Marshal.OffsetOf<MeasureBpfSyscallLatencyCommand.SyscallLatencyRecord>("errors");

    private static TimeSpan Ns(ulong ns) => TimeSpan.FromTicks((long)(ns / 100));
}
