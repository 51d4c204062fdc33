using System.Diagnostics;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Starts a trace on another thread and returns once its program is attached in the kernel.</summary>
public static class TraceRunner
{
    /// <summary>
    /// The trace runs on a thread of its own and this waits with plain sleeps: a test's window is the
    /// trace's -Duration, and neither side may wait for a thread-pool thread to be free, or a busy
    /// pool can hold the watch back until the trace is already over.
    /// </summary>
    public static async Task<Task<PowerShellSession.Result>> StartAsync(PowerShellSession ps, string script, IDictionary<string, object?> vars, string programPrefix, HashSet<uint> before)
    {
        var clock = Stopwatch.StartNew();
        var trace = DedicatedThread.Start(() => ps.Run(script, vars), "trace under test");
        int looks = 0;
        while (!KernelPrograms.TracerAttached(programPrefix, before))
        {
            looks++;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"no {programPrefix}* program appeared in the kernel");
            if (trace.IsCompleted)
            {
                var r = await trace;
                Assert.Fail($"the trace ended before attaching ({clock.Elapsed.TotalSeconds:F2} s after its start, {looks} looks at the kernel, {r.Output.Count} objects written): {r.Terminating?.Message} {string.Join("; ", r.Errors)}");
            }
            Thread.Sleep(20);
        }
        Thread.Sleep(100); // the links follow the load immediately; leave them a moment
        return trace;
    }
}
