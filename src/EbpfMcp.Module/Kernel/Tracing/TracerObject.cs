using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Loading;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// One of the module's own BPF objects (bpf/&lt;name&gt;.bpf.o beside the assembly), loaded for the
/// length of one trace: its .rodata configuration is written before the load so the verifier sees
/// constants; the chosen programs are attached; Dispose detaches and unloads everything.
/// </summary>
internal sealed unsafe class TracerObject : IDisposable
{
    private readonly BpfObjectHandle bpfObject;
    private readonly List<Attachment> links = [];
    private readonly Dictionary<string, BpfMapHandle> maps;

    private TracerObject(BpfObjectHandle bpfObject)
    {
        this.bpfObject = bpfObject;
        maps = bpfObject.Maps().ToDictionary(m => m.Name);
    }

    /// <summary>The kernel ids of the programs it loaded.</summary>
    public uint[] ProgramIds { get; private set; } = [];

    public static string ObjectPath(string name) =>
        Path.Combine(Path.GetDirectoryName(typeof(TracerObject).Assembly.Location)!, "bpf", name + ".bpf.o");

    /// <summary>
    /// Opens, configures, loads and attaches (to <paramref name="targets"/> for programs whose
    /// section names no hook, e.g. the sampling frequency of perf_event programs); on any failure
    /// nothing stays loaded.
    /// </summary>
    public static TracerObject Start(string objectName, IReadOnlyCollection<string> programNames, ReadOnlySpan<byte> rodata, IReadOnlyDictionary<string, uint>? mapSizes = null, AttachTargets? targets = null)
    {
        LibBpfLibrary.EnsureAvailable();
        var path = ObjectPath(objectName);
        if (!File.Exists(path))
        {
            throw new BpfException("TracerObjectMissing", $"The tracer's BPF object {path} is missing: the module folder is incomplete (rebuild with dotnet build).", 2);
        }
        using var log = LibBpfLog.Capture();
        var tracer = new TracerObject(BpfObjectLoader.Open(path, log));
        var programs = tracer.bpfObject.Programs().ToList();
        try
        {
            foreach (var program in programs)
            {
                program.Autoload = programNames.Contains(program.Name);
            }
            if (rodata.Length > 0)
            {
                tracer.WriteRodata(rodata);
            }
            foreach (var (name, size) in mapSizes ?? new Dictionary<string, uint>())
            {
                LibBpfObjectApi.SetMapMaxEntries(tracer.maps[name].Pointer, size);
            }
            BpfObjectLoader.Load(tracer.bpfObject, programs, log);
            foreach (var program in programs.Where(p => p.Autoload))
            {
                tracer.links.AddRange(ProgramAttacher.Attach(program, targets ?? new AttachTargets()));
            }
            tracer.ProgramIds = [.. programs.Where(p => p.Autoload).Select(p => KernelObjectInfo.ReadBorrowed<BpfProgramInfo>(p.Fd).Id)];
            return tracer;
        }
        catch
        {
            programs.ForEach(p => p.Dispose());
            tracer.Dispose();
            throw;
        }
        finally
        {
            programs.ForEach(p => p.Dispose());
        }
    }

    private void WriteRodata(ReadOnlySpan<byte> rodata)
    {
        var map = maps.Values.FirstOrDefault(m => m.Name.EndsWith(".rodata", StringComparison.Ordinal))
            ?? throw new BpfException("TracerObjectInvalid", "The tracer object has no .rodata section for its configuration.");
        nuint size;
        var target = LibBpfObjectApi.MapInitialValue(map.Pointer, &size);
        if (target == IntPtr.Zero || (int)size < rodata.Length)
        {
            throw new BpfException("TracerObjectInvalid", $"The tracer's .rodata is {size} bytes; its configuration needs {rodata.Length}.");
        }
        rodata.CopyTo(new Span<byte>((void*)target, rodata.Length));
    }

    /// <summary>A map of the loaded object, by name; the fd stays owned by the object.</summary>
    public BpfFdHandle OpenMap(string name)
    {
        var map = maps.GetValueOrDefault(name) ?? throw new BpfException("TracerObjectInvalid", $"The tracer object has no map '{name}'.");
        return BpfFdHandle.FromResult(LibCDup.Dup(map.Fd), "dup");
    }

    /// <summary>The sum over CPUs of a one-slot per-CPU counter map (lost or uncounted events).</summary>
    public ulong PerCpuCounter(string name)
    {
        using var fd = OpenMap(name);
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        MapEntries.ValueBufferSize(info, out int stride, out int cpus);
        ulong total = 0;
        foreach (var (_, value) in MapEntries.Read(fd, info, name))
        {
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                total += System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(cpu * stride));
            }
        }
        return total;
    }

    public int MapFd(string name) => (maps.GetValueOrDefault(name) ?? throw new BpfException("TracerObjectInvalid", $"The tracer object has no map '{name}'.")).Fd;

    public void Dispose()
    {
        links.ForEach(l => l.Dispose());
        links.Clear();
        foreach (var map in maps.Values)
        {
            map.Dispose();
        }
        bpfObject.Dispose();
    }
}
