namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Declares a Trace-/Measure- cmdlet a tracer: the BPF object it loads (bpf/&lt;name&gt;.bpf.o in the
/// module folder). The catalog, Get-BpfFeature's Tracer category and the MCP bridge all read it
/// from here, so adding a tracer touches no central list.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class BpfTracerAttribute(string objectName) : Attribute
{
    public string ObjectName { get; } = objectName;
}

/// <summary>
/// One hook a tracer can run on: a name users read ("tp_btf:sys_exit") and the programs of the
/// object that make it up. Hooks are tried by <see cref="Preference"/>, 1 first; the first that
/// loads and attaches on this kernel wins.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
internal sealed class BpfHookAttribute(int preference, string hook, params string[] programs) : Attribute
{
    public int Preference { get; } = preference;
    public string Hook { get; } = hook;
    public string[] Programs { get; } = programs;
}

/// <summary>
/// A C# mirror of a C struct of a BPF object (event records, .rodata configurations). A test
/// compares every such struct, field by field, with the BTF of the committed objects.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class BtfStructAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
