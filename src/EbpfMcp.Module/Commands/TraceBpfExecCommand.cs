using System.Buffers.Binary;
using System.Management.Automation;
using System.Text;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>Trace-BpfExec: streams process executions as they happen, successful and failed.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfExec")]
[OutputType(typeof(BpfExecEvent))]
public sealed class TraceBpfExecCommand : BpfEventTraceCmdlet<BpfExecEvent>
{
    private const int ArgsCapacity = 512;

    private protected override TracerCatalog.Tracer Tracer => TracerCatalog.Exec;

    // struct exec_event: ts@0 pid@8 ppid@12 uid@16 args_size@20 comm@24[16] filename@40[256] args@296[512] return_code@808
    private protected override BpfExecEvent Decode(byte[] r)
    {
        int argsSize = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(20)), ArgsCapacity);
        int returnCode = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(808));
        var args = Encoding.UTF8.GetString(r, 296, argsSize).Split('\0');
        bool truncated = argsSize == ArgsCapacity && r[296 + argsSize - 1] != 0;
        return new BpfExecEvent
        {
            Timestamp = Time(r, 0),
            ProcessId = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(8)),
            ParentProcessId = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(12)),
            Uid = BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(16)),
            ProcessName = CString(r, 24, 16),
            Filename = CString(r, 40, 256),
            // /proc-style argv: NUL-separated, with a final NUL.
            Arguments = new(args.Length > 0 && args[^1].Length == 0 ? args[..^1] : args),
            ArgumentsTruncated = truncated,
            ReturnCode = returnCode,
            Errno = returnCode < 0 ? EbpfMcp.Native.ErrnoNames.Name(-returnCode) : null,
        };
    }
}
