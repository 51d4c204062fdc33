using System.Runtime.InteropServices;
using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>
/// The open fds of every process that refer to given kinds of kernel objects, such as
/// "anon_inode:[perf_event]": one directory read per process and one readlink(2) per fd. (Through
/// .NET's enumeration and FileInfo, each fd also cost a stat and an lstat: three syscalls where one
/// does, on every fd of the host.) Processes that exit meanwhile or may not be read are passed over.
/// </summary>
internal static unsafe class ProcessFdLinks
{
    private const int EPerm = 1, EAcces = 13;

    /// <summary>(pid, fd, index in <paramref name="targets"/>) of every fd whose link is one of the targets.</summary>
    public static List<(int Pid, int Fd, int Target)> Find(params string[] targets)
    {
        var wanted = targets.Select(Encoding.UTF8.GetBytes).ToArray();
        int longest = wanted.Max(w => w.Length);
        var found = new List<(int, int, int)>();
        byte* link = stackalloc byte[longest + 1]; // a longer link fills it and matches nothing
        foreach (var pid in Numbers("/proc"))
        {
            var fdDirectory = $"/proc/{pid}/fd";
            foreach (var fd in Numbers(fdDirectory))
            {
                var length = LibCFiles.ReadLink($"{fdDirectory}/{fd}", link, (nuint)(longest + 1));
                if (length < 0 && Marshal.GetLastPInvokeError() is EPerm or EAcces)
                {
                    break; // a process closed to us is closed for all its fds
                }
                if (length <= 0 || length > longest)
                {
                    continue; // closed meanwhile, or not one of ours
                }
                var target = new ReadOnlySpan<byte>(link, (int)length);
                for (int i = 0; i < wanted.Length; i++)
                {
                    if (target.SequenceEqual(wanted[i]))
                    {
                        found.Add((pid, fd, i));
                        break;
                    }
                }
            }
        }
        return found;
    }

    /// <summary>
    /// The entries of a directory whose names are numbers (pids, fds); none if it is gone or closed to
    /// us. Read with readdir(3): .NET's enumeration stats every symbolic link it passes (an lstat and a
    /// stat per fd), which is what this walk exists to avoid.
    /// </summary>
    private static List<int> Numbers(string directory)
    {
        var numbers = new List<int>();
        var dir = LibCFiles.OpenDir(directory);
        if (dir == 0)
        {
            return numbers;
        }
        try
        {
            nint entry;
            while ((entry = LibCFiles.ReadDir(dir)) != 0)
            {
                if (Number((byte*)entry + LibCFiles.DirentNameOffset) is { } n)
                {
                    numbers.Add(n);
                }
            }
        }
        finally
        {
            LibCFiles.CloseDir(dir);
        }
        return numbers;
    }

    private static int? Number(byte* name)
    {
        if (*name == 0)
        {
            return null;
        }
        long n = 0;
        for (; *name != 0; name++)
        {
            if (*name is < (byte)'0' or > (byte)'9' || (n = n * 10 + (*name - '0')) > int.MaxValue)
            {
                return null;
            }
        }
        return (int)n;
    }
}
