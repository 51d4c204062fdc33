// SPDX-License-Identifier: GPL-2.0
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// Finds libbpf at run time. Distributions ship it as a versioned soname (libbpf.so.1); the
/// unversioned name exists only with the -dev package, so the versioned names are tried first.
/// </summary>
internal static class LibBpfLibrary
{
    public const string Name = "libbpf";

    // Newest ABI first; libbpf keeps ABI within a major version.
    private static readonly string[] Candidates = ["libbpf.so.1", "libbpf.so"];

    public const string InstallHint =
        "libbpf 1.x was not found (libbpf.so.1). Install the libbpf1 package (Debian/Ubuntu: apt-get install libbpf1; Fedora: dnf install libbpf).";

    private static IntPtr handle;
    private static string? loadError;

    // A library needs its resolver in place before the first P/Invoke, whoever makes it.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(LibBpfLibrary).Assembly, Resolve);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Name)
        {
            return IntPtr.Zero;
        }
        return TryLoad() ? handle : IntPtr.Zero;
    }

    private static bool TryLoad()
    {
        if (handle != IntPtr.Zero)
        {
            return true;
        }
        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var h))
            {
                handle = h;
                return true;
            }
        }
        loadError = InstallHint;
        return false;
    }

    /// <summary>Throws a clear, actionable error when libbpf (1.x) cannot be used.</summary>
    public static void EnsureAvailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("eBPF is a Linux kernel facility; this module runs on Linux only.");
        }
        if (!TryLoad())
        {
            throw new DllNotFoundException(loadError);
        }
        var major = LibBpfVersion.Major();
        if (major < 1)
        {
            throw new DllNotFoundException($"libbpf {major}.x is too old: this module needs libbpf 1.x. " + InstallHint);
        }
        LibBpfLog.Install();
    }

    /// <summary>"1.1" as reported by the loaded library.</summary>
    public static string Version()
    {
        EnsureAvailable();
        return Marshal.PtrToStringUTF8(LibBpfVersion.VersionString()) ?? $"{LibBpfVersion.Major()}.{LibBpfVersion.Minor()}";
    }
}

internal static partial class LibBpfVersion
{
    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_major_version")]
    public static partial uint Major();

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_minor_version")]
    public static partial uint Minor();

    [LibraryImport(LibBpfLibrary.Name, EntryPoint = "libbpf_version_string")]
    public static partial IntPtr VersionString();
}
