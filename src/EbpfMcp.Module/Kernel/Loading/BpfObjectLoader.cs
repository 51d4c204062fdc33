using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using EbpfMcp.Kernel.Features;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Opens a CO-RE BPF object with libbpf, loads it into the kernel (relocating against the running
/// kernel's BTF), optionally attaches and pins it, and registers it as an installation. Any
/// failure unwinds everything done so far: nothing of a failed install stays in the kernel.
/// </summary>
internal static unsafe class BpfObjectLoader
{
    private const int VerifierLogBytes = 256 * 1024;
    private const int VerifierLogTailLines = 40;

    /// <summary>The bytes' SHA-256 (lower-case hex), refused unless it is <paramref name="expected"/> when one is given.</summary>
    public static string CheckSha256(byte[] bytes, string? expected, string source)
    {
        var sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        if (expected is not null && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new BpfException("Sha256Mismatch", $"'{source}' has SHA-256 {sha256}, not the expected {expected.ToLowerInvariant()}. Nothing was loaded.");
        }
        return sha256;
    }

    public static BpfInstallation Install(InstallRequest request)
    {
        LibBpfLibrary.EnsureAvailable();
        ElfObjectValidator.Validate(request.Bytes, request.Source);
        var sha256 = CheckSha256(request.Bytes, request.ExpectedSha256, request.Source);

        using var log = LibBpfLog.Capture();
        var bpfObject = Open(request.Bytes, request.ObjectName, request.Source, log);
        var links = new List<Attachment>();
        PinDirectory? pinDirectory = null;
        var programs = bpfObject.Programs().ToList();
        var maps = bpfObject.Maps().ToList();
        try
        {
            SelectPrograms(programs, request.ProgramNames);
            request.Budget.Check(programs, maps);
            // The pin directory is made safe (or refused) before anything reaches the kernel.
            pinDirectory = request.PinPath is null ? null : PinDirectory.Open(request.PinPath);
            Load(bpfObject, programs, log);

            var loaded = programs.Where(p => p.Autoload).ToList();
            var attachedTo = loaded.ToDictionary(p => p.Name, _ => new List<string>());
            if (request.Attach)
            {
                foreach (var program in loaded)
                {
                    foreach (var attachment in ProgramAttacher.Attach(program, request.Targets))
                    {
                        links.Add(attachment);
                        attachedTo[program.Name].Add(attachment.AttachedTo);
                    }
                }
            }
            var created = maps.Where(m => m.Fd >= 0).ToList();
            if (pinDirectory is not null)
            {
                PinAll(pinDirectory, loaded, created, links);
            }

            var description = new BpfInstallation
            {
                Id = InstallationRegistry.NewId(),
                Owner = request.Owner,
                Source = request.Source,
                Sha256 = sha256,
                PinPath = pinDirectory?.Path,
                InstalledAt = DateTimeOffset.Now,
                Programs = loaded.Select(p => new BpfInstalledProgram
                {
                    Id = ProgramId(p.Fd),
                    Name = p.Name,
                    Type = KernelTypeNames.Program((uint)p.Type),
                    Section = p.Section,
                    AttachedTo = [.. attachedTo[p.Name]],
                }).ToArray(),
                Maps = created.Select(m =>
                {
                    var info = MapInfo(m.Fd);
                    return new BpfInstalledMap { Id = info.Id, Name = m.Name, Type = KernelTypeNames.Map(info.Type) };
                }).ToArray(),
                MemlockBytes = loaded.Sum(p => KernelObjectInfo.Memlock(p.Fd)) + created.Sum(m => KernelObjectInfo.Memlock(m.Fd)),
            };
            ReleaseChildren(programs, maps);
            var installation = new Installation(description, bpfObject, links, pinDirectory);
            InstallationRegistry.Add(installation);
            return description;
        }
        catch
        {
            // Children hold references on the object: drop them first so closing it really unloads.
            ReleaseChildren(programs, maps);
            new Installation(new BpfInstallation(), bpfObject, links, pinDirectory).Dispose();
            throw;
        }
    }

    /// <summary>
    /// bpf_object__load with a verifier log buffer per program; a failure becomes the most precise
    /// <see cref="BpfException"/> the evidence supports. The caller still owns (and closes) the object.
    /// </summary>
    public static void Load(BpfObjectHandle bpfObject, List<BpfProgramHandle> programs, LibBpfLog.Scope log)
    {
        var logBuffers = new List<IntPtr>();
        try
        {
            foreach (var program in programs.Where(p => p.Autoload))
            {
                var buffer = (IntPtr)NativeMemory.AllocZeroed(VerifierLogBytes);
                logBuffers.Add(buffer);
                LibBpfObjectApi.SetProgramLogBuffer(program.Pointer, (byte*)buffer, VerifierLogBytes);
            }
            int rc = LibBpfObjectApi.Load(bpfObject.DangerousGetHandle());
            if (rc != 0)
            {
                throw LoadFailure(LibBpfSyscallApi.Errno(rc), programs, logBuffers, log.Text);
            }
        }
        finally
        {
            // libbpf keeps the pointer: clear it before freeing the memory.
            foreach (var program in programs.Where(p => p.Autoload))
            {
                LibBpfObjectApi.SetProgramLogBuffer(program.Pointer, null, 0);
            }
            logBuffers.ForEach(b => NativeMemory.Free((void*)b));
        }
    }

    private static void ReleaseChildren(List<BpfProgramHandle> programs, List<BpfMapHandle> maps)
    {
        programs.ForEach(p => p.Dispose());
        maps.ForEach(m => m.Dispose());
    }

    /// <summary>Opens an object file by path (the module's own tracer objects).</summary>
    public static BpfObjectHandle Open(string path, LibBpfLog.Scope log) =>
        Open(File.ReadAllBytes(path), Path.GetFileName(path), path, log);

    /// <summary>
    /// Opens an object from the bytes that were read (and checked) once: libbpf never opens the
    /// source again, so what loads is exactly what was checked.
    /// </summary>
    public static BpfObjectHandle Open(byte[] bytes, string fileName, string source, LibBpfLog.Scope log)
    {
        var name = Encoding.UTF8.GetBytes(ObjectName(fileName) + "\0");
        IntPtr obj;
        fixed (byte* n = name)
        fixed (byte* b = bytes)
        {
            var options = new LibBpfObjectApi.OpenOptions { Size = (nuint)sizeof(LibBpfObjectApi.OpenOptions), ObjectName = n };
            obj = LibBpfObjectApi.OpenMemory(b, (nuint)bytes.Length, &options);
        }
        if (obj != IntPtr.Zero)
        {
            return new BpfObjectHandle(obj);
        }
        int errno = Marshal.GetLastPInvokeError();
        var said = log.Text;
        if (said.Contains("BTF is required", StringComparison.Ordinal))
        {
            throw new BpfException("MissingBtf", $"'{source}' has no usable BTF (.BTF section), which its BTF-defined maps need: rebuild it with clang -g -target bpf.", errno, said);
        }
        throw new BpfException("InvalidBpfObject", $"libbpf could not open '{source}' as a BPF object: {ErrnoNames.Name(errno)} ({ErrnoNames.Describe(errno)}). {LastLine(said)}".TrimEnd(), errno, said);
    }

    /// <summary>"counter" for counter.bpf.o: libbpf names the object's maps after it (.rodata → counter.rodata).</summary>
    private static string ObjectName(string fileName)
    {
        var name = Path.GetFileNameWithoutExtension(fileName).Replace(".bpf", "");
        return name.Length == 0 ? "object" : name;
    }

    private static void SelectPrograms(List<BpfProgramHandle> programs, string[]? names)
    {
        if (names is not { Length: > 0 })
        {
            return;
        }
        var unknown = names.Where(n => !programs.Any(p => p.Name == n)).ToList();
        if (unknown.Count > 0)
        {
            throw new BpfException("ProgramNotFound", $"The object has no program named {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it has {string.Join(", ", programs.Select(p => $"'{p.Name}'"))}.");
        }
        foreach (var program in programs)
        {
            program.Autoload = names.Contains(program.Name);
        }
    }

    /// <summary>Turns a failed bpf_object__load into the most precise error the evidence supports.</summary>
    private static BpfException LoadFailure(int errno, List<BpfProgramHandle> programs, List<IntPtr> logBuffers, string libbpfSaid)
    {
        var autoloaded = programs.Where(p => p.Autoload).ToList();
        var verifierLogs = autoloaded.Select((p, i) => (Program: p, Log: i < logBuffers.Count ? Marshal.PtrToStringUTF8(logBuffers[i])?.Trim() : null)).ToList();

        // libbpf poisons an instruction whose CO-RE relocation failed (call 0xbad2310) and rewrites
        // the verifier's complaint about it: the relocation is the real cause, so say that.
        var relocation = verifierLogs.Select(v => v.Log ?? "").Concat([libbpfSaid])
            .SelectMany(l => l.Split('\n'))
            .FirstOrDefault(l => l.Contains("CO-RE relocation", StringComparison.Ordinal) && !l.Contains("<invalid", StringComparison.Ordinal));
        if (relocation is not null || verifierLogs.Any(v => v.Log?.Contains("195896080", StringComparison.Ordinal) == true))
        {
            return new BpfException("CoreRelocationFailed",
                $"CO-RE relocation failed: the object refers to kernel types or fields this kernel's BTF does not have. {relocation?.Trim()}".TrimEnd(), errno, libbpfSaid);
        }
        if (errno is 1 or 13 && !KernelInfoReader.CanLoadPrograms())
        {
            return new BpfException("PermissionDenied",
                $"The kernel refused to load the object: {ErrnoNames.Name(errno)}. Loading BPF programs needs root, or CAP_BPF with CAP_PERFMON (and CAP_NET_ADMIN for networking programs); this thread has {string.Join(", ", KernelInfoReader.EffectiveCapabilities().DefaultIfEmpty("no capabilities"))}.", errno, libbpfSaid);
        }
        foreach (var (program, log) in verifierLogs)
        {
            if (!string.IsNullOrEmpty(log))
            {
                var tail = Tail(log);
                return new BpfException("VerifierRejected",
                    $"The kernel verifier rejected program '{program.Name}' (section {program.Section}): {LastLine(tail)}", errno, libbpfSaid, tail);
            }
        }
        foreach (var program in autoloaded)
        {
            if (FeatureProbe.ProgramTypeSupported(program.Type) == false)
            {
                return new BpfException("ProgramTypeUnsupported",
                    $"This kernel cannot load program '{program.Name}': program type {KernelTypeNames.Program((uint)program.Type)} (section {program.Section}) is not supported here.", errno, libbpfSaid);
            }
        }
        if (libbpfSaid.Contains("failed to find kernel BTF type ID", StringComparison.Ordinal))
        {
            return new BpfException("AttachTargetNotFound", $"A program's attach target does not exist in this kernel. {LastLine(libbpfSaid)}", errno, libbpfSaid);
        }
        if (errno is 1 or 13)
        {
            return new BpfException("PermissionDenied",
                $"The kernel refused to load the object: {ErrnoNames.Name(errno)}, although this thread has the capabilities to load BPF programs; kernel lockdown or an LSM policy may forbid this program type. {LastLine(libbpfSaid)}".TrimEnd(), errno, libbpfSaid);
        }
        return new BpfException("LoadFailed", $"bpf_object__load failed: {ErrnoNames.Name(errno)} ({ErrnoNames.Describe(errno)}). {LastLine(libbpfSaid)}".TrimEnd(), errno, libbpfSaid);
    }

    private static void PinAll(PinDirectory directory, List<BpfProgramHandle> programs, List<BpfMapHandle> maps, List<Attachment> attachments)
    {
        foreach (var program in programs)
        {
            directory.Pin(program.Name, p => LibBpfObjectApi.PinProgram(program.Pointer, p));
        }
        foreach (var map in maps)
        {
            directory.Pin("map_" + map.Name.TrimStart('.'), p => LibBpfObjectApi.PinMap(map.Pointer, p));
        }
        var links = attachments.Select(a => a.Link).OfType<BpfLinkHandle>().ToList();
        for (int i = 0; i < links.Count; i++)
        {
            var link = links[i];
            directory.Pin($"link_{i}", p => LibBpfObjectApi.PinLink(link.Pointer, p));
        }
    }

    private static uint ProgramId(int fd) => KernelObjectInfo.ReadBorrowed<BpfProgramInfo>(fd).Id;

    private static BpfMapInfo MapInfo(int fd) => KernelObjectInfo.ReadBorrowed<BpfMapInfo>(fd);

    /// <summary>The last lines of a verifier log: where it says why it gave up.</summary>
    private static string Tail(string log)
    {
        var lines = log.Split('\n');
        return lines.Length <= VerifierLogTailLines ? log : "...\n" + string.Join('\n', lines[^VerifierLogTailLines..]);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("processed ", StringComparison.Ordinal)).LastOrDefault() ?? "";
}
