using System.Globalization;

namespace EbpfMcp.Bench;

/// <summary>
/// A million failing opens of one path from one process, traced with Trace-BpfFileOpen into a
/// pipeline that counts them (ForEach-Object) in a fresh pwsh 7.6 session, as a pwsh user runs it:
/// how many events reach the caller (lost in the kernel, dropped in the module), and how fast the
/// traced program still runs, against the same program untraced in the same run. The program's own
/// CPU time is reported beside its wall time: on a shared machine the wall time also measures
/// everyone else. (Not hosted in this process: its PowerShell is the NuGet package's, which is not
/// precompiled as pwsh's is, and compiling it on the fly took a third of a core during the storm.)
/// </summary>
public static class EventStreamBench
{
    private const int Opens = 1_000_000;

    public static async Task MeasureAsync(BenchEnvironment env, ResultTable table)
    {
        // A name of its own, so the trace's -ProcessName filter takes it alone.
        var storm = Path.Combine(Path.GetDirectoryName(env.OpenCount)!, "ebpfbenchopens");
        File.Copy(env.OpenCount, storm, overwrite: true);
        // Traced and untraced on the same CPU: this VM's CPUs are not equally fast (the same loop took
        // 1.45 s on one and 2.07 s on the other, measured), and where it landed decided the ratio.
        var cpu = (Environment.ProcessorCount - 1).ToString(CultureInfo.InvariantCulture);
        (double Wall, double Cpu) RunStorm()
        {
            var fields = Run.Process("taskset", "-c", cpu, storm, Opens.ToString(CultureInfo.InvariantCulture)).Trim().Split(' ');
            return (double.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture));
        }
        var untraced = Enumerable.Range(0, 3).Select(_ => RunStorm()).ToList();
        double untracedWall = Stats.Median(untraced.Select(u => u.Wall).ToList());
        double untracedCpu = Stats.Median(untraced.Select(u => u.Cpu).ToList());

        // The cmdlet's verbose line says the programs are attached: the storm starts after it.
        var script = $"Import-Module '{env.ModuleManifest}'; $c = 0; " +
            $"Trace-BpfFileOpen -ProcessName ebpfbenchopens -Duration 20 -First {Opens} -Verbose -InformationVariable info | ForEach-Object {{ $c++ }}; " +
            "$s = $info[-1].MessageData; \"counted $c $($s.Lost) $($s.Dropped)\"";
        using var pwsh = Run.Background(env.Pwsh, "-NoProfile", "-NonInteractive", "-Command", script);
        try
        {
            pwsh.WaitForOutput("tracing on", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the trace never attached: {string.Join(" | ", pwsh.Lines)}");
        }
        var traced = RunStorm();
        await pwsh.Process.WaitForExitAsync();
        var result = pwsh.Lines.LastOrDefault(l => l.StartsWith("counted ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the trace ended without its counts: {string.Join(" | ", pwsh.Lines)}");
        var counts = result.Split(' ').Skip(1).Select(long.Parse).ToArray();
        long received = counts[0], missing = counts[1] + counts[2];

        table.Add("1M failing opens traced: events received", received, "events", Opens, "opens made", "≥ 99.9% of the opens", received >= Opens * 0.999);
        table.Add("1M failing opens traced: lost + dropped", missing, "events", target: "≤ 0.1% (1000)", pass: missing <= Opens / 1000);
        table.Add("1M failing opens: traced program, wall", traced.Wall * 1000, "ms", untracedWall * 1000, "untraced", "≥ 0.5× untraced speed", untracedWall / traced.Wall >= 0.5);
        table.Add("1M failing opens: traced program, CPU", traced.Cpu * 1000, "ms", untracedCpu * 1000, "untraced", "≥ 0.5× untraced speed", untracedCpu / traced.Cpu >= 0.5);
    }
}
