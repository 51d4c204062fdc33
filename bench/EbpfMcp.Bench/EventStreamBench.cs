using System.Globalization;

namespace EbpfMcp.Bench;

/// <summary>
/// A million failing opens of one path from one process, traced with Trace-BpfFileOpen into a
/// pipeline that counts them (ForEach-Object): how many events reach the caller (lost in the kernel, dropped in the module), and how
/// fast the traced program still runs, against the same program untraced in the same run. The
/// program's own CPU time is reported beside its wall time: on a shared machine the wall time also
/// measures everyone else.
/// </summary>
public static class EventStreamBench
{
    private const int Opens = 1_000_000;

    public static async Task MeasureAsync(BenchEnvironment env, ResultTable table)
    {
        // A runspace of its own: nothing else runs in it while the events stream.
        using var ps = new InProcessPowerShell(env.ModuleManifest);
        // A name of its own, so the trace's -ProcessName filter takes it alone.
        var storm = Path.Combine(Path.GetDirectoryName(env.OpenCount)!, "ebpfbenchopens");
        File.Copy(env.OpenCount, storm, overwrite: true);
        (double Wall, double Cpu) RunStorm()
        {
            var fields = Run.Process(storm, Opens.ToString(CultureInfo.InvariantCulture)).Trim().Split(' ');
            return (double.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture));
        }
        var untraced = Enumerable.Range(0, 3).Select(_ => RunStorm()).ToList();
        double untracedWall = Stats.Median(untraced.Select(u => u.Wall).ToList());
        double untracedCpu = Stats.Median(untraced.Select(u => u.Cpu).ToList());

        var tracing = ps.StartAsync($"$c = 0; Trace-BpfFileOpen -ProcessName ebpfbenchopens -Duration 60 -First {Opens} -InformationVariable info | ForEach-Object {{ $c++ }}; $s = $info[-1].MessageData; \"$c $($s.Lost) $($s.Dropped)\"");
        try
        {
            ps.WaitForProgram(tracing, "opens_exit", "openat_exit");
        }
        catch (InvalidOperationException) when (tracing.IsCompletedSuccessfully)
        {
            var (said, warned) = tracing.Result;
            throw new InvalidOperationException($"the trace ended before it attached: {string.Join("; ", said.Concat(warned))} {ps.LastErrors}");
        }
        var traced = RunStorm();
        var (output, _) = await tracing;
        var counts = output.Last().ToString()!.Split(' ').Select(long.Parse).ToArray();
        long received = counts[0], missing = counts[1] + counts[2];

        table.Add("1M failing opens traced: events received", received, "events", Opens, "opens made", "≥ 99.9% of the opens", received >= Opens * 0.999);
        table.Add("1M failing opens traced: lost + dropped", missing, "events", target: "≤ 0.1% (1000)", pass: missing <= Opens / 1000);
        table.Add("1M failing opens: traced program, wall", traced.Wall * 1000, "ms", untracedWall * 1000, "untraced", "≥ 0.5× untraced speed", untracedWall / traced.Wall >= 0.5);
        table.Add("1M failing opens: traced program, CPU", traced.Cpu * 1000, "ms", untracedCpu * 1000, "untraced", "≥ 0.5× untraced speed", untracedCpu / traced.Cpu >= 0.5);
    }
}
