using System.Management.Automation;

namespace EbpfMcp.Bridge.Ownership;

/// <summary>
/// What an MCP session has installed, learnt the way a pwsh user would: Get-BpfInstallation
/// -Owner, and removed with Uninstall-BpfProgram -Owner. The bridge keeps no registry of its own.
/// </summary>
public sealed class SessionInstallations(PowerShellHost host)
{
    /// <summary>One installation as the module describes it.</summary>
    public sealed record Installation(string Id, IReadOnlyList<uint> ProgramIds, int MapCount, long MemlockBytes);

    /// <summary>What one owner holds, for quotas.</summary>
    public sealed record Usage(int Programs, int Maps, long MemlockBytes);

    public IReadOnlyList<Installation> Of(string owner) =>
        [.. host.Invoke("Get-BpfInstallation", new() { ["Owner"] = owner }).Select(Read)];

    public Usage UsageOf(string owner)
    {
        var installations = Of(owner);
        return new Usage(installations.Sum(i => i.ProgramIds.Count), installations.Sum(i => i.MapCount), installations.Sum(i => i.MemlockBytes));
    }

    public IReadOnlyList<uint> ProgramIdsOf(string owner) => [.. Of(owner).SelectMany(i => i.ProgramIds)];

    /// <summary>Removes one installation of <paramref name="owner"/>.</summary>
    public void Remove(string id, string owner) =>
        host.Invoke("Uninstall-BpfProgram", new() { ["Id"] = new[] { id }, ["Owner"] = owner, ["Confirm"] = false });

    /// <summary>Removes everything <paramref name="owner"/> installed (its session ended); returns how many installations.</summary>
    public int RemoveAll(string owner) =>
        host.Invoke("Uninstall-BpfProgram", new() { ["Owner"] = owner, ["PassThru"] = true, ["Confirm"] = false }).Count;

    private static Installation Read(PSObject o)
    {
        var programs = (o.Properties["Programs"]?.Value as System.Collections.IEnumerable)?.Cast<object>()
            .Select(p => Convert.ToUInt32(PSObject.AsPSObject(p).Properties["Id"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList() ?? [];
        return new Installation(
            (string)o.Properties["Id"].Value,
            programs,
            Convert.ToInt32(o.Properties["MapCount"].Value, System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(o.Properties["MemlockBytes"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
