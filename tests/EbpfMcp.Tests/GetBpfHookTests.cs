using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>Get-BpfHook on attachments that only a perf event fd knows of.</summary>
public sealed partial class GetBpfHookTests
{
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long PerfEventOpenSyscall(long number, byte* attr, int pid, int cpu, int groupFd, ulong flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, int argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    private static Dictionary<string, object?> Vars(string name, object? value) => new() { [name] = value };

    private const ulong PerfEventIocSetBpf = 0x40042408; // _IOW('$', 8, __u32)

    /// <summary>
    /// A tracepoint event of this process with the program set on it by ioctl, as older loaders
    /// (bcc, perf) attach: no BPF link exists, only the perf event fd.
    /// </summary>
    private static unsafe int AttachThroughPerfEvent(string tracepoint, int programFd)
    {
        var id = ulong.Parse(File.ReadAllText($"/sys/kernel/tracing/events/{tracepoint}/id").Trim());
        byte* attr = stackalloc byte[72];
        new Span<byte>(attr, 72).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr, 4), 2);            // PERF_TYPE_TRACEPOINT
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(attr + 4, 4), 72);       // size
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(attr + 8, 8), id);       // config
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(attr + 16, 8), 1);       // sample_period
        long number = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 241 : 298;
        var fd = (int)PerfEventOpenSyscall(number, attr, -1, 0, -1, 1 << 3 /* PERF_FLAG_FD_CLOEXEC */);
        Assert.True(fd >= 0, $"perf_event_open({tracepoint}): errno {Marshal.GetLastPInvokeError()}");
        if (Ioctl(fd, PerfEventIocSetBpf, programFd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close(fd);
            Assert.Fail($"PERF_EVENT_IOC_SET_BPF: errno {errno}");
        }
        return fd;
    }

    [Fact]
    public void AProgramAttachedThroughAPerfEventFdAloneIsFound()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Program count_getpgid", Vars("p", TestObjects.Counter)).Single().BaseObject;
        var programId = installation.Programs[0].Id;
        try
        {
            Assert.Empty(((BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars("id", programId)).Single().BaseObject).AttachedTo);

            using var program = KernelObjectInfo.OpenProgram(programId)!;
            int perfFd = AttachThroughPerfEvent("syscalls/sys_enter_getpgid", (int)program.DangerousGetHandle());
            try
            {
                var hook = (BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars("id", programId)).Single().BaseObject;
                Assert.Equal(["tracepoint:syscalls:sys_enter_getpgid"], hook.AttachedTo);
                Assert.Empty(hook.LinkIds);

                // bpftool's own walk of every perf event fd finds the same one, in this process.
                using var perf = JsonDocument.Parse(KernelPrerequisites.Run("bpftool", "-j", "perf", "show"));
                Assert.Contains(perf.RootElement.EnumerateArray(), e =>
                    e.GetProperty("prog_id").GetUInt32() == programId && e.GetProperty("pid").GetInt32() == Environment.ProcessId
                    && e.GetProperty("fd").GetInt32() == perfFd && e.GetProperty("tracepoint").GetString() == "sys_enter_getpgid");
            }
            finally
            {
                Close(perfFd);
            }
            Assert.Empty(((BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars("id", programId)).Single().BaseObject).AttachedTo);
        }
        finally
        {
            ps.Ok("Uninstall-BpfProgram -Id $i", Vars("i", installation.Id));
        }
        KernelPrograms.AssertReturnsTo(before);
    }
}
