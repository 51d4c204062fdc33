using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Host;

/// <summary>
/// Reads securityfs files (lockdown) also where securityfs is not mounted, as in many containers
/// and minimal hosts: a short-lived thread enters a private mount namespace, mounts securityfs
/// there and reads. The host's mount table is never changed.
/// </summary>
internal static class SecurityFs
{
    public const string MountPoint = "/sys/kernel/security";

    /// <summary>The file's text (trimmed; securityfs files are a line), or null when it cannot be read (no such file, or no CAP_SYS_ADMIN to mount privately).</summary>
    public static string? ReadText(string name)
    {
        var path = Path.Combine(MountPoint, name);
        var text = TryRead(path);
        if (text is not null || MountTable.IsMounted("securityfs"))
        {
            return text;
        }
        string? result = null;
        // Mount namespaces are per thread once unshared: the namespace (and the mount) end with the thread.
        var thread = new Thread(() =>
        {
            if (LibCNamespaces.Unshare(LibCNamespaces.CloneNewNs) == 0
                // Private first, so the mount below cannot propagate back into the host's namespace.
                && LibCMount.Mount(null, "/", null, LibCMount.MsRec | LibCMount.MsPrivate, IntPtr.Zero) == 0
                && LibCMount.Mount("securityfs", MountPoint, "securityfs", 0, IntPtr.Zero) == 0)
            {
                result = TryRead(path);
            }
        })
        { IsBackground = true, Name = "securityfs reader" };
        thread.Start();
        thread.Join();
        return result;
    }

    private static string? TryRead(string path) => SmallFiles.ReadTrimmed(path);
}
