namespace EbpfMcp.Kernel.Inventory;

/// <summary>
/// Which processes hold a program, through a program fd or a link fd: the kernel keeps no loader
/// pid, but every fd says in /proc/PID/fdinfo which program it refers to. Walks every process's
/// fds, so it is done only on request (Get-BpfHook -IncludeProcess).
/// </summary>
internal static class BpfFdHolders
{
    public static Dictionary<uint, List<string>> ByProgram()
    {
        var holders = new Dictionary<uint, List<string>>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            var pidText = Path.GetFileName(process);
            if (!int.TryParse(pidText, out _))
            {
                continue;
            }
            var seen = new HashSet<uint>();
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    var target = Readlink(fd);
                    if (target is not ("anon_inode:bpf-prog" or "anon_inode:bpf_link") || ProgramIdIn(Path.Combine(process, "fdinfo", Path.GetFileName(fd))) is not { } id || !seen.Add(id))
                    {
                        continue;
                    }
                    var comm = File.ReadAllText(Path.Combine(process, "comm")).TrimEnd('\n');
                    if (!holders.TryGetValue(id, out var list))
                    {
                        holders[id] = list = [];
                    }
                    list.Add($"{comm}({pidText})");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that exited while we looked, or one we may not read.
            }
        }
        return holders;
    }

    private static string? Readlink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static uint? ProgramIdIn(string fdinfo)
    {
        foreach (var line in File.ReadLines(fdinfo))
        {
            if (line.StartsWith("prog_id:", StringComparison.Ordinal) && uint.TryParse(line.AsSpan(8).Trim(), out var id))
            {
                return id;
            }
        }
        return null;
    }
}
