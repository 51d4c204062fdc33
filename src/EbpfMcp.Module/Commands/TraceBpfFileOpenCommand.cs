using System.Buffers.Binary;
using System.Management.Automation;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>Trace-BpfFileOpen: streams open/openat/openat2 calls with their path, flags and result.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfFileOpen")]
[OutputType(typeof(BpfFileOpenEvent))]
public sealed class TraceBpfFileOpenCommand : BpfEventTraceCmdlet<BpfFileOpenEvent>
{
    private static readonly string[] SyscallNames = ["open", "openat", "openat2"];
    private WildcardPattern? pathPattern;

    /// <summary>Only calls that failed (filtered in the kernel).</summary>
    [Parameter]
    public SwitchParameter FailedOnly { get; set; }

    /// <summary>Only paths matching this wildcard pattern (/etc/*).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? PathLike { get; set; }

    private protected override TracerCatalog.Tracer Tracer => TracerCatalog.FileOpen;

    private protected override byte[] Configuration()
    {
        pathPattern = PathLike is null ? null : new WildcardPattern(PathLike, WildcardOptions.None);
        var config = new byte[ProcessFilterSize + 4];
        ProcessFilterBytes().CopyTo(config, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(ProcessFilterSize), FailedOnly ? 1u : 0u);
        return config;
    }

    // struct open_event: ts@0 pid@8 tid@12 result@16 flags@24 syscall@32 comm@40[16] path@56[256]
    private protected override BpfFileOpenEvent? Decode(byte[] r)
    {
        var path = CString(r, 56, 256);
        if (pathPattern is not null && !pathPattern.IsMatch(path))
        {
            return null;
        }
        long result = BinaryPrimitives.ReadInt64LittleEndian(r.AsSpan(16));
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(24));
        uint syscall = BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(32));
        return new BpfFileOpenEvent
        {
            Timestamp = Time(r, 0),
            ProcessId = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(8)),
            ThreadId = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(12)),
            ProcessName = CString(r, 40, 16),
            Syscall = syscall < SyscallNames.Length ? SyscallNames[syscall] : $"syscall_{syscall}",
            Path = path,
            Flags = OpenFlags.Describe(flags),
            FlagsValue = flags,
            Result = result,
            Errno = result < 0 ? ErrnoNames.Name((int)-result) : null,
        };
    }
}
