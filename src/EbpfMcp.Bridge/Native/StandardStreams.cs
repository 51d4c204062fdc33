using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Bridge.Native;

/// <summary>
/// Takes stdin and stdout for the MCP stream alone: they move to descriptors closed on exec, and
/// descriptor 0 becomes /dev/null and descriptor 1 a copy of stderr. Whatever else writes to
/// "standard output" then (a child process, Console.Out: PowerShell's SSH client echoes ssh's
/// refusals there) reaches stderr instead of corrupting the protocol, and no child can read the
/// client's requests.
/// </summary>
internal static partial class StandardStreams
{
    private const int FDupFdCloexec = 1030, ORdOnly = 0, OCloexec = 0x80000, FirstPrivate = 3;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int target);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>The client's input and output, private to the transport from now on.</summary>
    public static (Stream Input, Stream Output) TakeOver()
    {
        int input = Check(Fcntl(0, FDupFdCloexec, FirstPrivate), "keep stdin");
        int output = Check(Fcntl(1, FDupFdCloexec, FirstPrivate), "keep stdout");
        int nothing = Check(Open("/dev/null", ORdOnly | OCloexec), "open /dev/null");
        Check(Dup2(nothing, 0), "replace stdin");
        Close(nothing);
        Check(Dup2(2, 1), "send stdout to stderr");
        // Console.Out, once made, writes to its own copy of the old descriptor 1.
        Console.SetOut(Console.Error);
        return (Wrap(input, FileAccess.Read), Wrap(output, FileAccess.Write));
    }

    // Unbuffered (bufferSize 0): the transport writes whole messages and flushes them itself.
    private static FileStream Wrap(int fd, FileAccess access) => new(new SafeFileHandle(fd, ownsHandle: true), access, bufferSize: 0);

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new IOException($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
}
