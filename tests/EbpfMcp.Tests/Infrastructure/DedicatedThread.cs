using System.Runtime.ExceptionServices;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Runs code on a fresh thread and hands back its result or exception. For per-thread kernel
/// state (capabilities, network namespace) that must not touch the test runner's threads.
/// </summary>
public static class DedicatedThread
{
    public static T Run<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
