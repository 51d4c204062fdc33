// SPDX-License-Identifier: GPL-2.0
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace EbpfMcp.Native;

/// <summary>
/// Routes libbpf's diagnostic printing into a per-thread capture, so an error can carry what
/// libbpf said about it ("BTF is required", "failed to resolve CO-RE relocation", ...).
/// libbpf prints synchronously on the calling thread, which makes a thread-static buffer exact.
/// </summary>
internal static unsafe partial class LibBpfLog
{
    // libbpf levels: 0 warn, 1 info, 2 debug. Debug is noise for users.
    private const int LevelInfo = 1;
    private const int MaxCapturedChars = 64 * 1024;

    [ThreadStatic] private static StringBuilder? capture;
    private static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            SetPrint(&Print);
        }
    }

    /// <summary>Starts capturing libbpf messages on this thread until the scope is disposed.</summary>
    public static Scope Capture() => new();

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Print(int level, byte* format, IntPtr args)
    {
        var sink = capture;
        if (sink is null || level > LevelInfo || sink.Length > MaxCapturedChars)
        {
            return 0;
        }
        // va_list is passed through untouched: on x86_64 and arm64 it travels as a pointer.
        const int size = 2048;
        byte* buffer = stackalloc byte[size];
        int n = VsnPrintf(buffer, size, format, args);
        if (n > 0)
        {
            sink.Append(Encoding.UTF8.GetString(buffer, Math.Min(n, size - 1)));
        }
        return 0;
    }

    public sealed class Scope : IDisposable
    {
        private readonly StringBuilder? previous;

        internal Scope()
        {
            previous = capture;
            capture = new StringBuilder();
        }

        public string Text => capture?.ToString() ?? "";

        public void Dispose() => capture = previous;
    }

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_set_print")]
    private static partial IntPtr SetPrint(delegate* unmanaged[Cdecl]<int, byte*, IntPtr, int> print);

    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    private static partial int VsnPrintf(byte* buffer, nuint size, byte* format, IntPtr args);
}
