using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// A loop device of the test's own (losetup, a test-only tool, over a file) and a child that reads it
/// 4 KiB at a time with O_DIRECT: each read is one block request, counted on that disk by name.
/// </summary>
public sealed class MeasureBpfBlockIoLatencyTests
{
    private const int Reads = 50;

    [Fact]
    public async Task DirectReadsOnALoopDeviceAreCountedOnThatDiskByName()
    {
        KernelPrerequisites.Require();
        using var loop = new LoopDevice();
        using var reader = new NativeHelper("direct_reads.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfBlockIoLatency -PerDisk -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = reader.Name }, "biolat_", before);
        Assert.Equal(0, reader.Run(loop.Device, Reads.ToString()).ExitCode);
        var result = await trace;

        Assert.Empty(result.Errors);
        var disk = (BpfHistogram)Assert.Single(result.Output).BaseObject;
        Assert.Equal(("block I/O latency", "usecs", loop.Name, (ulong)Reads), (disk.Name, disk.Unit, disk.Key, disk.Count));
        Assert.Equal((ulong)Reads, disk.Buckets.Aggregate(0UL, (sum, b) => sum + b.Count));
        Assert.True(disk.Min > TimeSpan.Zero && disk.Min <= disk.P50 && disk.P50 <= disk.Max, $"min {disk.Min}, P50 {disk.P50}, max {disk.Max}");
        Assert.True(disk.Total >= disk.Max);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task QueuedTimingCountsTheSameRequestsOnADeviceWithoutScheduler()
    {
        KernelPrerequisites.Require();
        using var loop = new LoopDevice();
        using var reader = new NativeHelper("direct_reads.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        // Loop devices have no I/O scheduler: requests are issued without being inserted, and are timed from issue.
        Assert.Contains("[none]", File.ReadAllText($"/sys/block/{loop.Name}/queue/scheduler"));
        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfBlockIoLatency -Queued -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = reader.Name }, "biolat_", before);
        Assert.Equal(0, reader.Run(loop.Device, Reads.ToString()).ExitCode);
        var all = (BpfHistogram)Assert.Single((await trace).Output).BaseObject;
        Assert.Equal(("block I/O latency (queued)", "", (ulong)Reads), (all.Name, all.Key, all.Count));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void EveryDeclaredHookTimesTheReadsOnTheirDisk()
    {
        KernelPrerequisites.Require();
        using var loop = new LoopDevice();
        using var reader = new NativeHelper("direct_reads.c");
        var before = KernelPrograms.Ids();
        var config = new MeasureBpfBlockIoLatencyCommand.BlockIoConfig { process = ProcessFilterRecord.From(null, null, reader.Name), per_disk = 1 };
        var (major, minor) = loop.Numbers;
        var hooks = TracerHooks.Of<MeasureBpfBlockIoLatencyCommand>();
        Assert.Equal(["tp_btf", "raw_tp", "tracepoint"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            using (var kernel = TracerHooks.Start<MeasureBpfBlockIoLatencyCommand>(hook, TracerHooks.Bytes(config)))
            {
                Assert.Equal(0, reader.Run(loop.Device, Reads.ToString()).ExitCode);
                var entry = Assert.Single(HistogramMap.Read(kernel, "latency"));
                Assert.Equal((major << 20 | minor, (ulong)Reads), (entry.KeyUInt32, entry.Histogram.Count));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    /// <summary>A 4 MiB file attached to a free loop device; detached and deleted on dispose.</summary>
    private sealed class LoopDevice : IDisposable
    {
        private readonly string file = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-loop-{Guid.NewGuid():N}.img");

        public LoopDevice()
        {
            File.WriteAllBytes(file, new byte[4 << 20]);
            var attach = KernelPrerequisites.RunWithExit("losetup", "--find", "--show", file);
            if (attach.ExitCode != 0)
            {
                File.Delete(file);
                Assert.Fail($"losetup: {attach.Error}");
            }
            Device = attach.Output.Trim();
        }

        /// <summary>/dev/loopN.</summary>
        public string Device { get; }

        /// <summary>loopN, as the kernel names the disk.</summary>
        public string Name => Path.GetFileName(Device);

        public (uint Major, uint Minor) Numbers
        {
            get
            {
                var numbers = File.ReadAllText($"/sys/block/{Name}/dev").Trim().Split(':');
                return (uint.Parse(numbers[0]), uint.Parse(numbers[1]));
            }
        }

        public void Dispose()
        {
            KernelPrerequisites.RunWithExit("losetup", "--detach", Device);
            File.Delete(file);
        }
    }
}
