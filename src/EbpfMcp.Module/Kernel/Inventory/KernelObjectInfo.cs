using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>Walks the kernel's id spaces for programs, maps and links, and reads their info structs.</summary>
internal static unsafe class KernelObjectInfo
{
    public delegate int NextId(uint start, uint* next);

    private const int ENOENT = 2;

    /// <summary>Every id in ascending order, as the kernel hands them out right now.</summary>
    public static List<uint> Ids(NextId next, string operation)
    {
        var ids = new List<uint>();
        uint id = 0;
        while (true)
        {
            uint nextId;
            int rc = next(id, &nextId);
            if (rc != 0)
            {
                int errno = LibBpfSyscallApi.Errno(rc);
                if (errno == ENOENT)
                {
                    return ids;
                }
                throw BpfException.FromErrno(operation, errno, errno is 1 or 13 ? "PermissionDenied" : "KernelCallFailed");
            }
            ids.Add(nextId);
            id = nextId;
        }
    }

    public static List<uint> ProgramIds() => Ids(LibBpfSyscallApi.ProgramGetNextId, "bpf_prog_get_next_id");

    public static List<uint> MapIds() => Ids(LibBpfSyscallApi.MapGetNextId, "bpf_map_get_next_id");

    public static List<uint> LinkIds() => Ids(LibBpfSyscallApi.LinkGetNextId, "bpf_link_get_next_id");

    public static BpfFdHandle? OpenProgram(uint id) =>
        BpfFdHandle.FromResultOrGone(LibBpfSyscallApi.ProgramGetFdById(id), $"bpf_prog_get_fd_by_id({id})");

    public static BpfFdHandle? OpenMap(uint id) =>
        BpfFdHandle.FromResultOrGone(LibBpfSyscallApi.MapGetFdById(id), $"bpf_map_get_fd_by_id({id})");

    public static BpfFdHandle? OpenLink(uint id) =>
        BpfFdHandle.FromResultOrGone(LibBpfSyscallApi.LinkGetFdById(id), $"bpf_link_get_fd_by_id({id})");

    /// <summary>bpf_obj_get_info_by_fd into a zeroed T (or the caller's prepared T).</summary>
    public static T Read<T>(BpfFdHandle fd, T info = default) where T : unmanaged
    {
        uint length = (uint)sizeof(T);
        int rc = LibBpfSyscallApi.ObjectGetInfoByFd(fd.Fd, &info, &length);
        if (rc != 0)
        {
            throw BpfException.FromErrno($"bpf_obj_get_info_by_fd({typeof(T).Name})", LibBpfSyscallApi.Errno(rc));
        }
        return info;
    }

    /// <summary>The ids of the maps a program uses (a second info call with a buffer for them).</summary>
    public static uint[] ProgramMapIds(BpfFdHandle fd, uint count)
    {
        if (count == 0)
        {
            return [];
        }
        var ids = new uint[count];
        fixed (uint* p = ids)
        {
            var info = new BpfProgramInfo { MapIdCount = count, MapIds = (ulong)p };
            info = Read(fd, info);
            return ids.AsSpan(0, (int)Math.Min(count, info.MapIdCount)).ToArray();
        }
    }

    /// <summary>
    /// The info struct of an fd someone else owns (libbpf's): read through a duplicate, so closing
    /// ours never closes theirs.
    /// </summary>
    public static T ReadBorrowed<T>(int fd) where T : unmanaged
    {
        using var handle = BpfFdHandle.FromResult(LibCDup.Dup(fd), "dup");
        return Read<T>(handle);
    }

    /// <summary>The kernel's memlock charge of a program or map fd (its fdinfo "memlock:" line), in bytes; 0 when unknown.</summary>
    public static long Memlock(int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
            {
                if (line.StartsWith("memlock:", StringComparison.Ordinal) && long.TryParse(line.AsSpan(8).Trim(), out var bytes))
                {
                    return bytes;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    public static string CString(byte* bytes, int max)
    {
        int n = 0;
        while (n < max && bytes[n] != 0)
        {
            n++;
        }
        return System.Text.Encoding.UTF8.GetString(bytes, n);
    }
}
