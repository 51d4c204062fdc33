using System.Management.Automation;
using EbpfMcp.Model;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Counts the bpf(2) calls of every process, by command, with a BPF program of its own
/// (bpf_calls.bpf.o on the sys_enter_bpf tracepoint): the kernel's word that a refused request
/// made the bridge load, create or pin nothing. Loaded on creation, removed on dispose.
/// </summary>
public sealed class BpfCallWatch : IDisposable
{
    public const uint MapCreate = 0, ProgramLoad = 5, ObjectPin = 6;

    private readonly PowerShellSession ps = new();
    private readonly BpfInstallation installation;

    public BpfCallWatch()
    {
        installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach", new Dictionary<string, object?> { ["p"] = TestObjects.Object("bpf_calls") }).Single().BaseObject;
    }

    /// <summary>How many times process <paramref name="pid"/> has called bpf(<paramref name="command"/>) since the watch began.</summary>
    public ulong Count(int pid, uint command)
    {
        var map = installation.Maps.Single(m => m.Name == "bpf_calls").Id;
        foreach (var o in ps.Ok("Get-BpfMap -Id $id -Dump", new Dictionary<string, object?> { ["id"] = map }))
        {
            var entry = (BpfMapEntry)o.BaseObject;
            var key = (PSObject)entry.Key!;
            if (Convert.ToInt64(key.Properties["tgid"].Value) == pid && Convert.ToUInt32(key.Properties["cmd"].Value) == command)
            {
                return Convert.ToUInt64(entry.Value is PSObject p ? p.BaseObject : entry.Value);
            }
        }
        return 0;
    }

    /// <summary>Programs loaded, maps created and objects pinned by a process so far.</summary>
    public (ulong Loads, ulong Maps, ulong Pins) KernelChanges(int pid) => (Count(pid, ProgramLoad), Count(pid, MapCreate), Count(pid, ObjectPin));

    public void Dispose()
    {
        ps.Ok("Uninstall-BpfProgram -Id $i", new Dictionary<string, object?> { ["i"] = installation.Id });
        ps.Dispose();
    }
}
