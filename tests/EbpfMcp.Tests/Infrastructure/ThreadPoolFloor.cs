using System.Runtime.CompilerServices;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Many tests block a pool thread on a process or a PowerShell pipeline while a timed kernel trace
/// runs. On a 2-core machine the pool starts with 2 threads and adds more about twice a second, so
/// a continuation can wait longer than the trace lasts; a floor of threads keeps waits short.
/// </summary>
internal static class ThreadPoolFloor
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
