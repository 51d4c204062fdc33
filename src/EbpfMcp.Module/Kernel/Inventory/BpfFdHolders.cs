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
        var seen = new HashSet<(int, uint)>();
        var comms = new Dictionary<int, string?>();
        foreach (var (pid, fd, _) in ProcessFdLinks.Find("anon_inode:bpf-prog", "anon_inode:bpf_link"))
        {
            try
            {
                if (ProgramIdIn($"/proc/{pid}/fdinfo/{fd}") is not { } id || !seen.Add((pid, id)))
                {
                    continue;
                }
                if (!comms.TryGetValue(pid, out var comm))
                {
                    comms[pid] = comm = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
                }
                if (!holders.TryGetValue(id, out var list))
                {
                    holders[id] = list = [];
                }
                list.Add($"{comm}({pid})");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that exited while we looked, or one we may not read.
            }
        }
        return holders;
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
