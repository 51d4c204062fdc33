using System.Runtime.InteropServices;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Triggers the syscalls:sys_enter_getpgid tracepoint that the counter test object watches.</summary>
public static partial class Getpgid
{
    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    private static partial int Call(int pid);

    /// <summary>Calls getpgid(<paramref name="argument"/>) n times; a pid that does not exist just fails with ESRCH.</summary>
    public static void Call(int argument, int times)
    {
        for (int i = 0; i < times; i++)
        {
            Call(argument);
        }
    }

    /// <summary>An argument no real process has (pid_max is at most 2^22), unique per call.</summary>
    public static int UniqueArgument() => 0x4000_0000 + Random.Shared.Next(0x0FFF_FFFF);
}
