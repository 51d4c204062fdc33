using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>
/// Names for kernel enum values, as libbpf spells them ("tracepoint", "percpu_array"). A kernel
/// newer than the installed libbpf can report values libbpf has no name for: those read "type_N".
/// </summary>
internal static class KernelTypeNames
{
    public static string Program(uint type) => LibBpfObjectApi.Utf8(LibBpfObjectApi.ProgramTypeString((int)type)) ?? $"type_{type}";

    public static string Map(uint type) => LibBpfObjectApi.Utf8(LibBpfObjectApi.MapTypeString((int)type)) ?? $"type_{type}";

    public static string Link(uint type) => LibBpfObjectApi.Utf8(LibBpfObjectApi.LinkTypeString((int)type)) ?? $"type_{type}";

    public static string Attach(uint type) => LibBpfObjectApi.Utf8(LibBpfObjectApi.AttachTypeString((int)type)) ?? $"attach_{type}";

    /// <summary>BPF_PROG_TYPE_TRACING: fentry/fexit/tp_btf/iter programs.</summary>
    public const uint ProgramTypeTracing = 26;

    /// <summary>Map types whose lookups return one value per possible CPU.</summary>
    public static bool IsPerCpuMap(uint type) => type is 5 /* percpu_hash */ or 6 /* percpu_array */ or 10 /* lru_percpu_hash */ or 21 /* percpu_cgroup_storage */;
}
