namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Runs code on a fresh thread: for per-thread kernel state (capabilities, network namespace) that
/// must not touch the test runner's threads, and for work that must not wait for a pool thread.
/// </summary>
public static class DedicatedThread
{
    /// <summary>Runs <paramref name="body"/> and waits for it; its exception is rethrown as it was.</summary>
    public static T Run<T>(Func<T> body) => Start(body).GetAwaiter().GetResult();

    /// <summary>Starts <paramref name="body"/>; the task ends with its result or exception.</summary>
    public static Task<T> Start<T>(Func<T> body, string? name = null)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(body());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = name }.Start();
        return done.Task;
    }
}
