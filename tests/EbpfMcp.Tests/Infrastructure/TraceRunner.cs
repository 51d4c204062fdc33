namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Starts a trace on another thread and returns once its program is attached in the kernel.</summary>
public static class TraceRunner
{
    public static async Task<Task<PowerShellSession.Result>> StartAsync(PowerShellSession ps, string script, IDictionary<string, object?> vars, string programPrefix, HashSet<uint> before)
    {
        var trace = Task.Run(() => ps.Run(script, vars));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!KernelPrograms.TracerAttached(programPrefix, before))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {programPrefix}* program appeared in the kernel");
            if (trace.IsCompleted)
            {
                var r = await trace;
                Assert.Fail($"the trace ended before attaching: {r.Terminating?.Message} {string.Join("; ", r.Errors)}");
            }
            await Task.Delay(20);
        }
        await Task.Delay(100); // the links follow the load immediately; leave them a moment
        return trace;
    }
}
