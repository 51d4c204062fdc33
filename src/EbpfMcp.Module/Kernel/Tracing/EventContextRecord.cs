using System.Runtime.InteropServices;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>struct event_context (bpf/include/ebpf_mcp_context.h): first member of every streamed event.</summary>
[BtfStruct("event_context")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct EventContextRecord
{
    public ulong timestamp_ns;
    public ulong cgroup_id;
    public uint pid;
    public uint tid;
    public uint ppid;
    public uint uid;
    public fixed byte comm[16];
    public fixed byte thread_comm[16];
    public fixed byte parent_comm[16];
}

/// <summary>struct process_filter (bpf/include/ebpf_mcp_filter.h): first member of every tracer's configuration.</summary>
[BtfStruct("process_filter")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ProcessFilterRecord
{
    public const int MaxPids = 8;

    public uint pid_count;
    public fixed uint pids[MaxPids];
    public uint exclude_count;
    public fixed uint exclude_pids[MaxPids];
    public uint comm_set;
    public fixed byte comm[16];

    public static ProcessFilterRecord From(int[]? processIds, int[]? excludedProcessIds, string? processName)
    {
        var filter = new ProcessFilterRecord();
        var pids = processIds ?? [];
        var excluded = excludedProcessIds ?? [];
        filter.pid_count = (uint)pids.Length;
        for (int i = 0; i < pids.Length; i++)
        {
            filter.pids[i] = (uint)pids[i];
        }
        filter.exclude_count = (uint)excluded.Length;
        for (int i = 0; i < excluded.Length; i++)
        {
            filter.exclude_pids[i] = (uint)excluded[i];
        }
        if (!string.IsNullOrEmpty(processName))
        {
            filter.comm_set = 1;
            System.Text.Encoding.UTF8.GetBytes(processName, new Span<byte>(filter.comm, 15));
        }
        return filter;
    }
}
