using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>struct stack_space of bpf/stack_profile.h: which stacks to collect.</summary>
[BtfStruct("stack_space")]
[StructLayout(LayoutKind.Sequential)]
internal struct StackSpaceRecord
{
    internal uint user;
    internal uint kernel;
}

/// <summary>struct stack_key of bpf/stack_profile.h: one row of a profiler's aggregation table.</summary>
[BtfStruct("stack_key")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StackKeyRecord
{
    internal uint tgid;
    internal uint pid;
    internal int user_stack_id;
    internal int kernel_stack_id;
    internal fixed byte comm[16];
}

/// <summary>struct cpu_profile_config of bpf/cpu_profile.bpf.c (its .rodata).</summary>
[BtfStruct("cpu_profile_config")]
[StructLayout(LayoutKind.Sequential)]
internal struct CpuProfileConfig
{
    internal ProcessFilterRecord process;
    internal StackSpaceRecord space;
}

/// <summary>struct off_cpu_config of bpf/off_cpu.bpf.c (its .rodata).</summary>
[BtfStruct("off_cpu_config")]
[StructLayout(LayoutKind.Sequential)]
internal struct OffCpuConfig
{
    internal ProcessFilterRecord process;
    internal StackSpaceRecord space;
    internal ulong min_block_ns;
    internal uint include_preempted;
    internal uint pad;
}

/// <summary>struct blocked_time of bpf/off_cpu.bpf.c: an off-CPU row's value.</summary>
[BtfStruct("blocked_time")]
[StructLayout(LayoutKind.Sequential)]
internal struct BlockedTimeRecord
{
    internal ulong total_ns;
    internal ulong count;
}
