using System.Text;

namespace EbpfMcp.Kernel.Host;

/// <summary>
/// Reads the one-line files of procfs, sysfs and securityfs: one open, one read into a stack
/// buffer, one close. Get-BpfKernelInfo reads several on every call; through File.ReadAllText
/// each cost a stream, a reader and their buffers.
/// </summary>
internal static class SmallFiles
{
    private const int MaxBytes = 1024;

    /// <summary>The file's text (at most 1 KiB of it), trimmed; null when it cannot be read.</summary>
    public static string? ReadTrimmed(string path)
    {
        try
        {
            using var file = File.OpenHandle(path);
            Span<byte> buffer = stackalloc byte[MaxBytes];
            int length = RandomAccess.Read(file, buffer, 0);
            return Encoding.UTF8.GetString(buffer[..length].Trim(" \t\r\n\0"u8));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
